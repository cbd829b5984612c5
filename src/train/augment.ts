/**
 * Deterministic augmentations (sharp): the photographic ones (horizontal flip, random crop, colour jitter) and the
 * camera conditions (src/train/camera-conditions.ts: night IR, far, motion blur, dusk, heavy JPEG). Each variant
 * is fixed by (image, variant index), so its embedding is cacheable like any other image.
 */
import sharp from 'sharp';
import type { RgbImage } from '../image/image.js';
import { createRng } from '../util/rng.js';
import { applyCondition } from './camera-conditions.js';
import { CAMERA_CONDITIONS, isCameraCondition, type CameraCondition } from '../image/camera-condition.js';

const PHOTO_KINDS = ['flip', 'crop', 'jitter'] as const;
/** Positives: what a photographer varies, then what a camera does; a cat at night is still a cat. */
export const AUGMENT_KINDS = [...PHOTO_KINDS, ...CAMERA_CONDITIONS] as const;
/** Negatives: what a camera does to a scene (a dog at night is still not a cat), and a part of the view. */
export const NEGATIVE_AUGMENT_KINDS = [...CAMERA_CONDITIONS, 'crop'] as const;
export type AugmentKind = (typeof PHOTO_KINDS)[number] | CameraCondition;

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
  }
  const { data, info } = await s.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}
