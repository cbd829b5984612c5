import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RgbImage } from '../../src/image/image.js';
import { quadtreeImage } from '../../src/train/quadtree-image.js';
import { createRng } from '../../src/util/rng.js';

/** True when every pixel lies inside some uniform (single-colour) minPx x minPx window. */
function coveredByUniformBlocks(img: RgbImage, minPx: number): boolean {
  const { data, width, height } = img;
  const covered = new Uint8Array(width * height);
  const same = (a: number, b: number) => data[3 * a] === data[3 * b] && data[3 * a + 1] === data[3 * b + 1] && data[3 * a + 2] === data[3 * b + 2];
  for (let y0 = 0; y0 + minPx <= height; y0++) {
    for (let x0 = 0; x0 + minPx <= width; x0++) {
      const ref = y0 * width + x0;
      let uniform = true;
      for (let y = y0; y < y0 + minPx && uniform; y++) for (let x = x0; x < x0 + minPx && uniform; x++) uniform = same(ref, y * width + x);
      if (!uniform) continue;
      for (let y = y0; y < y0 + minPx; y++) covered.fill(1, y * width + x0, y * width + x0 + minPx);
    }
  }
  return covered.every((c) => c === 1);
}

function distinctColours(img: RgbImage): number {
  const set = new Set<number>();
  for (let i = 0; i < img.data.length; i += 3) set.add((img.data[i] << 16) | (img.data[i + 1] << 8) | img.data[i + 2]);
  return set.size;
}

test('quad-tree images have the right size and are deterministic per seed', () => {
  for (const size of [224, 97, 8]) {
    const a = quadtreeImage(createRng(1), size);
    assert.equal(a.width, size);
    assert.equal(a.height, size);
    assert.equal(a.data.length, size * size * 3);
    assert.deepEqual(quadtreeImage(createRng(1), size), a);
  }
  assert.notDeepEqual(quadtreeImage(createRng(1), 224).data, quadtreeImage(createRng(2), 224).data);
});

test('every pixel belongs to a uniform block of at least minBlockPx', () => {
  for (const [size, minBlockPx] of [[224, 4], [97, 3], [128, 8]] as const) {
    for (let seed = 0; seed < 5; seed++) {
      const img = quadtreeImage(createRng(seed), size, { minBlockPx, splitProbability: 0.9 });
      assert.ok(coveredByUniformBlocks(img, minBlockPx), `size ${size} min ${minBlockPx} seed ${seed}`);
    }
  }
  // The check has teeth: noise fails it.
  const rng = createRng(0);
  const noise = { data: Uint8Array.from({ length: 32 * 32 * 3 }, () => rng.int(256)), width: 32, height: 32 };
  assert.equal(coveredByUniformBlocks(noise, 2), false);
});

test('split probability controls detail; the default varies between images', () => {
  const coarse = quadtreeImage(createRng(3), 128, { splitProbability: 0 });
  assert.equal(distinctColours(coarse), 1);
  const fine = quadtreeImage(createRng(3), 128, { minBlockPx: 4, splitProbability: 1 });
  assert.equal(distinctColours(fine) > 900, true); // 32 x 32 blocks, random colours
  const counts = Array.from({ length: 40 }, (_, seed) => distinctColours(quadtreeImage(createRng(seed), 224)));
  assert.ok(Math.min(...counts) < 40, `fewest colours ${Math.min(...counts)}`);
  assert.ok(Math.max(...counts) > 500, `most colours ${Math.max(...counts)}`);
  const byDepth = quadtreeImage(createRng(3), 128, { splitProbability: (depth) => (depth < 2 ? 1 : 0) });
  assert.equal(distinctColours(byDepth), 16);
});
