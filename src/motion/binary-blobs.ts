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
 * Bounding boxes of 8-connected blobs of set pixels, by run-length labelling: each row's runs of set pixels are
 * joined (union-find) with the runs of the row above that touch them, diagonals included. Work grows with the number
 * of runs, not of pixels, so a frame-wide blob costs about what a small one does. `mask` is left as it was.
 */
export function blobBoxes(mask: Uint8Array, width: number, height: number): PixelBox[] {
  const runs: number[] = []; // per run: y, x0, x1 (inclusive)
  const parent: number[] = [];
  const find = (r: number): number => {
    while (parent[r] !== r) r = parent[r] = parent[parent[r]];
    return r;
  };
  let previousStart = 0;
  for (let y = 0; y < height; y += 1) {
    const rowStart = runs.length / 3;
    let above = previousStart;
    for (let x = 0; x < width; x += 1) {
      if (mask[y * width + x] === 0) continue;
      const x0 = x;
      while (x + 1 < width && mask[y * width + x + 1] !== 0) x += 1;
      const run = runs.length / 3;
      runs.push(y, x0, x);
      parent.push(run);
      // Runs of the row above that overlap [x0 - 1, x + 1] belong to the same blob.
      while (above < rowStart && runs[above * 3 + 2] < x0 - 1) above += 1;
      for (let a = above; a < rowStart && runs[a * 3 + 1] <= x + 1; a += 1) {
        const ra = find(a);
        const rb = find(run);
        if (ra !== rb) parent[rb] = ra;
      }
    }
    previousStart = rowStart;
  }
  const byRoot = new Map<number, PixelBox>();
  for (let r = 0; r < parent.length; r += 1) {
    const [y, x0, x1] = [runs[r * 3], runs[r * 3 + 1], runs[r * 3 + 2]];
    const root = find(r);
    const box = byRoot.get(root);
    if (!box) byRoot.set(root, { x0, y0: y, x1, y1: y, pixels: x1 - x0 + 1 });
    else {
      box.x0 = Math.min(box.x0, x0);
      box.x1 = Math.max(box.x1, x1);
      box.y0 = Math.min(box.y0, y);
      box.y1 = Math.max(box.y1, y);
      box.pixels += x1 - x0 + 1;
    }
  }
  return [...byRoot.values()];
}
