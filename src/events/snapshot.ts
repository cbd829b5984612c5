/** Event snapshots and live-view frames: the frame as JPEG (sharp), optionally scaled down and with the target's box. */
import sharp from 'sharp';
import type { NormBox, RgbImage } from '../image/image.js';

export async function encodeSnapshot(frame: RgbImage, box: NormBox | null, options: { annotate: boolean; quality?: number; maxWidthPx?: number }): Promise<Buffer> {
  let image = sharp(Buffer.from(frame.data.buffer, frame.data.byteOffset, frame.data.byteLength), {
    raw: { width: frame.width, height: frame.height, channels: 3 },
  });
  // sharp composites after resizing, so the box is drawn at the output size.
  const width = Math.min(frame.width, options.maxWidthPx ?? frame.width);
  const height = Math.max(1, Math.round((frame.height * width) / frame.width));
  if (width !== frame.width) image = image.resize(width, height);
  if (options.annotate && box) {
    const x = Math.round(box.x * width);
    const y = Math.round(box.y * height);
    const w = Math.max(1, Math.round(box.w * width));
    const h = Math.max(1, Math.round(box.h * height));
    const stroke = Math.max(2, Math.round(height / 180));
    const svg = `<svg width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg"><rect x="${x}" y="${y}" width="${w}" height="${h}" fill="none" stroke="#ff3b30" stroke-width="${stroke}"/></svg>`;
    image = image.composite([{ input: Buffer.from(svg), top: 0, left: 0 }]);
  }
  return image.jpeg({ quality: options.quality ?? 80 }).toBuffer();
}
