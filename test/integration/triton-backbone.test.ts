/**
 * The triton backbone against a real KServe v2 server on loopback: the fake server (test/helpers/fake-kserve-server.ts,
 * its own process) runs the model `catwatch models export-triton` writes on onnxruntime-node. On real photos the
 * server's numbers must be the local backbone's; concurrent embed() calls must reach the server concurrently; every
 * failure (timeout, 503, a killed server, another model) must score the batch locally, with counters that say so,
 * and the server must be used again once it is back.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Backbone, BackboneOutput } from '../../src/model/backbone.js';
import type { RgbImage } from '../../src/image/image.js';
import { decodeImage } from '../../src/image/decode-image.js';
import { createObjectronBackbone, OBJECTRON_ID } from '../../src/score/backbones/objectron-backbone.js';
import { createTritonBackbone, type TritonBackbone, type TritonBackboneDeps } from '../../src/score/backbones/triton-backbone.js';
import { exportTritonModel } from '../../src/score/triton/export-triton.js';
import { silentLogger } from '../../src/util/log.js';
import { startFakeKserve, type FakeKserve } from '../helpers/fake-kserve.js';
import { capturingLogger } from '../helpers/log-capture.js';
import { devDataDir, fixturesDir, skipWithoutShared } from '../helpers/paths.js';
import { pollUntil } from '../helpers/poll.js';

// Under CI=true missing shared data throws here: the file fails instead of skipping.
const skip = skipWithoutShared();
const MODEL = 'catwatch_objectron';
const TOLERANCE = 1e-4;

let repository: string;
let server: FakeKserve;
let local: Backbone;
let photos: RgbImage[];
let expected: BackboneOutput[];
const opened: Backbone[] = [];

/** Two photos spread over each folder: a fixed handful. */
function spread(dir: string, count: number): string[] {
  const files = readdirSync(dir).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort();
  return Array.from({ length: count }, (_, i) => join(dir, files[Math.floor((i * files.length) / count)]));
}

before(async () => {
  if (skip) return;
  repository = mkdtempSync(join(tmpdir(), 'cw-triton-'));
  await exportTritonModel({ dir: repository, model: MODEL, version: '1' });
  const files = [join(fixturesDir, 'chelsea.png'), ...spread(join(devDataDir, 'cat'), 3), ...spread(join(devDataDir, 'notcat', 'dog'), 2), ...spread(join(devDataDir, 'notcat', 'scene'), 1)];
  photos = await Promise.all(files.map((f) => decodeImage(f)));
  [server, local] = await Promise.all([
    startFakeKserve({ repository, model: MODEL, version: '1' }),
    createObjectronBackbone({ log: silentLogger(), executionProviders: ['cpu'], numThreads: 1 }),
  ]);
  expected = await local.embed(photos);
});

after(async () => {
  for (const backbone of opened) await backbone.close();
  await local?.close();
  await server?.kill();
  if (repository) rmSync(repository, { recursive: true, force: true });
});

/** A triton backbone on `url`; the local backbone is the shared reference one unless `ownLocal`. */
async function open(url: string, settings: Partial<TritonBackboneDeps['triton']> = {}, extra: Partial<TritonBackboneDeps> = {}): Promise<TritonBackbone> {
  const backbone = await createTritonBackbone({
    log: silentLogger(),
    triton: { url, model: MODEL, version: '1', timeoutMs: 10_000, retryAfterMs: 60_000, ...settings },
    createLocal: async () => ({ ...local, embed: (images) => local.embed(images), close: async () => undefined }),
    ...extra,
  });
  opened.push(backbone);
  return backbone;
}

function assertSame(actual: readonly BackboneOutput[], want: readonly BackboneOutput[], what: string): void {
  assert.equal(actual.length, want.length, what);
  actual.forEach((out, i) => {
    assert.equal(out.embedding.length, want[i].embedding.length);
    let worst = 0;
    for (let k = 0; k < out.embedding.length; k++) worst = Math.max(worst, Math.abs(out.embedding[k] - want[i].embedding[k]));
    assert.ok(worst <= TOLERANCE, `${what}: photo ${i} embedding max |diff| ${worst}`);
    assert.ok(Math.abs(out.prior! - want[i].prior!) <= TOLERANCE, `${what}: photo ${i} prior ${out.prior} vs ${want[i].prior}`);
    for (const k of ['x', 'y', 'w', 'h'] as const) assert.ok(Math.abs(out.box![k] - want[i].box![k]) <= TOLERANCE, `${what}: photo ${i} box.${k}`);
  });
}

test('triton backbone: the server scores real photos with the local numbers, in one request', { skip }, async () => {
  await server.resetStats();
  const backbone = await open(server.url);
  assert.equal(backbone.id, OBJECTRON_ID);
  assert.equal(backbone.runtime, `triton:${MODEL}@1`);
  assert.equal(backbone.embeddingDim, local.embeddingDim);
  const out = await backbone.embed(photos);
  assertSame(out, expected, 'through the server');
  assert.ok(expected[0].prior! > 0.5, `chelsea is a cat to the local backbone (prior ${expected[0].prior})`);
  const stats = backbone.tritonStats();
  assert.deepEqual({ up: stats.up, state: stats.state, requests: stats.requests, failures: stats.failures, fallbackBatches: stats.fallbackBatches },
    { up: true, state: 'up', requests: 1, failures: 0, fallbackBatches: 0 }, stats.reason);
  assert.ok(stats.requestBytes > photos.length * 300 * 300 * 3 && stats.responseBytes > photos.length * 4 * 1280, JSON.stringify(stats));
  const served = await server.stats();
  assert.equal(served.inferRequests, 1);
  assert.deepEqual(served.batchSizes, [photos.length]);
});

