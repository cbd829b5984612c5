import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load-config.js';
import type { CameraIngestStats } from '../../src/ingest/camera-ingest.js';
import { createHealth, frameMaxAgeMs } from '../../src/web/health.js';

function stats(lastFrameAtMs: number | undefined): CameraIngestStats {
  return { frames: lastFrameAtMs === undefined ? 0 : 1, restarts: 0, lastFrameAtMs, connected: true, fps: 5, ended: false, lastError: undefined, stderrTail: [] };
}

const config = parseConfig(
  { cameras: [{ name: 'front', url: 'rtsp://cam/1', stallTimeoutS: 10 }, { name: 'slow', url: 'rtsp://cam/2', detectFps: 0.1, stallTimeoutS: 10 }, { name: 'off', url: 'rtsp://cam/3', enabled: false }] },
  { baseDir: '/', env: {} },
);

test('a camera may go max(stallTimeoutS, 3 frame intervals) without a frame', () => {
  assert.equal(frameMaxAgeMs({ stallTimeoutS: 10, detectFps: 5 }), 10_000);
  assert.equal(frameMaxAgeMs({ stallTimeoutS: 10, detectFps: 0.1 }), 30_000);
});

test('healthy when every enabled camera delivered recently and a model is loaded; failing checks name the camera', () => {
  let t = 100_000;
  const cams = new Map([['front', stats(95_000)], ['slow', stats(75_000)]]);
  let version: string | undefined = 'v1';
  const health = createHealth({ config: () => config, cameraStats: () => cams, modelVersion: () => version, now: () => t });
  const ok = health.check();
  assert.equal(ok.ok, true, JSON.stringify(ok));
  assert.deepEqual(ok.checks.map((c) => c.name), ['camera front', 'camera slow', 'model']);

  t = 106_000; // front: 11 s without a frame > 10 s; slow: 31 s > 30 s
  const bad = health.check();
  assert.equal(bad.ok, false);
  assert.deepEqual(bad.checks.filter((c) => !c.ok).map((c) => c.camera), ['front', 'slow']);
  assert.deepEqual([...health.camerasUp()], [['front', false], ['slow', false]]);

  t = 100_000;
  version = undefined;
  assert.equal(health.check().ok, false);
  assert.deepEqual([...health.camerasUp()], [['front', true], ['slow', true]], 'camera availability is about frames only');
});

test('a camera without a frame yet is down and unhealthy, and up from its first frame', () => {
  let t = 0;
  const cams = new Map<string, CameraIngestStats>();
  const health = createHealth({ config: () => config, cameraStats: () => cams, modelVersion: () => 'v1', now: () => t });
  assert.match(health.check().checks[0].detail, /not running/);
  cams.set('front', stats(undefined));
  cams.set('slow', stats(undefined));
  assert.equal(health.camerasUp().get('front'), false);
  assert.match(health.check().checks[0].detail, /no frame yet/);
  t = 9_000;
  cams.set('front', stats(8_500));
  assert.equal(health.camerasUp().get('front'), true);
  assert.equal(health.camerasUp().get('slow'), false);
  assert.equal(health.camerasUp().has('off'), false, 'disabled cameras are not reported');
});

test('with no camera configured the service is healthy', () => {
  const empty = parseConfig({}, { baseDir: '/', env: {} });
  const health = createHealth({ config: () => empty, cameraStats: () => new Map(), modelVersion: () => 'v1' });
  assert.equal(health.camerasUp().size, 0);
  assert.equal(health.check().ok, true);
});
