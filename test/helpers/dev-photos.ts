/** The small, fixed set of real photos the backbone tests embed: 10 cats, and 2 each of five not-cat subcategories. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RgbImage } from '../../src/image/image.js';
import { decodeImage } from '../../src/image/decode-image.js';
import { devDataDir } from './paths.js';

function firstFiles(dir: string, count: number): string[] {
  return readdirSync(dir).sort().slice(0, count).map((f) => join(dir, f));
}

export async function loadDevPhotos(): Promise<{ cats: RgbImage[]; notCats: RgbImage[] }> {
  const cats = await Promise.all(firstFiles(join(devDataDir, 'cat'), 10).map((f) => decodeImage(f)));
  const notCatFiles = ['dog', 'animal', 'scene', 'object', 'person'].flatMap((sub) => firstFiles(join(devDataDir, 'notcat', sub), 2));
  const notCats = await Promise.all(notCatFiles.map((f) => decodeImage(f)));
  return { cats, notCats };
}

export function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}
