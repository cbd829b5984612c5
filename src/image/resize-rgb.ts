/**
 * Pure-JS resize and crop of packed RGB frames. Bilinear with half-pixel centres (as TensorFlow's and OpenCV's
 * resize), column weights precomputed once per call; the cost depends on the output size only, not the input's.
 * No anti-aliasing: like MediaPipe's own ImageToTensor, a big downscale samples rather than averages.
 */
import type { RgbImage } from './image.js';

/** A rectangle in pixels (top-left origin). */
export interface PixelBox {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

export function resizeRgb(img: RgbImage, width: number, height: number): RgbImage {
  assertImage(img);
  if (!(width >= 1 && height >= 1 && Number.isInteger(width) && Number.isInteger(height))) {
    throw new RangeError(`resize target must be positive integers, got ${width}x${height}`);
  }
  if (width === img.width && height === img.height) return { data: img.data.slice(), width, height };
  const src = img.data;
  const srcW = img.width;
  const srcH = img.height;
  const out = new Uint8Array(width * height * 3);
  // Per output column: byte offsets of the left/right source pixels and the right weight.
  const xLeft = new Int32Array(width);
  const xRight = new Int32Array(width);
  const xWeight = new Float32Array(width);
  const scaleX = srcW / width;
  for (let x = 0; x < width; x++) {
    const fx = Math.min(Math.max((x + 0.5) * scaleX - 0.5, 0), srcW - 1);
    const x0 = Math.floor(fx);
    xLeft[x] = x0 * 3;
    xRight[x] = Math.min(x0 + 1, srcW - 1) * 3;
    xWeight[x] = fx - x0;
  }
  const scaleY = srcH / height;
  const rowBytes = srcW * 3;
  let o = 0;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(Math.max((y + 0.5) * scaleY - 0.5, 0), srcH - 1);
    const y0 = Math.floor(fy);
    const wy = fy - y0;
    const top = y0 * rowBytes;
    const bottom = Math.min(y0 + 1, srcH - 1) * rowBytes;
    for (let x = 0; x < width; x++) {
      const l = xLeft[x];
      const r = xRight[x];
      const wx = xWeight[x];
      for (let c = 0; c < 3; c++) {
        const t = src[top + l + c] + (src[top + r + c] - src[top + l + c]) * wx;
        const b = src[bottom + l + c] + (src[bottom + r + c] - src[bottom + l + c]) * wx;
        out[o++] = (t + (b - t) * wy + 0.5) | 0;
      }
    }
  }
  return { data: out, width, height };
}

/** Copies the part of `box` inside the image (rounded to whole pixels); throws when nothing is left. */
export function cropRgb(img: RgbImage, box: PixelBox): RgbImage {
  assertImage(img);
  const x0 = Math.max(0, Math.round(box.x));
  const y0 = Math.max(0, Math.round(box.y));
  const x1 = Math.min(img.width, Math.round(box.x + box.w));
  const y1 = Math.min(img.height, Math.round(box.y + box.h));
  const width = x1 - x0;
  const height = y1 - y0;
  if (!(width > 0 && height > 0)) {
    throw new RangeError(`crop box ${JSON.stringify(box)} lies outside the ${img.width}x${img.height} image`);
  }
  const out = new Uint8Array(width * height * 3);
  const rowBytes = width * 3;
  for (let y = 0; y < height; y++) {
    const start = ((y0 + y) * img.width + x0) * 3;
    out.set(img.data.subarray(start, start + rowBytes), y * rowBytes);
  }
  return { data: out, width, height };
}

function assertImage(img: RgbImage): void {
  if (img.data.length !== img.width * img.height * 3 || img.width < 1 || img.height < 1) {
    throw new RangeError(`RGB image of ${img.width}x${img.height} needs ${img.width * img.height * 3} bytes, got ${img.data.length}`);
  }
}
