/** Event snapshots: the frame as JPEG (sharp), optionally with the target's box drawn on it. */
import sharp from 'sharp';
import type { NormBox, RgbImage } from '../image/image.js';

export async function encodeSnapshot(frame: RgbImage, box: NormBox | null, options: { annotate: boolean; quality?: number }): Promise<Buffer> {
  let image = sharp(Buffer.from(frame.data.buffer, frame.data.byteOffset, frame.data.byteLength), {
    raw: { width: frame.width, height: frame.height, channels: 3 },
  });
  if (options.annotate && box) {
    const x = Math.round(box.x * frame.width);
    const y = Math.round(box.y * frame.height);
    const w = Math.max(1, Math.round(box.w * frame.width));
    const h = Math.max(1, Math.round(box.h * frame.height));
    const stroke = Math.max(2, Math.round(frame.height / 180));
    const svg = `<svg width="${frame.width}" height="${frame.height}" xmlns="http://www.w3.org/2000/svg"><rect x="${x}" y="${y}" width="${w}" height="${h}" fill="none" stroke="#ff3b30" stroke-width="${stroke}"/></svg>`;
    image = image.composite([{ input: Buffer.from(svg), top: 0, left: 0 }]);
  }
  return image.jpeg({ quality: options.quality ?? 80 }).toBuffer();
}
