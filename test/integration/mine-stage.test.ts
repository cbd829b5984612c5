import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load-config.js';
import type { Config } from '../../src/config/schema.js';
import type { Frame } from '../../src/ingest/frame.js';
import { createMineStage } from '../../src/mine/mine-stage.js';
import type { RgbImage } from '../../src/image/image.js';
import { decodeImage } from '../../src/image/decode-image.js';
import type { ScoredFrame } from '../../src/score/score-stage.js';
import type { TargetModel } from '../../src/model/target-model.js';
import { openDatabase } from '../../src/store/database.js';
import { createSampleStore } from '../../src/store/sample-store.js';
import type { SampleRecord } from '../../src/store/sample-rows.js';
import { silentLogger } from '../../src/util/log.js';
import { cropRgb } from '../../src/image/resize-rgb.js';
import { fixturesDir } from '../helpers/paths.js';
import { loadStoreItems } from '../../src/train/store-items.js';

const model: TargetModel = { version: 'v7', backboneId: 'bb@2', label: 'cat', threshold: 0.6, eventThreshold: () => 0.6, bundled: false, score: () => 0, explain: () => ({ score: 0, prior: 0, head: 0, trust: 1 }) };

async function setup(t: { after: (fn: () => void | Promise<void>) => void }, mine: Partial<Config['mine']> = {}, queueMax?: number) {
  const dataDir = mkdtempSync(join(tmpdir(), 'cw-mine-'));
  const db = openDatabase(dataDir);
  const store = createSampleStore({ db, dataDir, log: silentLogger() });
  const base = parseConfig({ dataDir }, { baseDir: dataDir, env: {} });
  const config: Config = { ...base, mine: { ...base.mine, ...mine } };
  let clock = Date.UTC(2024, 5, 1, 8, 0, 0);
  const mined: SampleRecord[] = [];
  const stage = createMineStage({ config: () => config, store, log: silentLogger(), now: () => clock, onMined: (s) => mined.push(s), queueMax, flushIntervalMs: 20 });
  stage.start();
  t.after(async () => {
    await stage.stop();
    db.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const photo = await decodeImage(join(fixturesDir, 'chelsea.png'));
  let seq = 0;
  /** One scored frame per 200 ms of the clock; the crop is `crop` (default: a fixed square of the photo). */
  function observe(score: number, options: { camera?: string; crop?: RgbImage } = {}): void {
    clock += 200;
    const frame: Frame = { ...photo, camera: options.camera ?? 'yard', seq: seq++, capturedAtMs: clock };
    const crop = options.crop ?? cropRgb(photo, { x: 40, y: 20, w: 160, h: 160 });
    const scored: ScoredFrame = { frame, score, parts: { score, prior: score, head: 0, trust: 1 }, box: { x: 0, y: 0, w: 1, h: 1 }, regions: [], embedding: Float32Array.from([score, 1, 2]), crop, model, inferenceMs: 5 };
    stage.observe(scored);
  }
  async function settle(count: number): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (mined.length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { stage, store, dataDir, observe, settle, mined, photo, advance: (ms: number) => (clock += ms) };
}

test('an uncertain frame is stored with its crop, frame, model version and embedding', async (t) => {
  const m = await setup(t);
  for (let i = 0; i < 5; i++) m.observe(0.05);
  m.observe(0.42);
  for (let i = 0; i < 12; i++) m.observe(0.05);
  await m.settle(1);
  assert.equal(m.mined.length, 1);
  const got = m.store.get(m.mined[0].id);
  assert.ok(got);
  assert.deepEqual([got.camera, got.reason, got.modelVersion, got.backboneId, got.state], ['yard', 'uncertain', 'v7', 'bb@2', 'mined']);
  assert.equal(got.score, 0.42);
  assert.deepEqual(Array.from(got.embedding ?? []), [Math.fround(0.42), 1, 2]);
  assert.deepEqual(m.store.integrityCheck(), { ok: true, problems: [] });
});

test('the same view again is a duplicate; another view is kept', async (t) => {
  const m = await setup(t);
  const other = cropRgb(m.photo, { x: 300, y: 150, w: 160, h: 160 });
  for (const crop of [undefined, undefined, other]) {
    for (let i = 0; i < 5; i++) m.observe(0.05);
    m.observe(0.9, { crop });
    for (let i = 0; i < 12; i++) m.observe(0.05);
  }
  await m.settle(2);
  assert.deepEqual(m.mined.map((s) => s.reason), ['isolated-positive', 'isolated-positive']);
  assert.equal(m.stage.stats().duplicates, 1);
});

test('a full write queue drops candidates (counted) instead of blocking; stop waits for the writes', async (t) => {
  const m = await setup(t, { dedupBits: 0 }, 1);
  // Eight cameras with an uncertain frame each: all decided by the clock at once.
  for (let c = 0; c < 8; c++) m.observe(0.4, { camera: `cam${c}`, crop: cropRgb(m.photo, { x: c * 30, y: 0, w: 120, h: 120 }) });
  m.advance(5000);
  const started = Date.now();
  while (m.stage.stats().pending > 0 && Date.now() - started < 5000) await new Promise((resolve) => setTimeout(resolve, 10));
  await m.stage.stop();
  const stats = m.stage.stats();
  assert.ok(stats.dropped >= 1, `dropped ${stats.dropped}`);
  assert.equal(stats.mined + stats.dropped, 8);
  assert.equal(m.store.count(), stats.mined);
  assert.deepEqual(m.store.integrityCheck(), { ok: true, problems: [] });
});

test('the quota is enforced after each write', async (t) => {
  // Below the schema's 1 MB minimum, so that a few small samples exceed it.
  const m = await setup(t, { dedupBits: 0, quotaMb: 0.1 });
  for (let k = 0; k < 6; k++) {
    for (let i = 0; i < 3; i++) m.observe(0.05);
    m.observe(0.45, { crop: cropRgb(m.photo, { x: k * 40, y: 0, w: 150, h: 150 }) });
    for (let i = 0; i < 12; i++) m.observe(0.05);
    await m.settle(k + 1);
  }
  assert.equal(m.mined.length, 6);
  assert.ok(m.store.totalBytes() <= 0.1 * 1024 * 1024, `${m.store.totalBytes()} bytes`);
  assert.ok(m.store.count() < 6, `${m.store.count()} samples kept of 6`);
});

test('while an event is open its frames are kept for review (one a second), with prior and box; unreviewed they do not train', async (t) => {
  const m = await setup(t, { bandLow: 0.99, dedupBits: 0 });
  m.stage.observeEvent({ type: 'new', id: 'e1', camera: 'yard' });
  // 3 s of hits at 5 fps (200 ms apart): the first hit, then one a second.
  for (let i = 0; i < 15; i++) m.observe(0.8, { crop: cropRgb(m.photo, { x: 10 + i * 8, y: 20, w: 160, h: 160 }) });
  m.stage.observeEvent({ type: 'end', id: 'e1', camera: 'yard' });
  for (let i = 0; i < 10; i++) m.observe(0.8);
  await m.settle(3);
  assert.deepEqual(m.mined.map((s) => s.reason), ['event', 'event', 'event'], 'frames at 0, 1 and 2 s of the event; none after its end');
  const got = m.store.get(m.mined[0].id);
  assert.equal(got?.prior, 0.8);
  assert.deepEqual(got?.box, { x: 0, y: 0, w: 1, h: 1 });
  assert.equal(loadStoreItems(m.dataDir).length, 0, 'an unreviewed alert may be the target: not a training negative');
  m.store.label([m.mined[0].id], 'negative');
  m.store.label([m.mined[1].id], 'positive');
  assert.deepEqual(loadStoreItems(m.dataDir).map((i) => i.label).sort(), [0, 1], 'labelled event frames train');
});
