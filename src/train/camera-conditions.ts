/**
 * What a camera does to what it sees, applied to a photo: night IR, distance, motion blur, dusk and heavy
 * compression. Used twice: as training copies of positives and negatives (a cat at night is still a cat, a dog at
 * night is still not one), and as the fixed test conditions of the gate and the generalisation bench.
 *
 * Deterministic given (photo, seed): the parameters come from the seed, so a copy's embedding is cached like any
 * photo's. The ranges are set from the shared clips, measured with src/image/image-stats.ts
 * (`npm run bench -- camera-conditions` prints both sides, bench/results/camera-conditions.md):
 * - IR night (nocat_ir_backyard, nocat_ir_stairwell): no colour (channel spread p99 0-15), dark (mean luma 47-52)
 *   with the contrast of a lamp-lit centre (luma std 43-53), soft (sharpness 0.07-0.25 against 0.43 for photos) and
 *   a little sensor noise (sigma 0.5-1.7).
 * - Dusk (nocat_parking_lot_night, nocat_roadside_car_day): mean luma 61-66 with contrast kept (luma std 35-49),
 *   colour still there (channel spread p99 34-91), softer than photos, noise sigma 1.8-2.0.
 * - Compression: the QVGA CCTV clips carry 0.02-0.06 bits per pixel per frame; a JPEG at quality 8-20 loses detail
 *   the way they do (blocks, smeared edges).
 * - Far: the 24-64 px for the object, the size of a cat across a yard in a 640x360 frame; the copy is
 *   scaled back up, as the pipeline upscales a small region to the backbone's input.
 * - Motion blur: a cat crossing the view at a trot moves about its own length in a quarter second; at a 1/30 s
 *   shutter that smears it by 3-10% of its length.
 */
import sharp, { type Sharp } from 'sharp';
import type { RgbImage } from '../image/image.js';
import { createRng, type Rng } from '../util/rng.js';
import type { CameraCondition } from '../image/camera-condition.js';
import { lumaPlane } from '../image/image-stats.js';

/** The drawn parameters of one copy, so a test (or a person) can check that it looks like what it says. */
export interface ConditionResult {
  readonly image: RgbImage;
  readonly params: Readonly<Record<string, number>>;
}

export const CONDITION_RANGES = {
  'night-ir': { lumaMean: [45, 60], noiseSigma: [0.5, 2], blurSigma: [0.6, 1.2], lampFalloff: [0.4, 0.9] },
  far: { longSidePx: [24, 64] },
  'motion-blur': { lengthFraction: [0.03, 0.1] },
  dusk: { lumaMean: [55, 75], saturation: [0.7, 1], noiseSigma: [1, 2.5], blurSigma: [0.4, 0.8] },
  jpeg: { quality: [8, 20] },
} as const satisfies Record<CameraCondition, Record<string, readonly [number, number]>>;

const draw = (rng: Rng, [low, high]: readonly [number, number]): number => low + (high - low) * rng.next();

export async function applyCondition(image: RgbImage, condition: CameraCondition, seed: number): Promise<ConditionResult> {
  const rng = createRng(seed);
  switch (condition) {
    case 'night-ir':
      return nightIr(image, rng);
    case 'far':
      return far(image, rng);
    case 'motion-blur':
      return motionBlur(image, rng);
    case 'dusk':
      return dusk(image, rng);
    case 'jpeg':
      return jpeg(image, rng);
  }
}

/**
 * Grey, lit by a lamp at the camera (bright centre, dark corners), darkened by a gamma curve to IR brightness (a
 * gamma, not a gain: IR footage keeps its contrast, luma std 43-53 at a mean of 47-52), soft and noisy.
 */
async function nightIr(image: RgbImage, rng: Rng): Promise<ConditionResult> {
  const r = CONDITION_RANGES['night-ir'];
  const params = { lumaMean: draw(rng, r.lumaMean), noiseSigma: draw(rng, r.noiseSigma), blurSigma: draw(rng, r.blurSigma), lampFalloff: draw(rng, r.lampFalloff) };
  const { width, height } = image;
  const grey = new Float32Array(width * height);
  for (let p = 0; p < grey.length; p++) {
    const x = (p % width) / Math.max(1, width - 1) - 0.5;
    const y = Math.floor(p / width) / Math.max(1, height - 1) - 0.5;
    const lamp = 1 - params.lampFalloff * 2 * (x * x + y * y);
    const i = p * 3;
    grey[p] = (0.299 * image.data[i] + 0.587 * image.data[i + 1] + 0.114 * image.data[i + 2]) * lamp;
  }
  const gamma = gammaForMean(grey, params.lumaMean);
  const lit = greyToRgb(grey, width, height, (v) => 255 * (v / 255) ** gamma);
  const soft = await viaSharp(lit, (s) => s.blur(params.blurSigma));
  return { image: addNoise(soft, rng, params.noiseSigma, true), params: { ...params, gamma } };
}

