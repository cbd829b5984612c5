/**
 * Issue 6 end to end: `catwatch run` with a camera on the real RTSP test server, an external mosquitto and a
 * notification socket standing in for systemd: /metrics counts frames, /healthz is 200 while frames flow and 503
 * naming the camera once the RTSP server is gone; READY=1, WATCHDOG=1 (only while frames flow) and, on SIGTERM,
 * STOPPING=1 and exit 0.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startCli } from '../helpers/cli.js';
import { makeClip } from '../helpers/clips.js';
import { freePort } from '../helpers/free-port.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { startNotifySocket, type NotifySocket } from '../helpers/notify-socket.js';
import { stopProcess, waitForExit } from '../helpers/processes.js';
import { startRtspServer, type RtspServer } from '../helpers/rtsp-server.js';

let dir: string;
let broker: Mosquitto;
let rtsp: RtspServer | undefined;
let notify: NotifySocket;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cw-ops-'));
  const clip = await makeClip({ out: join(dir, 'testsrc.mp4'), seconds: 20, fps: 10, width: 320, height: 240 });
  [broker, rtsp, notify] = await Promise.all([startMosquitto(), startRtspServer({ file: clip }), startNotifySocket()]);
});
after(async () => {
  await Promise.all([broker?.stop(), rtsp?.stop(), notify?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, output: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; output tail:\n${output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const watchdogPings = (): number => notify.messages.filter((m) => /^WATCHDOG=1$/m.test(m)).length;

test('metrics, health, READY/WATCHDOG/STOPPING through a whole run', async (t) => {
  const httpPort = await freePort();
  const configPath = join(dir, 'catwatch.yml');
  writeFileSync(configPath, stringify({
    dataDir: join(dir, 'data'), // fresh: the bundled model is used
    cameras: [{ name: 'front', url: rtsp!.url, detectFps: 5, width: 320, height: 240, stallTimeoutS: 2 }],
    mqtt: { url: broker.url },
    model: { backbone: 'objectron', workers: 1 },
    http: { host: '127.0.0.1', port: httpPort },
  }));
  // WatchdogSec=2 → a ping every second.
  const cli = startCli(['run', '--config', configPath], { env: { NOTIFY_SOCKET: notify.path, WATCHDOG_USEC: '2000000', CATWATCH_LOG_LEVEL: 'info' } });
  t.after(() => stopProcess(cli.child));
  const base = `http://127.0.0.1:${httpPort}`;

  await notify.waitFor(/^READY=1$/m, 90_000);
  const frames = await until('frames in /metrics', 30_000, async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    const m = /^catwatch_frames_total\{camera="front"\} (\d+)/m.exec(text);
    return m && Number(m[1]) > 0 ? Number(m[1]) : undefined;
  }, cli.output);
  t.diagnostic(`frames_total ${frames}`);
  const healthy = await until('/healthz 200', 30_000, async () => {
    const res = await fetch(`${base}/healthz`);
    return res.status === 200 ? ((await res.json()) as { ok: boolean }) : undefined;
  }, cli.output);
  assert.equal(healthy.ok, true);
  await notify.waitFor(/^WATCHDOG=1$/m, 10_000);

  await rtsp!.stop();
  rtsp = undefined;
  const failing = await until('/healthz 503', 30_000, async () => {
    const res = await fetch(`${base}/healthz`);
    return res.status === 503 ? ((await res.json()) as { ok: boolean; checks: Array<{ ok: boolean; camera?: string; detail: string }> }) : undefined;
  }, cli.output);
  assert.equal(failing.ok, false);
  assert.deepEqual(failing.checks.filter((c) => !c.ok).map((c) => c.camera), ['front'], JSON.stringify(failing));
  // Pings stop while the camera is stalled (a ping already on its way may still land in the first second).
  await new Promise((r) => setTimeout(r, 1500));
  const pingsAtStall = watchdogPings();
  await new Promise((r) => setTimeout(r, 3000));
  assert.equal(watchdogPings(), pingsAtStall, 'no WATCHDOG=1 while frames do not flow');

  const exited = new Promise<number | null>((resolve) => cli.child.once('exit', (code) => resolve(code)));
  cli.child.kill('SIGTERM');
  assert.ok(await waitForExit(cli.child, 15_000), 'exited within 15 s of SIGTERM');
  assert.equal(await exited, 0, cli.output().slice(-2000));
  await notify.waitFor(/^STOPPING=1$/m, 5000);
  const order = notify.messages.map((m) => /^(READY|STOPPING)=1$/m.exec(m)?.[1]).filter(Boolean);
  assert.deepEqual(order, ['READY', 'STOPPING']);
});
