import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import type { RgbImage } from '../../src/image/image.js';
import { decodeImage } from '../../src/image/decode-image.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { createSampleStore, type SampleStore } from '../../src/store/sample-store.js';
import type { NewSample } from '../../src/store/sample-rows.js';
import { loadStoreItems } from '../../src/train/store-items.js';
import { silentLogger } from '../../src/util/log.js';
import { cropRgb } from '../../src/image/resize-rgb.js';
import { fixturesDir } from '../helpers/paths.js';
import { killProcess, spawnTracked, waitForExit } from '../helpers/processes.js';

const writerScript = fileURLToPath(new URL('../fixtures/sample-writer.js', import.meta.url));
const chelsea = decodeImage(join(fixturesDir, 'chelsea.png'));

function tempDataDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'cw-samples-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function openStore(t: { after: (fn: () => void) => void }, dataDir: string, now?: () => number): { db: Db; store: SampleStore } {
  const db = openDatabase(dataDir);
  t.after(() => db.close());
  return { db, store: createSampleStore({ db, dataDir, log: silentLogger(), now }) };
}

async function sample(i: number, overrides: Partial<NewSample> = {}): Promise<NewSample> {
  const frame: RgbImage = await chelsea;
  return {
    camera: 'yard',
    capturedAtMs: Date.UTC(2024, 4, 1, 12, 0, i),
    score: 0.3 + i / 100,
    reason: 'uncertain',
    modelVersion: 'v1',
    phash: i.toString(16).padStart(16, '0'),
    crop: cropRgb(frame, { x: (i * 13) % 100, y: (i * 7) % 60, w: 128, h: 128 }),
    frame,
    embedding: Float32Array.from({ length: 32 }, (_, k) => k * 0.5 + i),
    backboneId: 'bb@1',
    ...overrides,
  };
}

test('add writes both JPEGs and the row; list, get, label and count read them back', async (t) => {
  const dataDir = tempDataDir(t);
  let clock = 1_000;
  const { store } = openStore(t, dataDir, () => clock);
  const a = await store.add(await sample(1));
  const b = await store.add(await sample(2, { camera: 'porch', reason: 'isolated-positive', score: 0.93 }));
  assert.equal(a.cropFile, `samples/yard/2024-05-01/${a.id}-crop.jpg`);
  assert.equal(b.frameFile, `samples/porch/2024-05-01/${b.id}-frame.jpg`);
  const crop = await sharp(join(dataDir, a.cropFile)).metadata();
  const frame = await sharp(join(dataDir, a.frameFile)).metadata();
  assert.deepEqual([crop.format, crop.width, crop.height], ['jpeg', 128, 128]);
  assert.deepEqual([frame.format, frame.width, frame.height], ['jpeg', (await chelsea).width, (await chelsea).height]);
  assert.equal(a.bytes, statSync(join(dataDir, a.cropFile)).size + statSync(join(dataDir, a.frameFile)).size);

  assert.deepEqual(store.list().map((s) => s.id), [b.id, a.id], 'newest first');
  const got = store.get(b.id);
  assert.ok(got);
  assert.equal(got.backboneId, 'bb@1');
  assert.deepEqual(Array.from(got.embedding ?? []), Array.from((await sample(2)).embedding ?? []));
  assert.equal(got.state, 'mined');

  clock = 5_000;
  assert.deepEqual(store.label([a.id, 999], 'positive'), { updated: 1, missing: [999] });
  assert.equal(store.get(a.id)?.state, 'positive');
  assert.equal(store.get(a.id)?.labelledAtMs, 5_000);
  assert.equal(store.count('positive'), 1);
  assert.equal(store.count('mined'), 1);
  assert.deepEqual(store.list({ state: 'mined' }).map((s) => s.id), [b.id]);
  assert.deepEqual(store.integrityCheck(), { ok: true, problems: [] });
});

test('training reads mined and negative samples as negatives, positives as positives, rejected not at all', async (t) => {
  const dataDir = tempDataDir(t);
  const { store } = openStore(t, dataDir);
  const ids = [];
  for (let i = 0; i < 4; i++) ids.push((await store.add(await sample(i))).id);
  store.label([ids[1]], 'negative');
  store.label([ids[2]], 'positive');
  store.label([ids[3]], 'rejected');
  const items = loadStoreItems(dataDir);
  assert.deepEqual(items.map((i) => [i.ref, i.label]), [
    [join(dataDir, store.get(ids[0])?.cropFile ?? ''), 0],
    [join(dataDir, store.get(ids[1])?.cropFile ?? ''), 0],
    [join(dataDir, store.get(ids[2])?.cropFile ?? ''), 1],
  ]);
});

