import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddingCache } from '../../src/train/embedding-cache.js';
import { embedItems } from '../../src/train/embed-items.js';
import { createBackbone } from '../../src/score/create-backbone.js';
import type { DataItem } from '../../src/train/dataset.js';
import type { RgbImage } from '../../src/image/image.js';
import { silentLogger } from '../../src/util/log.js';
import { devDataDir, skipWithoutShared } from '../helpers/paths.js';

test('the cache round-trips embeddings and priors per backbone', () => {
  const cache = openEmbeddingCache(mkdtempSync(join(tmpdir(), 'cw-cache-')));
  const embedding = Float32Array.from([0.5, -1.25, 3]);
  cache.put('b1', 'k', { embedding, prior: 0.25 });
  assert.deepEqual(cache.get('b1', 'k'), { embedding, prior: 0.25 });
  assert.equal(cache.get('b2', 'k'), undefined, 'keyed by backbone too');
  cache.put('b1', 'noprior', { embedding });
  assert.equal(cache.get('b1', 'noprior')?.prior, undefined);
  assert.equal(cache.size('b1'), 2);
  cache.close();
});

test('retraining never re-embeds an unchanged image (real backbone, real photos)', { skip: skipWithoutShared() }, async () => {
  const files = readdirSync(join(devDataDir, 'cat')).slice(0, 3).map((f) => join(devDataDir, 'cat', f));
  const items: DataItem[] = [
    ...files.map((ref) => ({ ref, label: 1 as const, kind: 'positive' as const, subcategory: 'positive', group: 'g' })),
    { ref: `${files[0]}#aug:flip:0`, label: 1, kind: 'positive', subcategory: 'positive', group: 'g' },
    { ref: 'synthetic:7', label: 0, kind: 'synthetic', subcategory: 'synthetic', group: 's' },
  ];
  const backbone = await createBackbone({ kind: 'objectron', engine: 'onnxruntime', executionProviders: ['cpu'], threads: 1 }, silentLogger());
  let calls = 0;
  const embed = (images: RgbImage[]) => {
    calls += images.length;
    return backbone.embed(images);
  };
  const cache = openEmbeddingCache(mkdtempSync(join(tmpdir(), 'cw-cache-')));
  try {
    const first = await embedItems(items, { embed, backboneId: backbone.id, cache });
    assert.equal(first.computed, 5);
    assert.equal(calls, 5);
    assert.equal(first.items[0].embedding.length, backbone.embeddingDim);
    const second = await embedItems(items, { embed, backboneId: backbone.id, cache });
    assert.equal(second.cacheHits, 5);
    assert.equal(calls, 5, 'no backbone call the second time');
    assert.deepEqual(second.items.map((i) => Array.from(i.embedding.slice(0, 8))), first.items.map((i) => Array.from(i.embedding.slice(0, 8))));
    // The flipped copy is a different image with its own embedding.
    assert.notDeepEqual(Array.from(first.items[3].embedding.slice(0, 64)), Array.from(first.items[0].embedding.slice(0, 64)));
  } finally {
    cache.close();
    await backbone.close();
  }
});
