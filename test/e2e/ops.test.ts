/**
 * Operations end to end, with `catwatch run` as systemd runs it (a notification socket stands in for systemd, with
 * WatchdogSec=2 s), a real mosquitto and the real RTSP test server:
 * - one camera's server goes away: the service stays up and keeps pinging the watchdog, the other camera keeps
 *   producing events, the dead camera is `offline` on MQTT and named by /healthz and /api/status, and it comes back
 *   `online` when its server does; READY=1 first, STOPPING=1 and exit 0 on SIGTERM;
 * - the HTTP port already taken: the service runs without HTTP, reports the failed stage on `<base>/status`, and
 *   detection, events and the rest work.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeClip } from '../helpers/clips.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { startNotifySocket, type NotifySocket } from '../helpers/notify-socket.js';
import { fixturesDir } from '../helpers/paths.js';
import { pollUntil } from '../helpers/poll.js';
import { startRtspServer, type RtspServer } from '../helpers/rtsp-server.js';
import { startService, type ServiceHarness } from '../helpers/service.js';

let dir: string;
let clip: string;
let broker: Mosquitto;
let notify: NotifySocket;
const catClip = join(fixturesDir, 'demo-cat.mp4');

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cw-ops-'));
  clip = await makeClip({ out: join(dir, 'testsrc.mp4'), seconds: 20, fps: 10, width: 320, height: 240 });
  [broker, notify] = await Promise.all([startMosquitto(), startNotifySocket()]);
});
after(async () => {
  await Promise.all([broker?.stop(), notify?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

interface Status { stages: Array<{ name: string; state: string; error?: string }>; cameras: Record<string, { up: boolean }> }
interface Health { ok: boolean; checks: Array<{ ok: boolean; camera?: string }> }

const watchdogPings = (): number => notify.messages.filter((m) => /^WATCHDOG=1$/m.test(m)).length;
const newEventsOf = (svc: ServiceHarness, camera: string, afterMs: number): number =>
  svc.messages.filter((m) => m.topic === 'catwatch/events' && m.atMs > afterMs).map((m) => JSON.parse(m.payload.toString()) as { type: string; camera: string }).filter((e) => e.type === 'new' && e.camera === camera).length;

async function json<T>(url: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as T };
}

test('a dead camera is reported and retried, never restarts the service; the other camera keeps producing events', async (t) => {
  let rtsp: RtspServer | undefined = await startRtspServer({ file: clip });
  const port = rtsp.port;
  t.after(() => rtsp?.stop());
  const svc = await startService({
    brokerUrl: broker.url,
    env: { NOTIFY_SOCKET: notify.path, WATCHDOG_USEC: '2000000' },
    config: {
      cameras: [
        { name: 'front', url: rtsp.url, detectFps: 5, width: 320, height: 240, stallTimeoutS: 2 },
        { name: 'back', url: catClip, detectFps: 5, width: 640, height: 360 },
      ],
      model: { backbone: 'objectron', workers: 1 },
    },
  });
  t.after(() => svc.stop());
  const base = `http://127.0.0.1:${svc.httpPort}`;
  await notify.waitFor(/^READY=1$/m, 90_000);
  await svc.waitFor(() => svc.latest('catwatch/front/available') === 'online' && svc.latest('catwatch/back/available') === 'online', 60_000, 'both cameras online');
  assert.equal((await json<Health>(`${base}/healthz`)).status, 200);

  await rtsp.stop();
  rtsp = undefined;
  const downAtMs = Date.now();
  await svc.waitFor(() => svc.latest('catwatch/front/available') === 'offline', 30_000, 'front offline on MQTT');
  const health = await pollUntil('/healthz 503 naming front', 10_000, async () => {
    const r = await json<Health>(`${base}/healthz`);
    return r.status === 503 ? r.body : undefined;
  });
  assert.deepEqual(health.checks.filter((c) => !c.ok).map((c) => c.camera), ['front']);
  const status = (await json<Status>(`${base}/api/status`)).body;
  assert.deepEqual(status.cameras.front?.up, false);
  assert.deepEqual(status.cameras.back?.up, true);

  // Ten more WatchdogSec periods (20 pings, one every WatchdogSec/2) with the camera down, and a new event from the
  // other camera meanwhile: systemd would have restarted a service that withheld its pings after one period.
  const pingsAtDown = watchdogPings();
  await svc.waitFor(() => watchdogPings() >= pingsAtDown + 20 && newEventsOf(svc, 'back', downAtMs) > 0, 90_000, '20 watchdog pings and an event from back while front is down');
  assert.equal(svc.pid !== undefined && svc.ffmpegChildren().length >= 1, true, 'the same service process, still decoding');
  assert.equal(svc.latest('catwatch/front/available'), 'offline');
  assert.equal(svc.latest('catwatch/available'), 'online', 'the service itself stayed online');

  rtsp = await startRtspServer({ file: clip, port });
  await svc.waitFor(() => svc.latest('catwatch/front/available') === 'online', 60_000, 'front back online');
  await pollUntil('/healthz 200 again', 15_000, async () => ((await fetch(`${base}/healthz`)).status === 200 ? true : undefined));

  const stopped = await svc.stop();
  assert.equal(stopped.code, 0, svc.output().slice(-2000));
  await notify.waitFor(/^STOPPING=1$/m, 5000);
  const order = notify.messages.map((m) => /^(READY|STOPPING)=1$/m.exec(m)?.[1]).filter(Boolean);
  assert.deepEqual(order, ['READY', 'STOPPING'], 'one start, one stop: never restarted');
});

test('the HTTP port already taken: the service runs without HTTP, reports it, and every other stage works', async (t) => {
  const taken: Server = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', () => resolve()));
  t.after(() => new Promise<void>((resolve) => taken.close(() => resolve())));
  const takenPort = (taken.address() as { port: number }).port;
  const svc = await startService({
    brokerUrl: broker.url,
    config: {
      http: { host: '127.0.0.1', port: takenPort },
      cameras: [{ name: 'back', url: catClip, detectFps: 5, width: 640, height: 360 }],
      model: { backbone: 'objectron', workers: 1 },
    },
  });
  t.after(() => svc.stop());
  await svc.waitFor(() => svc.latestJson<Status>('catwatch/status')?.stages.find((s) => s.name === 'http')?.state === 'failed', 90_000, 'http stage failed on catwatch/status');
  const status = svc.latestJson<Status>('catwatch/status') as Status;
  assert.match(status.stages.find((s) => s.name === 'http')?.error ?? '', /EADDRINUSE/);
  const notRunning = status.stages.filter((s) => s.state !== 'running' && s.name !== 'http').map((s) => s.name);
  assert.deepEqual(notRunning, [], 'every other stage runs');
  await svc.waitFor(() => newEventsOf(svc, 'back', 0) > 0, 60_000, 'an event from back');
  await svc.waitFor(() => svc.messages.some((m) => m.topic === 'catwatch/stats'), 30_000, 'stats');
  const stopped = await svc.stop();
  assert.equal(stopped.code, 0, svc.output().slice(-2000));
});