test('the quota deletes the oldest unreviewed samples first, then rejected ones, never confirmed labels', async (t) => {
  const dataDir = tempDataDir(t);
  const { store } = openStore(t, dataDir);
  const records = [];
  // Added out of capture order: age is the capture time, not the id.
  for (const i of [3, 1, 2, 0, 4, 5]) records.push(await store.add(await sample(i)));
  const byCapture = [...records].sort((x, y) => x.capturedAtMs - y.capturedAtMs);
  store.label([byCapture[0].id], 'negative');
  store.label([byCapture[5].id], 'rejected');
  const total = store.totalBytes();
  assert.equal(total, records.reduce((s, r) => s + r.bytes, 0));

  assert.deepEqual(store.enforceQuota(total / 1024 / 1024), { deleted: 0, freedBytes: 0, totalBytes: total });
  // Room for all but about two samples: the two oldest mined ones (captures 1 and 2) go.
  const quotaMb = (total - byCapture[1].bytes - byCapture[2].bytes) / 1024 / 1024;
  const result = store.enforceQuota(quotaMb);
  assert.equal(result.deleted, 2);
  assert.deepEqual(new Set(store.list().map((s) => s.id)), new Set([byCapture[0].id, byCapture[3].id, byCapture[4].id, byCapture[5].id]));
  for (const gone of [byCapture[1], byCapture[2]]) assert.equal(existsSync(join(dataDir, gone.cropFile)), false);

  // A tiny quota: every mined sample goes, then the rejected one; the confirmed negative stays.
  store.enforceQuota(0.0001);
  assert.deepEqual(store.list().map((s) => [s.id, s.state]), [[byCapture[0].id, 'negative']]);
  assert.deepEqual(store.integrityCheck(), { ok: true, problems: [] });
});

test('export copies crops to DIR/<state>/<id>.jpg with an index.json', async (t) => {
  const dataDir = tempDataDir(t);
  const out = tempDataDir(t);
  const { store } = openStore(t, dataDir);
  const a = await store.add(await sample(1));
  const b = await store.add(await sample(2));
  store.label([b.id], 'negative');
  assert.deepEqual(await store.export(out), { exported: 2, skipped: [] });
  assert.deepEqual(readFileSync(join(out, 'mined', `${a.id}.jpg`)), readFileSync(join(dataDir, a.cropFile)));
  assert.ok(existsSync(join(out, 'negative', `${b.id}.jpg`)));
  const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as { samples: Array<{ id: number; file: string; state: string; camera: string }> };
  assert.deepEqual(index.samples.map((s) => [s.id, s.state, s.file, s.camera]), [[a.id, 'mined', `mined/${a.id}.jpg`, 'yard'], [b.id, 'negative', `negative/${b.id}.jpg`, 'yard']]);
});

test('recover removes temp and orphan files and rows whose files are gone; integrityCheck sees each problem', async (t) => {
  const dataDir = tempDataDir(t);
  const { store } = openStore(t, dataDir);
  const a = await store.add(await sample(1));
  const b = await store.add(await sample(2));
  const day = join(dataDir, 'samples', 'yard', '2024-05-01');
  writeFileSync(join(day, '77-crop.jpg.tmp'), 'half');
  writeFileSync(join(day, '78-crop.jpg'), 'orphan');
  unlinkSync(join(dataDir, b.frameFile));
  const report = store.integrityCheck();
  assert.equal(report.ok, false);
  assert.equal(report.problems.length, 4, report.problems.join('\n'));

  assert.deepEqual(store.recover(), { tempFiles: 1, orphanFiles: 1, missingRows: [b.id] });
  assert.deepEqual(store.list().map((s) => s.id), [a.id]);
  assert.deepEqual(readdirSync(day).sort(), [`${a.id}-crop.jpg`, `${a.id}-frame.jpg`]);
  assert.deepEqual(store.integrityCheck(), { ok: true, problems: [] });
  // Ids are never reused, so an old file name cannot be mistaken for a new sample's.
  assert.ok((await store.add(await sample(3))).id > b.id);
});

