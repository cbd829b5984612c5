/**
 * Deterministic augmentations of positives (sharp): horizontal flip, random crop, colour jitter, blur. Each variant
 * is fixed by (image, variant index), so its embedding is cacheable like any other image.
 */
import sharp from 'sharp';
import type { RgbImage } from '../score/backbone.js';
import { createRng } from './rng.js';

export const AUGMENT_KINDS = ['flip', 'crop', 'jitter', 'blur'] as const;
export type AugmentKind = (typeof AUGMENT_KINDS)[number];

export async function augment(image: RgbImage, kind: AugmentKind, seed: number): Promise<RgbImage> {
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
  }
  const { data, info } = await s.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}
