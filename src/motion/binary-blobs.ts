/** Operations on the small 0/1 motion mask: dilation (join a moving object's fragments) and blob bounding boxes. */

export interface PixelBox {
  x0: number;
  y0: number;
  /** Inclusive. */
  x1: number;
  /** Inclusive. */
  y1: number;
  /** Set pixels in the blob. */
  pixels: number;
}

/** Square dilation of radius `r` (a (2r+1)² max filter), separable; `tmp` is scratch of the same size. */
export function dilate(mask: Uint8Array, out: Uint8Array, tmp: Uint8Array, width: number, height: number, r: number): void {
  for (let y = 0; y < height; y += 1) {
    const row = y * width;
    for (let x = 0; x < width; x += 1) {
      let v = 0;
      const lo = Math.max(0, x - r);
      const hi = Math.min(width - 1, x + r);
      for (let k = lo; k <= hi && v === 0; k += 1) v = mask[row + k];
      tmp[row + x] = v;
    }
  }
  for (let y = 0; y < height; y += 1) {
    const lo = Math.max(0, y - r);
    const hi = Math.min(height - 1, y + r);
    for (let x = 0; x < width; x += 1) {
      let v = 0;
      for (let k = lo; k <= hi && v === 0; k += 1) v = tmp[k * width + x];
      out[y * width + x] = v;
    }
  }
}

/**
 * Bounding boxes of 8-connected blobs of set pixels, by flood fill. `mask` is consumed (filled pixels are
 * cleared); `stack` needs room for width * height indices.
 */
export function blobBoxes(mask: Uint8Array, stack: Int32Array, width: number, height: number): PixelBox[] {
  const boxes: PixelBox[] = [];
  for (let start = 0; start < mask.length; start += 1) {
    if (mask[start] === 0) continue;
    const box: PixelBox = { x0: width, y0: height, x1: -1, y1: -1, pixels: 0 };
    let top = 0;
    stack[top++] = start;
    mask[start] = 0;
    while (top > 0) {
      const i = stack[--top];
      const x = i % width;
      const y = (i - x) / width;
      box.pixels += 1;
      if (x < box.x0) box.x0 = x;
      if (x > box.x1) box.x1 = x;
      if (y < box.y0) box.y0 = y;
      if (y > box.y1) box.y1 = y;
      for (let dy = -1; dy <= 1; dy += 1) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx += 1) {
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const j = ny * width + nx;
          if (mask[j] !== 0) {
            mask[j] = 0;
            stack[top++] = j;
          }
        }
      }
    }
    boxes.push(box);
  }
  return boxes;
}
