import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { createRegistry } from '../../src/registry/registry.js';
import { NEAR_CLASS } from '../../src/train/evaluate.js';
import { GATE_MINIMUMS } from '../../src/train/gate.js';
import { decodeShippedDataset, encodeShippedDataset, referenceHalf, type ShippedItem } from '../../src/train/shipped-dataset.js';
import { loadBundledBase } from '../../src/train/train-run.js';
import { CatwatchError } from '../../src/util/errors.js';
import { bundledModelsDir } from '../../src/util/package-root.js';

test('a shipped dataset survives encoding (coordinates to int8 precision) and a truncated file is a clear error', () => {
  const items: ShippedItem[] = Array.from({ length: 40 }, (_, i) => ({
    coords: Float32Array.from({ length: 8 }, (_, k) => Math.sin(i * 8 + k) * (k + 1)),
    prior: i / 40, label: (i % 2) as 0 | 1, subcategory: i % 2 ? 'positive' : 'dog', source: i < 20 ? 'asirra' : 'oxpet',
    role: i % 3 ? 'train' : 'reference', hash: i.toString(16).padStart(16, 'a'),
    ...(i % 5 === 1 ? { condition: 'night-ir' as const } : i % 5 === 2 ? { condition: 'far' as const } : {}),
  }));
  const bytes = encodeShippedDataset({ backboneId: 'bb@1', basisId: 'basis', items });
  const back = decodeShippedDataset(bytes, 'test');
  assert.equal(back.items.length, 40);
  back.items.forEach((b, i) => {
    const a = items[i];
    assert.deepEqual([b.label, b.subcategory, b.source, b.role, b.hash, b.condition], [a.label, a.subcategory, a.source, a.role, a.hash, a.condition]);
    assert.ok(Math.abs(b.prior - a.prior) < 1e-6);
    for (let k = 0; k < 8; k++) assert.ok(Math.abs(b.coords[k] - a.coords[k]) <= (k + 1) / 127 / 2 + 1e-6, `item ${i} coord ${k}`);
  });
  // A v1 file (before camera conditions: no condition column) still loads, every item as a clean photo.
  const headerLength = bytes.readUInt32LE(0);
  const header = JSON.parse(bytes.subarray(4, 4 + headerLength).toString('utf8')) as { format: string; names: string[] };
  const v1Header = Buffer.from(JSON.stringify({ ...header, format: 'catwatch-dataset/v1' }));
  const body = bytes.subarray(4 + headerLength);
  const conditionColumnAt = body.length - 40 * 8 - 40 * 2;
  const v1 = Buffer.concat([Buffer.from(Uint32Array.of(v1Header.length).buffer), v1Header, body.subarray(0, conditionColumnAt), body.subarray(conditionColumnAt + 80)]);
  assert.deepEqual(decodeShippedDataset(v1, 'v1').items.map((i) => [i.hash, i.condition]), items.map((i) => [i.hash, undefined]));
  assert.throws(() => decodeShippedDataset(bytes.subarray(0, bytes.length - 5), 'truncated.bin'), (err: unknown) => err instanceof CatwatchError && err.code === 'E_MODEL_INVALID' && /truncated\.bin.*truncated/.test(err.message));
});

test('every bundled model ships its training set, on its own basis, with a gate half big enough to decide', () => {
  const registry = createRegistry({ dataDir: '/nonexistent', bundledDir: bundledModelsDir() });
  assert.ok(readdirSync(bundledModelsDir()).length >= 3);
  for (const id of ['objectron-ssd-mnv2-openimages@0.4.1675468480', 'mobilenetv2-12-int8@83530ad811bc', 'human-centernet@3.0.4/224px']) {
    const base = loadBundledBase(registry, id);
    assert.ok(base, `${id} ships a basis and dataset`);
    const gate = base.dataset.items.filter((s) => s.role === 'reference' && s.condition === undefined && referenceHalf(s.hash) === 'gate');
    const negatives = gate.filter((s) => s.label === 0);
    const counts = { positives: gate.length - negatives.length, negatives: negatives.length, near: negatives.filter((s) => NEAR_CLASS.has(s.subcategory)).length, far: negatives.filter((s) => !NEAR_CLASS.has(s.subcategory)).length };
    for (const key of Object.keys(GATE_MINIMUMS) as Array<keyof typeof GATE_MINIMUMS>) assert.ok(counts[key] >= GATE_MINIMUMS[key], `${id}: gate ${key} ${counts[key]}`);
    const train = base.dataset.items.filter((s) => s.role === 'train');
    assert.ok(train.filter((s) => s.label === 0 && s.subcategory !== 'synthetic').length > 1000, `${id}: real training negatives`);
    assert.ok(new Set(train.map((s) => s.subcategory)).size >= 6, `${id}: training subcategories`);
  }
});
