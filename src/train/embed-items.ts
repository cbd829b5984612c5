/**
 * Turns data items into embeddings: cache first (keyed by content hash), else decode/generate, augment when the
 * ref asks for it (`file#aug:<kind>:<n>`), and embed through the scoring pool. Unreadable files are reported and
 * skipped, never fatal: one corrupt photo must not stop a training.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { BackboneOutput } from '../model/backbone.js';
import type { RgbImage } from '../image/image.js';
import { decodeImage } from '../image/decode-image.js';
import { augment, type AugmentKind } from './augment.js';
import { PACKAGE_FACES_REF, type DataItem } from './dataset.js';
import type { EmbeddingCache } from './embedding-cache.js';
import { packageFaceTile } from './package-images.js';
import { quadtreeImage } from './quadtree-image.js';
import { SYNTHETIC_KINDS, syntheticImage, type SyntheticKind } from './synthetic-images.js';
import { createRng } from '../util/rng.js';
import { augmentedRef, parseAugmentedRef } from './augmented-ref.js';

export interface EmbeddedItem extends DataItem {
  embedding: Float32Array;
  prior?: number;
  /** The cache key: sha256 of the file's bytes (+ variant), or the synthetic image's key. */
  key: string;
}

export interface EmbedItemsDeps {
  embed: (images: RgbImage[]) => Promise<BackboneOutput[]>;
  backboneId: string;
  cache: EmbeddingCache;
  /** Images in flight at once (keeps every worker busy without flooding the queue). */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface EmbedItemsResult {
  items: EmbeddedItem[];
  failed: Array<{ ref: string; error: string }>;
  cacheHits: number;
  computed: number;
}

const SYNTHETIC_SIZE_PX = 256;
const SYNTHETIC_KEY_VERSION = 'v1';

async function keyAndLoader(ref: string): Promise<{ key: string; load: () => Promise<RgbImage> }> {
  if (ref.startsWith('synthetic:')) {
    const parts = ref.split(':');
    // `synthetic:<seed>` is the original quad-tree kind (its cache key is unchanged); `synthetic:<kind>:<seed>` the others.
    if (parts.length === 2) {
      const seed = Number(parts[1]);
      return { key: `synthetic:${SYNTHETIC_KEY_VERSION}:${SYNTHETIC_SIZE_PX}:${seed}`, load: async () => quadtreeImage(createRng(seed), SYNTHETIC_SIZE_PX) };
    }
    const kind = parts[1] as SyntheticKind;
    if (!SYNTHETIC_KINDS.includes(kind)) throw new Error(`unknown synthetic kind ${kind}`);
    const seed = Number(parts[2]);
    return { key: `synthetic:${kind}:v1:${SYNTHETIC_SIZE_PX}:${seed}`, load: async () => syntheticImage(kind, seed, SYNTHETIC_SIZE_PX) };
  }
  if (ref.startsWith(PACKAGE_FACES_REF)) return packageFaceTile(ref);
  const { file, augmentation: aug } = parseAugmentedRef(ref);
  const bytes = await readFile(file);
  const hash = createHash('sha256').update(bytes).digest('hex');
  if (!aug) return { key: hash, load: () => decodeImage(bytes) };
  // The cache key keeps the ref's own spelling: embeddings cached by earlier versions stay valid.
  return { key: augmentedRef(hash, aug.kind, aug.n), load: async () => augment(await decodeImage(bytes), aug.kind as AugmentKind, aug.n + hash.charCodeAt(0)) };
}

export async function embedItems(items: readonly DataItem[], deps: EmbedItemsDeps): Promise<EmbedItemsResult> {
  const out: EmbeddedItem[] = new Array(items.length);
  const failed: EmbedItemsResult['failed'] = [];
  let cacheHits = 0;
  let computed = 0;
  let done = 0;
  let next = 0;

  async function one(index: number): Promise<void> {
    const item = items[index];
    try {
      const { key, load } = await keyAndLoader(item.ref);
      const cached = deps.cache.get(deps.backboneId, key);
      if (cached) {
        cacheHits++;
        out[index] = { ...item, ...cached, key };
      } else {
        const [result] = await deps.embed([await load()]);
        deps.cache.put(deps.backboneId, key, result);
        computed++;
        out[index] = { ...item, key, embedding: result.embedding, ...(result.prior === undefined ? {} : { prior: result.prior }) };
      }
    } catch (err) {
      failed.push({ ref: item.ref, error: (err as Error).message });
    }
    done++;
    deps.onProgress?.(done, items.length);
  }

  const workers = Array.from({ length: Math.min(deps.concurrency ?? 16, items.length) }, async () => {
    while (next < items.length) await one(next++);
  });
  await Promise.all(workers);
  return { items: out.filter(Boolean), failed, cacheHits, computed };
}