test('a writer SIGKILLed mid-write leaves a store that recover() makes consistent', async (t) => {
  const dataDir = tempDataDir(t);
  let killedAfter = 0;
  const recovered = { tempFiles: 0, orphanFiles: 0, missingRows: 0 };
  for (let round = 0; round < 4; round++) {
    const child = await spawnTracked(process.execPath, [writerScript, dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    t.after(() => killProcess(child));
    let added = 0;
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const target = 5 + round * 3;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`writer added only ${added} samples; stderr: ${stderr}`)), 10_000);
      child.stdout?.on('data', (d: Buffer) => {
        added += d.toString().split('\n').filter((l) => l.startsWith('added ')).length;
        if (added >= target) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    // A random moment within the next writes: with three in flight, some are between file and row.
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 60));
    killProcess(child, 'SIGKILL');
    assert.ok(await waitForExit(child, 5000));
    assert.equal(child.signalCode, 'SIGKILL');
    killedAfter += added;

    const db = openDatabase(dataDir);
    try {
      const store = createSampleStore({ db, dataDir, log: silentLogger() });
      const r = store.recover();
      recovered.tempFiles += r.tempFiles;
      recovered.orphanFiles += r.orphanFiles;
      recovered.missingRows += r.missingRows.length;
      assert.deepEqual(store.integrityCheck(), { ok: true, problems: [] });
      assert.ok(store.count() >= killedAfter, `every acknowledged sample survives: ${store.count()} rows, ${killedAfter} acknowledged`);
      assert.deepEqual(r.missingRows, [], 'a kill never leaves a row without its files');
    } finally {
      db.close();
    }
  }
  t.diagnostic(`4 kills after ${killedAfter} acknowledged adds; recovered ${recovered.tempFiles} temp and ${recovered.orphanFiles} orphan files`);
});

test('disk full (SQLITE_FULL): add fails with E_STORE naming it, leaves no files behind, and works again once space returns', async (t) => {
  const dataDir = tempDataDir(t);
  const { db, store } = openStore(t, dataDir);
  await store.add(await sample(0));
  db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
  let failure: (Error & { code?: string }) | undefined;
  let i = 1;
  for (; i < 200 && !failure; i++) await store.add(await sample(i)).catch((err: Error) => void (failure = err));
  assert.ok(failure, 'the store must fill up within 200 samples');
  assert.equal(failure.code, 'E_STORE');
  assert.match(failure.message, /full/i);
  const jpegs = (): number => readdirSync(join(dataDir, 'samples'), { recursive: true }).filter((f) => String(f).endsWith('.jpg')).length;
  assert.equal(jpegs(), 2 * store.count(), 'the failed sample left no files');
  assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');

  db.pragma('max_page_count = 1073741823');
  const after = await store.add(await sample(i + 1));
  assert.ok(store.get(after.id));
  assert.equal(jpegs(), 2 * store.count());
  assert.equal(store.recover().orphanFiles, 0);
});

test('export follows no symbolic link: a planted one in the store is refused, and so is one in the export folder', async (t) => {
  const dataDir = tempDataDir(t);
  const { store } = openStore(t, dataDir);
  const record = await store.add(await sample(0));
  const secret = join(dataDir, 'secret.txt');
  writeFileSync(secret, 'TOP-SECRET-KEY');
  // Someone with write access to the data folder swaps a crop for a link to a file they cannot read themselves.
  const crop = join(dataDir, record.cropFile);
  unlinkSync(crop);
  symlinkSync(secret, crop);
  const out = join(dataDir, 'export-a');
  await assert.rejects(store.export(out, {}), (err: Error & { code?: string }) => err.code === 'E_STORE' && /symbolic link/.test(err.message));
  const exported = existsSync(join(out, 'mined')) ? readdirSync(join(out, 'mined')).map((f) => readFileSync(join(out, 'mined', f), 'utf8')) : [];
  assert.ok(!exported.some((text) => text.includes('TOP-SECRET')), 'the linked file was not exported');

  // A link planted in the export folder, where a state folder or a file will go, is not written through.
  unlinkSync(crop);
  const elsewhere = mkdtempSync(join(tmpdir(), 'cw-elsewhere-'));
  t.after(() => rmSync(elsewhere, { recursive: true, force: true }));
  const out2 = join(dataDir, 'export-b');
  mkdirSync(out2);
  symlinkSync(elsewhere, join(out2, 'mined'));
  await assert.rejects(store.export(out2, {}), (err: Error & { code?: string }) => err.code === 'E_USAGE');
  assert.deepEqual(readdirSync(elsewhere), [], 'nothing was written through the link');
});
