/**
 * How colourful a frame is: a high percentile of the per-pixel channel spread (max - min of R, G, B) over a sample
 * of pixels. A camera in IR night mode sends greyscale frames: the spread is compression noise only (under ~15 at the
 * 99th percentile on the shared IR clips), while even a dull daylight scene has some coloured pixels (over 20).
 */
import type { RgbImage } from './image.js';

/** The `percentile` (0..1) of the channel spread over about `samples` pixels spread evenly over the image. */
export function colourSpreadPercentile(image: RgbImage, percentile = 0.99, samples = 4096): number {
  const pixels = image.width * image.height;
  if (pixels === 0) return 0;
  // An odd stride does not line up with the rows, so the sample is not a few columns of the frame.
  const stride = Math.max(1, Math.floor(pixels / samples)) | 1;
  const histogram = new Uint32Array(256);
  let counted = 0;
  for (let p = 0; p < pixels; p += stride) {
    const i = p * 3;
    const r = image.data[i];
    const g = image.data[i + 1];
    const b = image.data[i + 2];
    histogram[Math.max(r, g, b) - Math.min(r, g, b)]++;
    counted++;
  }
  const rank = Math.ceil(percentile * counted);
  let seen = 0;
  for (let v = 0; v < 256; v++) {
    seen += histogram[v];
    if (seen >= rank) return v;
  }
  return 255;
}