test('triton backbone: concurrent embed() calls reach the server concurrently (one request each)', { skip }, async () => {
  const backbone = await open(server.url);
  await server.resetStats();
  const batches = [[0, 1], [2], [3, 4], [5, 6]];
  const outs = await Promise.all(batches.map((idx) => backbone.embed(idx.map((i) => photos[i]))));
  outs.forEach((out, b) => assertSame(out, batches[b].map((i) => expected[i]), `concurrent batch ${b}`));
  const served = await server.stats();
  assert.equal(served.inferRequests, 4);
  assert.ok(served.maxInFlight >= 2, `max in flight on the server: ${served.maxInFlight}`);
  assert.equal(backbone.tritonStats().fallbackBatches, 0);
});

test('triton backbone: a server slower than timeoutMs, then one answering 503, lose no batch', { skip }, async () => {
  const { log, lines } = capturingLogger('info');
  const backbone = await open(server.url, { timeoutMs: 500, retryAfterMs: 60_000 }, { log });
  await server.control({ delayMs: 5000 });
  const started = performance.now();
  assertSame(await backbone.embed(photos.slice(0, 3)), expected.slice(0, 3), 'after a timeout');
  assert.ok(performance.now() - started < 4000, 'the timeout cut the request short');
  let stats = backbone.tritonStats();
  assert.deepEqual({ up: stats.up, state: stats.state, failures: stats.failures, fallbackBatches: stats.fallbackBatches }, { up: false, state: 'down', failures: 1, fallbackBatches: 1 });
  assert.match(stats.reason ?? '', /no answer within 500 ms/);
  // Down: the next batch goes straight to the local backbone, without waiting for the server again.
  assertSame(await backbone.embed([photos[4]]), [expected[4]], 'while down');
  stats = backbone.tritonStats();
  assert.deepEqual({ requests: stats.requests, fallbackBatches: stats.fallbackBatches }, { requests: 1, fallbackBatches: 2 });
  assert.equal(lines.filter((l) => l.msg === 'triton server unavailable, scoring locally').length, 1);

  await server.control({ status: 503 });
  const other = await open(server.url, { timeoutMs: 2000 });
  assert.equal(other.tritonStats().state, 'up');
  assertSame(await other.embed(photos.slice(3)), expected.slice(3), 'after a 503');
  const after503 = other.tritonStats();
  assert.deepEqual({ up: after503.up, failures: after503.failures, fallbackBatches: after503.fallbackBatches }, { up: false, failures: 1, fallbackBatches: 1 });
  assert.match(after503.reason ?? '', /HTTP 503/);
  await server.control({});
});

test('triton backbone: a killed server is scored around, and used again once it is back', { skip }, async () => {
  const { log, lines } = capturingLogger('info');
  const backbone = await open(server.url, { timeoutMs: 2000, retryAfterMs: 300 }, {
    log, createLocal: undefined, local: { engine: 'onnxruntime', executionProviders: ['cpu'], numThreads: 1 },
  });
  assert.equal(backbone.tritonStats().state, 'up');
  await server.kill();
  assertSame(await backbone.embed(photos.slice(0, 2)), expected.slice(0, 2), 'server killed');
  assert.match(backbone.tritonStats().reason ?? '', /ECONNREFUSED|ECONNRESET|fetch failed|other side closed/);
  assert.equal(backbone.runtime, 'onnxruntime-cpu (triton fallback)');
  // Retries every 300 ms fail while it is away: still one warning, every batch scored.
  await pollUntil('three failed server checks', 20_000, async () => {
    assertSame(await backbone.embed([photos[2]]), [expected[2]], 'while the server is away');
    return backbone.tritonStats().failures >= 3 || undefined;
  });
  assert.equal(lines.filter((l) => l.msg === 'triton server unavailable, scoring locally').length, 1);

  await server.restart();
  await pollUntil('the server to get batches again', 20_000, async () => {
    assertSame(await backbone.embed([photos[3]]), [expected[3]], 'around the recovery');
    return (await server.stats()).inferRequests > 0 || undefined;
  });
  const stats = backbone.tritonStats();
  assert.deepEqual({ up: stats.up, state: stats.state }, { up: true, state: 'up' });
  assert.equal(stats.reason, undefined);
  assert.ok(stats.fallbackBatches >= 2, JSON.stringify(stats));
  assert.equal(backbone.runtime, `triton:${MODEL}@1`);
  assert.equal(lines.filter((l) => l.msg === 'triton server back').length, 1);
});

test('triton backbone: a server whose model was exported from another backbone is refused', { skip }, async () => {
  const foreign = await startFakeKserve({ repository, model: MODEL, version: '1', backboneId: 'objectron-ssd-mnv2-openimages@0.0.1-other' });
  try {
    const { log, lines } = capturingLogger('info');
    const backbone = await open(foreign.url, { retryAfterMs: 60_000 }, { log });
    assertSame(await backbone.embed(photos.slice(0, 2)), expected.slice(0, 2), 'refused server');
    const stats = backbone.tritonStats();
    assert.deepEqual({ up: stats.up, state: stats.state, requests: stats.requests, fallbackBatches: stats.fallbackBatches }, { up: false, state: 'refused', requests: 0, fallbackBatches: 1 });
    assert.match(stats.reason ?? '', /exported from backbone objectron-ssd-mnv2-openimages@0\.0\.1-other, the local backbone is objectron-ssd-mnv2-openimages@0\.4/);
    assert.equal((await foreign.stats()).inferRequests, 0, 'no batch went to the foreign model');
    assert.equal(lines.filter((l) => l.msg === 'triton model refused, scoring locally').length, 1);
  } finally {
    await foreign.kill();
  }
});
