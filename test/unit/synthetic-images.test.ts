import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SYNTHETIC_KINDS, syntheticImage } from '../../src/train/synthetic-images.js';
import { PACKAGE_FACES_COUNT, packageFaceItems, packageFaceTile } from '../../src/train/package-images.js';
import { augment, NEGATIVE_AUGMENT_KINDS } from '../../src/train/augment.js';

test('every synthetic kind is an RGB image fixed by its seed, and different seeds differ', () => {
  for (const kind of SYNTHETIC_KINDS) {
    const a = syntheticImage(kind, 5, 64);
    assert.equal(a.data.length, 64 * 64 * 3, kind);
    assert.deepEqual(syntheticImage(kind, 5, 64).data, a.data, `${kind} is deterministic`);
    assert.notDeepEqual(syntheticImage(kind, 6, 64).data, a.data, `${kind} varies with the seed`);
    assert.ok(new Set(a.data).size > 3, `${kind} is not a flat image`);
  }
});

test('the face tiles of the npm package decode to 108 distinct RGB photos', async () => {
  const items = packageFaceItems();
  assert.equal(items.length, PACKAGE_FACES_COUNT);
  assert.ok(items.every((i) => i.label === 0 && i.subcategory === 'person'));
  const keys = new Set<string>();
  for (const index of [0, 17, 54, 107]) {
    const tile = packageFaceTile(items[index].ref);
    const image = await tile.load();
    assert.equal(image.data.length, image.width * image.height * 3);
    keys.add(tile.key);
  }
  assert.equal(keys.size, 4);
  assert.throws(() => packageFaceTile('package:human-faces:108'), /no face tile/);
});

test('negative augmentations keep three channels (the grey IR look included)', async () => {
  const image = syntheticImage('field', 3, 48);
  for (const kind of NEGATIVE_AUGMENT_KINDS) {
    const out = await augment(image, kind, 1);
    assert.equal(out.data.length, out.width * out.height * 3, kind);
  }
  const ir = await augment(syntheticImage('quadtree', 3, 48), 'night-ir', 1);
  for (let p = 0; p < ir.width * ir.height; p += 7) assert.ok(ir.data[p * 3] === ir.data[p * 3 + 1] && ir.data[p * 3 + 1] === ir.data[p * 3 + 2], 'IR-like is grey');
});
