/**
 * Image files → RgbImage via sharp (JPEG, PNG, WebP, GIF, TIFF, AVIF). Large photos are shrunk on decode
 * (backbones take 224-300 px) so a 24-megapixel photo costs no more memory than a thumbnail.
 */
import sharp from 'sharp';
import { CatwatchError } from '../util/errors.js';
import type { RgbImage } from './image.js';

const MAX_SIDE_PX = 640;

export async function decodeImage(input: string | Buffer, maxSidePx = MAX_SIDE_PX): Promise<RgbImage> {
  try {
    const { data, info } = await sharp(input, { failOn: 'error', limitInputPixels: 100_000_000 })
      .rotate() // honour EXIF orientation
      .resize({ width: maxSidePx, height: maxSidePx, fit: 'inside', withoutEnlargement: true })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`expected 3 channels, got ${info.channels}`);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
  } catch (err) {
    const name = typeof input === 'string' ? input : 'image buffer';
    throw new CatwatchError('E_IMAGE_DECODE', `${name}: not a readable image (${(err as Error).message})`, { cause: err });
  }
}
