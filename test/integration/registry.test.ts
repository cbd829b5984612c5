import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanRegistryTemp, createRegistry } from '../../src/registry/registry.js';
import type { ModelManifest } from '../../src/model/manifest.js';
import { CatwatchError } from '../../src/util/errors.js';
import { pollUntil } from '../helpers/poll.js';

function manifest(version: string, createdAt: string): ModelManifest {
  return {
    version, createdAt, label: 'cat', backbone: { id: 'b', runtime: 'none', embeddingDim: 1 }, threshold: 0.4, targetFpr: 0.01,
    counts: { positives: 1, confirmedPositives: 0, synthetic: 0, folders: {}, mined: 0 }, metrics: { auroc: 0.9 }, trainingMs: 1, reason: 'test',
  };
}

test('save, use, list and rollback', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cw-reg-'));
  const registry = createRegistry({ dataDir, bundledDir: '/nonexistent' });
  assert.equal(registry.currentVersion(), undefined);
  registry.save(manifest('v1', '2026-01-01T00:00:00Z'), { w: [1] });
  registry.use('v1');
  registry.save(manifest('v2', '2026-01-02T00:00:00Z'), { w: [2] });
  registry.use('v2');
  assert.deepEqual(registry.list().map((m) => m.version), ['v1', 'v2']);
  assert.equal(registry.rollback(), 'v1');
  assert.equal(registry.currentVersion(), 'v1');
  assert.deepEqual(registry.load('v1').head, { w: [1] });
  assert.throws(() => registry.use('v9'), (err: unknown) => err instanceof CatwatchError && err.code === 'E_MODEL_MISSING');
  for (const escape of ['../..', '..', '/etc', 'v1/../../x', '.tmp-v1']) {
    assert.throws(() => registry.use(escape), /is not a model version name/, `${escape} stays inside the registry`);
  }
  assert.equal(registry.currentVersion(), 'v1', 'nothing changed');
  assert.equal(registry.versionFile('../models', 'current'), undefined);
  assert.throws(() => registry.rollback(), /no version older than v1/);
});

test('without a trained version the bundled model for the backbone is used; unknown backbones are a clear error', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cw-reg-'));
  const bundledDir = fileURLToPath(new URL('../../../models', import.meta.url));
  const registry = createRegistry({ dataDir, bundledDir: existsSync(bundledDir) ? bundledDir : join(process.cwd(), 'models') });
  const model = registry.loadCurrent('objectron-ssd-mnv2-openimages@0.4.1675468480');
  assert.equal(model.bundled, true);
  assert.ok(model.manifest.threshold > 0 && model.manifest.threshold < 1);
  assert.throws(() => registry.loadCurrent('no-such-backbone'), /no trained model for backbone no-such-backbone/);
});

test('kill -9 in the middle of saving and switching versions leaves a complete version current', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cw-reg-'));
  const writer = fileURLToPath(new URL('../fixtures/registry-writer.js', import.meta.url));
  for (let round = 0; round < 5; round++) {
    const child = spawn(process.execPath, [writer, dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let printed = '';
    child.stdout.on('data', (d: Buffer) => (printed += d.toString()));
    // Kill it once it has confirmed round + 1 versions: it is writing the next one by then (each is 200,000 weights).
    await pollUntil(`${round + 1} confirmed versions`, 30_000, () => (printed.trim().split('\n').filter(Boolean).length > round ? true : undefined));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const registry = createRegistry({ dataDir, bundledDir: '/nonexistent' });
    const current = registry.currentVersion();
    const confirmed = printed.trim().split('\n').filter(Boolean);
    if (confirmed.length > 0) assert.ok(current, 'a version is current');
    if (current) {
      const model = registry.load(current); // throws if the files are half-written
      assert.equal(model.manifest.version, current);
      assert.equal((model.head as { weights: number[] }).weights.length, 200_000);
      // Never behind what the writer had confirmed.
      if (confirmed.length > 0) assert.ok(current >= confirmed[confirmed.length - 1]);
    }
    cleanRegistryTemp(dataDir);
    assert.deepEqual(readdirSync(join(dataDir, 'models')).filter((d) => d.startsWith('.tmp-')), []);
  }
});
