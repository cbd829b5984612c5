/**
 * Issue 16: `catwatch run` with backbone: triton against a KServe v2 server (the fake one, running the exported
 * model): scoring goes through the server; when the server is killed every frame is scored locally (the cat's event
 * still comes), the link is reported down on /healthz and in the MQTT stats; when it returns, scoring goes back to it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportTritonModel } from '../../src/score/triton/export-triton.js';
import type { StatsPayload } from '../../src/publish/topics.js';
import { startFakeKserve, type FakeKserve } from '../helpers/fake-kserve.js';
import { makeCatThenNoCatClip } from '../helpers/clips.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { skipWithoutShared, videoDir } from '../helpers/paths.js';
import { pollUntil } from '../helpers/poll.js';
import { startService } from '../helpers/service.js';

const MODEL = 'catwatch_objectron';
let dir: string;
let broker: Mosquitto;
let server: FakeKserve;
let clip: string;
before(async () => {
  if (skipWithoutShared()) return;
  dir = mkdtempSync(join(tmpdir(), 'cw-triton-svc-'));
  await exportTritonModel({ dir, model: MODEL, version: '1' });
  // The cat, then 5 s of a scene without one: looped, every loop is one event (new … end).
  clip = join(dir, 'cat-then-nocat.mp4');
  await makeCatThenNoCatClip(clip, videoDir);
  [broker, server] = await Promise.all([startMosquitto(), startFakeKserve({ repository: dir, model: MODEL, version: '1' })]);
});
after(async () => {
  await Promise.all([broker?.stop(), server?.kill()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Health { ok: boolean; checks: Array<{ name: string; ok: boolean; detail: string }> }

test('scoring through the inference server, locally while it is dead (events still come), and back through it when it returns', { skip: skipWithoutShared(), timeout: 240_000 }, async (t) => {
  const svc = await startService({
    brokerUrl: broker.url,
    config: {
      model: { backbone: 'triton', workers: 1, triton: { url: server.url, model: MODEL, timeoutMs: 2000, retryAfterMs: 1000 } },
      cameras: [{ name: 'yard', url: clip, detectFps: 5, width: 640, height: 360 }],
      events: { minHits: 2, windowFrames: 4, quietPeriodS: 2 },
      stats: { intervalS: 1 },
    },
  });
  t.after(() => svc.stop().then(() => undefined));
  const healthz = async (): Promise<Health> => (await fetch(`http://127.0.0.1:${svc.httpPort}/healthz`)).json() as Promise<Health>;
  const link = (): StatsPayload['inference_server'] => svc.latestJson<StatsPayload>('catwatch/stats')?.inference_server;
  await svc.waitForRunning(120_000);

  await pollUntil('regions scored by the server', 60_000, async () => ((await server.stats()).inferRequests >= 3 ? true : undefined), svc.output);
  await svc.waitFor(() => link()?.up === true && link()!.requests > 0, 30_000, 'stats: the server link up');
  assert.ok((await healthz()).checks.some((c) => c.name === 'inference server' && c.ok));

  await server.kill();
  const eventsBefore = svc.events().filter((e) => e.type === 'new').length;
  await svc.waitFor(() => link()?.up === false && link()!.fallback_batches > 0, 60_000, 'stats: the server down, batches scored locally');
  const down = (await healthz()).checks.find((c) => c.name === 'inference server');
  assert.ok(down && !down.ok && /scoring locally/.test(down.detail), JSON.stringify(down));
  // The clip loops: the cat comes back in view, and its event comes from the local backbone alone.
  await svc.waitFor(() => svc.events().filter((e) => e.type === 'new').length > eventsBefore, 120_000, 'a cat event while the server is dead');

  await server.restart();
  await pollUntil('the server used again', 60_000, async () => ((await server.stats()).inferRequests >= 2 ? true : undefined), svc.output);
  await svc.waitFor(() => link()?.up === true, 30_000, 'stats: the server link up again');
});
