/**
 * What a camera does to a picture, measured: brightness, contrast, sensor noise, sharpness and colour. The same
 * figures are taken of real camera footage and of photos changed to look like it (src/train/camera-conditions.ts),
 * so the changes are set from measurements rather than guessed (`npm run bench -- camera-conditions`).
 */
import type { RgbImage } from './image.js';
import { colourSpreadPercentile } from './colour-spread.js';

export interface ImageStats {
  /** Mean luma, 0..255. */
  readonly lumaMean: number;
  /** Standard deviation of luma: global contrast. */
  readonly lumaStd: number;
  /** Sensor noise sigma in luma levels (Immerkær's estimator: a Laplacian difference that cancels smooth content). */
  readonly noiseSigma: number;
  /** Mean absolute Laplacian per luma level of contrast: how much fine detail survives (blur and scaling lower it). */
  readonly sharpness: number;
  /** 99th percentile of the per-pixel channel spread: near 0 in IR night mode (src/image/colour-spread.ts). */
  readonly colourSpread: number;
}

export function lumaPlane(image: RgbImage): Float32Array {
  const out = new Float32Array(image.width * image.height);
  for (let p = 0, i = 0; p < out.length; p++, i += 3) out[p] = 0.299 * image.data[i] + 0.587 * image.data[i + 1] + 0.114 * image.data[i + 2];
  return out;
}

export function imageStats(image: RgbImage): ImageStats {
  const { width, height } = image;
  const luma = lumaPlane(image);
  let sum = 0;
  let sumSq = 0;
  for (const v of luma) {
    sum += v;
    sumSq += v * v;
  }
  const n = Math.max(1, luma.length);
  const lumaMean = sum / n;
  const lumaStd = Math.sqrt(Math.max(0, sumSq / n - lumaMean * lumaMean));
  let noise = 0;
  let laplace = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const p = y * width + x;
      const c = luma[p];
      // Immerkær (1996): the difference of two Laplacians is zero on smooth ramps and edges, noise survives it.
      noise += Math.abs(4 * c - 2 * (luma[p - 1] + luma[p + 1] + luma[p - width] + luma[p + width]) + luma[p - width - 1] + luma[p - width + 1] + luma[p + width - 1] + luma[p + width + 1]);
      laplace += Math.abs(4 * c - luma[p - 1] - luma[p + 1] - luma[p - width] - luma[p + width]);
    }
  }
  const inner = Math.max(1, (width - 2) * (height - 2));
  return {
    lumaMean,
    lumaStd,
    noiseSigma: (Math.sqrt(Math.PI / 2) / 6) * (noise / inner),
    sharpness: laplace / inner / Math.max(1, lumaStd),
    colourSpread: colourSpreadPercentile(image),
  };
}
