/**
 * Tells a shadow or a light from an object: a change of lighting scales the brightness of what was there and keeps
 * its texture, so inside the changed pixels the frame still correlates with the background; an object replaces the
 * texture. Pearson correlation is unchanged by any gain and offset, so it also survives the contrast stretch.
 * Low-texture areas (a bare floor) correlate with nothing, so there a change counts as an object: recall first.
 */
import type { PixelBox } from './binary-blobs.js';

/** Correlation above which a changed area is taken for a change of light. */
export const LIGHTING_CORRELATION = 0.8;
/** Below this background standard deviation (grey levels) the texture is too flat to judge. */
const MIN_TEXTURE_SD = 6;

/** Pearson correlation of `frame` and `background` over the pixels of `box` that `changed` marks (0 when undecidable). */
export function changeCorrelation(
  frame: Uint8Array, background: Float32Array, changed: Uint8Array, box: PixelBox, width: number,
): number {
  let n = 0;
  let sf = 0;
  let sb = 0;
  let sff = 0;
  let sbb = 0;
  let sfb = 0;
  for (let y = box.y0; y <= box.y1; y += 1) {
    for (let i = y * width + box.x0, end = y * width + box.x1; i <= end; i += 1) {
      if (changed[i] === 0) continue;
      const f = frame[i];
      const b = background[i];
      n += 1;
      sf += f;
      sb += b;
      sff += f * f;
      sbb += b * b;
      sfb += f * b;
    }
  }
  if (n < 16) return 0;
  const varF = sff / n - (sf / n) ** 2;
  const varB = sbb / n - (sb / n) ** 2;
  if (varB < MIN_TEXTURE_SD ** 2 || varF <= 0) return 0;
  return (sfb / n - (sf / n) * (sb / n)) / Math.sqrt(varF * varB);
}
