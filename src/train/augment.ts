/**
 * Deterministic augmentations (sharp): the light ones every training uses (positives: flip, crop, colour jitter,
 * blur; negatives: a light grey/IR look, low light, blur, crop), and the camera conditions
 * (src/train/camera-conditions.ts: night IR, far, motion blur, dusk, heavy JPEG) when train.cameraConditions asks.
 * Each variant is fixed by (image, variant index), so its embedding is cacheable like any other image.
 */
import sharp from 'sharp';
import type { RgbImage } from '../image/image.js';
import { createRng } from '../util/rng.js';
import { applyCondition } from './camera-conditions.js';
import { CAMERA_CONDITIONS, isCameraCondition, type CameraCondition } from '../image/camera-condition.js';

const PHOTO_KINDS = ['flip', 'crop', 'jitter', 'blur'] as const;
const NEGATIVE_PHOTO_KINDS = ['ir', 'dark', 'blur', 'crop'] as const;
/** Positives: what a photographer varies, then (when asked) what a camera does; a cat at night is still a cat. */
export const AUGMENT_KINDS = [...PHOTO_KINDS, ...CAMERA_CONDITIONS] as const;
/** Negatives: light versions of what cameras do to scenes, a part of the view, then (when asked) the conditions. */
export const NEGATIVE_AUGMENT_KINDS = [...NEGATIVE_PHOTO_KINDS, ...CAMERA_CONDITIONS] as const;
export type AugmentKind = (typeof PHOTO_KINDS)[number] | (typeof NEGATIVE_PHOTO_KINDS)[number] | CameraCondition;

/** The kinds of `kinds` a training may use: photographic ones always, camera conditions only those allowed. */
export function allowedKinds<K extends AugmentKind>(kinds: readonly K[], conditions: readonly CameraCondition[]): K[] {
  return kinds.filter((k) => !isCameraCondition(k) || conditions.includes(k));
}

export async function augment(image: RgbImage, kind: AugmentKind, seed: number): Promise<RgbImage> {
  if (isCameraCondition(kind)) return (await applyCondition(image, kind, seed)).image;
  const rng = createRng(seed);
  let s = sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), { raw: { width: image.width, height: image.height, channels: 3 } });
  switch (kind) {
    case 'flip':
      s = s.flop();
      break;
    case 'crop': {
      const scale = 0.7 + 0.25 * rng.next();
      const w = Math.max(8, Math.round(image.width * scale));
      const h = Math.max(8, Math.round(image.height * scale));
      s = s.extract({ left: rng.int(image.width - w + 1), top: rng.int(image.height - h + 1), width: w, height: h });
      break;
    }
    case 'jitter':
      s = s.modulate({ brightness: 0.75 + 0.5 * rng.next(), saturation: 0.6 + 0.8 * rng.next(), hue: Math.round(-12 + 24 * rng.next()) });
      break;
    case 'blur':
      s = s.blur(0.6 + 1.4 * rng.next());
      break;
    case 'ir':
      // Night infrared: grey, flat contrast, a little noise-like blur.
      s = s.greyscale().linear(0.7 + 0.3 * rng.next(), 20 + 30 * rng.next()).blur(0.5 + rng.next()).toColourspace('srgb');
      break;
    case 'dark':
      s = s.modulate({ brightness: 0.2 + 0.25 * rng.next(), saturation: 0.5 });
      break;
  }
  const { data, info } = await s.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.channels === 3) return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
  // sharp keeps one channel after greyscale(): expand to RGB.
  const rgb = new Uint8Array(info.width * info.height * 3);
  for (let p = 0; p < info.width * info.height; p++) rgb[p * 3] = rgb[p * 3 + 1] = rgb[p * 3 + 2] = data[p * info.channels];
  return { data: rgb, width: info.width, height: info.height };
}
