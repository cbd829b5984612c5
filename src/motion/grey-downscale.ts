/**
 * The small grey copy motion works on: luma of the RGB frame, sampled down to about 100 px high, then a
 * 3x3 box blur so sensor noise and compression speckle do not count as motion.
 */

export interface GreyImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/** Size of the grey copy: `targetHeight` px high (never upscaled), width in proportion. */
export function smallSize(width: number, height: number, targetHeight = 100): { width: number; height: number } {
  const h = Math.min(height, targetHeight);
  return { width: Math.max(1, Math.round((width * h) / height)), height: h };
}

/**
 * A reusable downscaler for one source and target size. Each target pixel averages the luma of a 2x2 grid of
 * samples spread over the source block it covers (like a bilinear resize): a quarter to a tenth of the reads of
 * a full area average, and the blur that follows removes what sampling leaves of the noise.
 */
export function createGreyDownscaler(
  srcWidth: number,
  srcHeight: number,
  dstWidth: number,
  dstHeight: number,
): (rgb: Uint8Array, out: Uint8Array) => void {
  const cols = samplePositions(srcWidth, dstWidth);
  const rows = samplePositions(srcHeight, dstHeight);
  // Byte offsets of the two sample columns of each target column.
  const colA = new Uint32Array(dstWidth);
  const colB = new Uint32Array(dstWidth);
  for (let c = 0; c < dstWidth; c += 1) {
    colA[c] = cols[2 * c] * 3;
    colB[c] = cols[2 * c + 1] * 3;
  }

  return (rgb, out) => {
    for (let r = 0; r < dstHeight; r += 1) {
      const rowA = rows[2 * r] * srcWidth * 3;
      const rowB = rows[2 * r + 1] * srcWidth * 3;
      const base = r * dstWidth;
      for (let c = 0; c < dstWidth; c += 1) {
        const p = rowA + colA[c];
        const q = rowA + colB[c];
        const s = rowB + colA[c];
        const t = rowB + colB[c];
        // BT.601 luma in 1/256 units, four samples: divide by 1024 once.
        const sum =
          77 * (rgb[p] + rgb[q] + rgb[s] + rgb[t]) +
          150 * (rgb[p + 1] + rgb[q + 1] + rgb[s + 1] + rgb[t + 1]) +
          29 * (rgb[p + 2] + rgb[q + 2] + rgb[s + 2] + rgb[t + 2]);
        out[base + c] = sum >> 10;
      }
    }
  };
}

/** For each of `dst` cells over `src` pixels, two sample positions at a quarter and three quarters of the cell. */
function samplePositions(src: number, dst: number): Uint32Array {
  const positions = new Uint32Array(2 * dst);
  const cell = src / dst;
  for (let i = 0; i < dst; i += 1) {
    positions[2 * i] = Math.min(src - 1, Math.floor((i + 0.25) * cell));
    positions[2 * i + 1] = Math.min(src - 1, Math.floor((i + 0.75) * cell));
  }
  return positions;
}

/** 3x3 box blur (separable, edges clamped) from `src` into `out`; `tmp` holds the horizontal pass. */
export function boxBlur3(src: Uint8Array, out: Uint8Array, tmp: Uint16Array, width: number, height: number): void {
  for (let y = 0; y < height; y += 1) {
    const row = y * width;
    for (let x = 0; x < width; x += 1) {
      const l = x > 0 ? x - 1 : x;
      const r = x < width - 1 ? x + 1 : x;
      tmp[row + x] = src[row + l] + src[row + x] + src[row + r];
    }
  }
  for (let y = 0; y < height; y += 1) {
    const up = (y > 0 ? y - 1 : y) * width;
    const row = y * width;
    const down = (y < height - 1 ? y + 1 : y) * width;
    for (let x = 0; x < width; x += 1) {
      out[row + x] = (tmp[up + x] + tmp[row + x] + tmp[down + x] + 4) / 9;
    }
  }
}
