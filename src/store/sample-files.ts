/** File helpers of the sample store: JPEG encoding, durable writes (temp + fsync + rename), a folder walk. */
import { existsSync, readdirSync, rmdirSync, unlinkSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import sharp from 'sharp';
import type { RgbImage } from '../image/image.js';

export function encodeJpeg(img: RgbImage, quality: number): Promise<Buffer> {
  const input = Buffer.from(img.data.buffer, img.data.byteOffset, img.width * img.height * 3);
  return sharp(input, { raw: { width: img.width, height: img.height, channels: 3 } }).jpeg({ quality }).toBuffer();
}

export async function writeDurable(path: string, data: Buffer): Promise<void> {
  const tmp = `${path}.tmp`;
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
}

/** Makes renames and new entries in `dir` durable (async, so the event loop is not held by a slow disk). */
export async function fsyncDirAsync(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Every file under `root`, as paths relative to `base` with '/' separators; optionally removes empty folders. */
export function walkFiles(root: string, base: string, removeEmptyDirs: boolean): string[] {
  if (!existsSync(root)) return [];
  const files: string[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const path = join(root, entry.name);
    if (entry.isDirectory()) {
      files.push(...walkFiles(path, base, removeEmptyDirs));
      if (removeEmptyDirs && readdirSync(path).length === 0) rmdirSync(path);
    } else {
      files.push(relative(base, path).split(sep).join('/'));
    }
  }
  return files;
}

export function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
