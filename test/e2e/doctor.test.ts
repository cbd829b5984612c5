/** `catwatch doctor` against a real RTSP camera and a real mosquitto, then with a camera that does not exist. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runCli } from '../helpers/cli.js';
import { makeClip } from '../helpers/clips.js';
import { freePort } from '../helpers/free-port.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { startRtspServer, type RtspServer } from '../helpers/rtsp-server.js';

let dir: string;
let broker: Mosquitto;
let rtsp: RtspServer;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cw-doctor-'));
  const clip = await makeClip({ out: join(dir, 'testsrc.mp4'), seconds: 10, fps: 10, width: 320, height: 240 });
  [broker, rtsp] = await Promise.all([startMosquitto(), startRtspServer({ file: clip })]);
});
after(async () => {
  await Promise.all([broker?.stop(), rtsp?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

function writeConfig(name: string, cameraUrl: string): string {
  const path = join(dir, `${name}.yml`);
  writeFileSync(path, stringify({
    dataDir: join(dir, `data-${name}`),
    cameras: [{ name: 'porch', url: cameraUrl, detectFps: 5, width: 320, height: 240, stallTimeoutS: 5 }],
    mqtt: { url: broker.url },
    model: { backbone: 'objectron' },
  }));
  return path;
}

interface Row { check: string; status: string; detail: string }

test('doctor against a live camera and broker: every check OK, exit 0', async () => {
  const r = await runCli(['doctor', '--config', writeConfig('good', rtsp.url)], { timeoutMs: 180_000 });
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  const rows = r.stdout.trim().split('\n').slice(1);
  for (const row of rows) assert.match(row, /^\S.*\s{2}OK\s{2}/, `not OK: ${row}`);
  for (const check of ['ffmpeg', 'camera porch', 'broker', 'model', 'disk']) assert.ok(rows.some((row) => row.startsWith(`${check} `)), `no ${check} row:\n${r.stdout}`);
  assert.match(r.stdout, /camera porch\s+OK\s+h264 320x240 10 fps; decoded a 320x240 frame/);
  assert.match(r.stdout, /broker\s+OK\s+publish\/subscribe round trip/);
  assert.match(r.stdout, /model\s+OK\s+backbone objectron.*chelsea\.png \(a cat\) scores/);
});

test('doctor with a wrong camera URL names the camera and exits 1; --json gives the same rows', async () => {
  const deadPort = await freePort();
  const r = await runCli(['doctor', '--json', '--timeout', '5', '--config', writeConfig('bad', `rtsp://user:secret@127.0.0.1:${deadPort}/nothing`)], { timeoutMs: 180_000 });
  assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
  const rows = JSON.parse(r.stdout) as Row[];
  const camera = rows.find((row) => row.check === 'camera porch');
  assert.equal(camera?.status, 'FAIL', r.stdout);
  assert.match(camera.detail, new RegExp(`127\\.0\\.0\\.1:${deadPort}`));
  assert.doesNotMatch(r.stdout, /secret/, 'the camera password is never printed');
  assert.deepEqual(rows.filter((row) => row.status === 'FAIL').map((row) => row.check), ['camera porch']);
});
