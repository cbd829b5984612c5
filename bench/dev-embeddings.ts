/**
 * The dev photos (../shared/data/dev) embedded by one backbone, through the product's own embedding path and cache
 * (`<data-dir>/embeddings.db`, default .build/bench-data), with each item's source tag (file names start with it).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { installedModelPath } from '../src/model/model-catalog.js';
import { pullModel } from '../src/registry/pull-model.js';
import { parseConfig } from '../src/config/load-config.js';
import type { Config } from '../src/config/schema.js';
import { PULLED_MOBILENET, resolveBackboneSpec } from '../src/score/backbone-spec.js';
import { createScorePool, type BackboneInfo } from '../src/score/score-pool.js';
import { negativeFolderItems, positiveItems, type DataItem } from '../src/train/dataset.js';
import { packageFaceItems } from '../src/train/package-images.js';
import { embedItems, type EmbeddedItem } from '../src/train/embed-items.js';
import { openEmbeddingCache } from '../src/train/embedding-cache.js';
import { createLogger } from '../src/util/log.js';

export const SHARED_DIR = resolve(process.env.CATWATCH_SHARED_DIR ?? join(process.cwd(), '..', 'shared'));
export const DEV_DIR = join(SHARED_DIR, 'data', 'dev');

/** The dev photos, plus the real photos that ship in npm packages (close-up faces, src/train/package-images.ts). */
export function devItems(): DataItem[] {
  return [...positiveItems(join(DEV_DIR, 'cat')), ...negativeFolderItems(join(DEV_DIR, 'notcat')), ...packageFaceItems()];
}

/** Embeds `items` (dev photos, synthetic or augmented refs) with `backbone`; returns them with the backbone info. */
export async function embedWith(backbone: Config['model']['backbone'], dataDir: string, items: readonly DataItem[]): Promise<{ info: BackboneInfo; items: EmbeddedItem[] }> {
  const config = parseConfig({ dataDir, model: { backbone } }, { baseDir: process.cwd(), env: {} });
  const log = createLogger({ level: 'warn', pretty: false, destination: 2 });
  // The pulled backbone comes from the shared offline mirror, as in the tests.
  if (backbone === PULLED_MOBILENET && !existsSync(installedModelPath(dataDir, PULLED_MOBILENET))) {
    await pullModel({ name: PULLED_MOBILENET, dataDir, from: join(SHARED_DIR, 'models'), log });
  }
  const pool = createScorePool({ spec: resolveBackboneSpec(config.model, dataDir), log, workers: 0, batchSize: 8, queueMax: 4096 });
  const info = await pool.start();
  const cache = openEmbeddingCache(dataDir);
  try {
    const result = await embedItems(items, { embed: (images) => pool.embed(images), backboneId: info.id, cache });
    if (result.failed.length > 0) process.stderr.write(`${result.failed.length} items failed, e.g. ${result.failed[0].ref}: ${result.failed[0].error}\n`);
    process.stderr.write(`${info.id}: ${result.items.length} embedded (${result.computed} computed, ${result.cacheHits} cached)\n`);
    return { info, items: result.items };
  } finally {
    cache.close();
    await pool.stop();
  }
}

export function argValue(argv: readonly string[], name: string, fallback: string): string {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : fallback;
}
