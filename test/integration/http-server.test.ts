import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CameraIngestStats } from '../../src/ingest/camera-ingest.js';
import { silentLogger } from '../../src/util/log.js';
import type { HealthReport } from '../../src/web/health.js';
import { createHttpServer } from '../../src/web/http-server.js';
import { connect } from 'node:net';
import { createMetrics } from '../../src/web/metrics.js';

function camera(frames: number, restarts: number): CameraIngestStats {
  return { frames, restarts, lastFrameAtMs: Date.now(), connected: true, fps: 5, ended: false, lastError: undefined, stderrTail: [] };
}

test('/healthz answers 200 or 503 with the checks, /metrics the Prometheus text, /api/status the status, anything else 404', async (t) => {
  const log = silentLogger();
  const cams = new Map([['front', camera(120, 2)]]);
  let report: HealthReport = { ok: true, checks: [{ name: 'camera front', camera: 'front', ok: true, detail: 'fine' }] };
  const stages = [{ name: 'score', state: 'running' }, { name: 'discovery', state: 'failed' }];
  const metrics = createMetrics({ cameraStats: () => cams, droppedFrames: () => 7, outboxDepth: () => 3, camerasUp: () => new Map([['front', true], ['back', false]]), stages: () => stages });
  const server = createHttpServer({ host: '127.0.0.1', port: 0, health: () => report, metrics: metrics.registry, status: () => ({ stages }), log });
  await server.start();
  t.after(() => server.stop());
  const base = `http://127.0.0.1:${server.port()}`;

  let res = await fetch(`${base}/healthz`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  assert.equal(((await res.json()) as HealthReport).ok, true);

  report = { ok: false, checks: [{ name: 'camera front', camera: 'front', ok: false, detail: 'last frame 12.0 s ago (limit 10 s)' }] };
  res = await fetch(`${base}/healthz`);
  assert.equal(res.status, 503);
  const body = (await res.json()) as HealthReport;
  assert.deepEqual(body.checks.filter((c) => !c.ok).map((c) => c.camera), ['front']);

  metrics.recordInference(42);
  metrics.recordEvent('front', 'new');
  metrics.recordMined('front');
  metrics.recordTrainState('running');
  metrics.recordTrainState('rejected');
  cams.set('front', camera(150, 2));
  res = await fetch(`${base}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
  const text = await res.text();
  for (const line of [
    'catwatch_frames_total{camera="front"} 150',
    'catwatch_dropped_frames_total{camera="front"} 7',
    'catwatch_ffmpeg_restarts_total{camera="front"} 2',
    'catwatch_mqtt_outbox_depth 3',
    'catwatch_inference_seconds_count 1',
    'catwatch_inference_seconds_bucket{le="0.05"} 1',
    'catwatch_events_total{camera="front",type="new"} 1',
    'catwatch_mined_samples_total{camera="front"} 1',
    'catwatch_training_runs_total{outcome="rejected"} 1',
    'catwatch_camera_up{camera="front"} 1',
    'catwatch_camera_up{camera="back"} 0',
    'catwatch_stage_up{stage="score"} 1',
    'catwatch_stage_up{stage="discovery"} 0',
  ]) {
    assert.ok(text.includes(line), `missing ${line}`);
  }
  assert.doesNotMatch(text, /outcome="running"/);
  assert.match(text, /^catwatch_process_resident_memory_bytes \d+/m, 'default process metrics');

  const status = await fetch(`${base}/api/status`);
  assert.equal(status.status, 200);
  assert.deepEqual(await status.json(), { stages });
  assert.equal((await fetch(`${base}/nope`)).status, 404);
  assert.equal((await fetch(`${base}/metrics`, { method: 'POST' })).status, 405);
  // A request target no URL parser accepts is the client's error, not a 500 with an error log per request.
  const raw = await new Promise<string>((resolve, reject) => {
    const socket = connect(server.port(), '127.0.0.1', () => socket.end('GET //[ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'));
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString()));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
  assert.match(raw, /^HTTP\/1\.1 400 /);
});

test('a port already in use fails start() with EADDRINUSE', async (t) => {
  const log = silentLogger();
  const metrics = createMetrics({ cameraStats: () => new Map(), droppedFrames: () => 0, outboxDepth: () => 0, camerasUp: () => new Map(), stages: () => [] });
  const health = (): HealthReport => ({ ok: true, checks: [] });
  const first = createHttpServer({ host: '127.0.0.1', port: 0, health, metrics: metrics.registry, status: () => ({}), log });
  await first.start();
  t.after(() => first.stop());
  const second = createHttpServer({ host: '127.0.0.1', port: first.port(), health, metrics: metrics.registry, status: () => ({}), log });
  await assert.rejects(second.start(), /EADDRINUSE/);
});

test('/api/status, /metrics and /healthz refuse a Host name that is not served (DNS rebinding), like the UI', async (t) => {
  // Issue 27.5: these answered 200 to any Host while / answered 403.
  const { request } = await import('node:http');
  const { createWebAccess } = await import('../../src/web/ui/web-access.js');
  const metrics = createMetrics({ cameraStats: () => new Map(), droppedFrames: () => 0, outboxDepth: () => 0, camerasUp: () => new Map(), stages: () => [] });
  const access = createWebAccess({ passwordHash: undefined });
  const server = createHttpServer({ host: '127.0.0.1', port: 0, health: () => ({ ok: true, checks: [] }), metrics: metrics.registry, status: () => ({ cameras: { yard: {} } }), hostAllowed: access.hostAllowed, log: silentLogger() });
  await server.start();
  t.after(() => server.stop());
  const get = (path: string, host: string) => new Promise<number>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port(), path, headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
  for (const path of ['/api/status', '/metrics', '/healthz']) {
    assert.equal(await get(path, 'evil.example:8089'), 403, `${path} with a foreign Host`);
    assert.equal(await get(path, `127.0.0.1:${server.port()}`), 200, `${path} on loopback`);
    assert.equal(await get(path, `localhost:${server.port()}`), 200);
  }
});