/** The gamma (>= 1 darkens) that brings the mean of 255 * (v / 255) ^ gamma to `mean`: bisection on log gamma. */
export function gammaForMean(values: Float32Array, mean: number): number {
  const sample = values.filter((_, i) => i % 7 === 0);
  const meanAt = (g: number) => sample.reduce((a, v) => a + 255 * (Math.max(0, v) / 255) ** g, 0) / Math.max(1, sample.length);
  let [low, high] = [Math.log(0.2), Math.log(8)];
  for (let k = 0; k < 30; k++) {
    const mid = (low + high) / 2;
    if (meanAt(Math.exp(mid)) > mean) low = mid;
    else high = mid;
  }
  return Math.exp((low + high) / 2);
}

/** The photo's long side down to 24-64 px (area average, as a sensor does), then back up to its size (bilinear). */
async function far(image: RgbImage, rng: Rng): Promise<ConditionResult> {
  const longSidePx = Math.round(draw(rng, CONDITION_RANGES.far.longSidePx));
  const scale = longSidePx / Math.max(image.width, image.height);
  const w = Math.max(1, Math.round(image.width * scale));
  const h = Math.max(1, Math.round(image.height * scale));
  const small = await viaSharp(image, (s) => s.resize(w, h, { kernel: 'cubic', fit: 'fill' }));
  const back = await viaSharp(small, (s) => s.resize(image.width, image.height, { kernel: 'linear', fit: 'fill' }));
  return { image: back, params: { longSidePx, width: w, height: h } };
}

/** A straight smear of 3-10% of the long side, mostly sideways (±30°): things walk across a camera's view. */
async function motionBlur(image: RgbImage, rng: Rng): Promise<ConditionResult> {
  const lengthPx = Math.max(3, Math.round(draw(rng, CONDITION_RANGES['motion-blur'].lengthFraction) * Math.max(image.width, image.height)) | 1);
  const angleDeg = -30 + 60 * rng.next();
  const kernel = lineKernel(lengthPx, (angleDeg * Math.PI) / 180);
  const out = await viaSharp(image, (s) => s.convolve({ width: lengthPx, height: lengthPx, kernel, scale: kernel.reduce((a, b) => a + b, 0) }));
  return { image: out, params: { lengthPx, angleDeg } };
}

/** Dark (a gamma, as for IR), colour a little washed out, a little soft, and the noise of a sensor's gain turned up. */
async function dusk(image: RgbImage, rng: Rng): Promise<ConditionResult> {
  const r = CONDITION_RANGES.dusk;
  const params = { lumaMean: draw(rng, r.lumaMean), saturation: draw(rng, r.saturation), noiseSigma: draw(rng, r.noiseSigma), blurSigma: draw(rng, r.blurSigma) };
  const px = image.width * image.height;
  const luma = lumaPlane(image);
  const gamma = gammaForMean(luma, params.lumaMean);
  const data = new Uint8Array(image.data.length);
  for (let p = 0, i = 0; p < px; p++, i += 3) {
    // Each channel through the same curve as its pixel's luma, so hue is kept and only saturation changes.
    const gain = luma[p] > 0 ? (255 * (luma[p] / 255) ** gamma) / luma[p] : 0;
    for (let c = 0; c < 3; c++) data[i + c] = clampByte((luma[p] + (image.data[i + c] - luma[p]) * params.saturation) * gain);
  }
  const soft = await viaSharp({ data, width: image.width, height: image.height }, (s) => s.blur(params.blurSigma));
  return { image: addNoise(soft, rng, params.noiseSigma, false), params: { ...params, gamma } };
}

async function jpeg(image: RgbImage, rng: Rng): Promise<ConditionResult> {
  const quality = Math.round(draw(rng, CONDITION_RANGES.jpeg.quality));
  const bytes = await rawSharp(image).jpeg({ quality, chromaSubsampling: '4:2:0', mozjpeg: false }).toBuffer();
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { image: { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height }, params: { quality, bytes: bytes.length } };
}

/** A normalised line of `length` taps through the centre of a square kernel, at `angle` radians. */
function lineKernel(length: number, angle: number): number[] {
  const kernel = new Array<number>(length * length).fill(0);
  const c = (length - 1) / 2;
  for (let t = -c; t <= c; t += 0.25) {
    const x = Math.round(c + t * Math.cos(angle));
    const y = Math.round(c + t * Math.sin(angle));
    kernel[y * length + x] = 1;
  }
  return kernel;
}

function addNoise(image: RgbImage, rng: Rng, sigma: number, sameInEveryChannel: boolean): RgbImage {
  const data = new Uint8Array(image.data.length);
  for (let i = 0; i < data.length; i += 3) {
    const grey = rng.normal() * sigma;
    for (let c = 0; c < 3; c++) data[i + c] = clampByte(image.data[i + c] + (sameInEveryChannel ? grey : rng.normal() * sigma));
  }
  return { data, width: image.width, height: image.height };
}

function greyToRgb(grey: Float32Array, width: number, height: number, map: (v: number) => number): RgbImage {
  const data = new Uint8Array(grey.length * 3);
  for (let p = 0; p < grey.length; p++) data[p * 3] = data[p * 3 + 1] = data[p * 3 + 2] = clampByte(map(grey[p]));
  return { data, width, height };
}

const clampByte = (v: number): number => (v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v));

function rawSharp(image: RgbImage): Sharp {
  return sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), { raw: { width: image.width, height: image.height, channels: 3 } });
}

async function viaSharp(image: RgbImage, step: (s: Sharp) => Sharp): Promise<RgbImage> {
  const { data, info } = await step(rawSharp(image)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}
