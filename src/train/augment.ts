/**
 * Deterministic augmentations of positives (sharp): horizontal flip, random crop, colour jitter, blur. Each variant
 * is fixed by (image, variant index), so its embedding is cacheable like any other image.
 */
import sharp from 'sharp';
import type { RgbImage } from '../image/image.js';
import { createRng } from '../util/rng.js';

export const AUGMENT_KINDS = ['flip', 'crop', 'jitter', 'blur'] as const;
/** For negatives: what cameras do to scenes (night IR, low light, defocus, a part of the view). */
export const NEGATIVE_AUGMENT_KINDS = ['ir', 'dark', 'blur', 'crop'] as const;
export type AugmentKind = (typeof AUGMENT_KINDS)[number] | (typeof NEGATIVE_AUGMENT_KINDS)[number];

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
