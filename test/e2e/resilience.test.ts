/**
 * Issue 4 resilience, end to end with real components: RTSP server restarts, a broker outage while a cat is in
 * view, and garbage from cameras.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { startRtspServer } from '../helpers/rtsp-server.js';
import { makeClip } from '../helpers/clips.js';
import { freePort } from '../helpers/free-port.js';
import { startService } from '../helpers/service.js';
import { fixturesDir } from '../helpers/paths.js';

let broker: Mosquitto;
let workDir: string;
before(async () => {
  broker = await startMosquitto();
  workDir = mkdtempSync(join(tmpdir(), 'cw-res-'));
});
after(async () => {
  await broker?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const count = (text: string, re: RegExp) => (text.match(re) ?? []).length;

test('the RTSP server is killed and restarted 5 times: catwatch reconnects within 5 s each time and leaves no orphan ffmpeg', async () => {
  const clip = await makeClip({ out: join(workDir, 'testsrc.mp4'), source: 'testsrc', seconds: 4, fps: 10, width: 320, height: 240 });
  const port = await freePort();
  let rtsp = await startRtspServer({ file: clip, port, loop: true });
  const svc = await startService({
    brokerUrl: broker.url,
    config: { model: { backbone: 'objectron' }, cameras: [{ name: 'gate', url: rtsp.url, detectFps: 5, width: 320, height: 240 }] },
  });
  try {
    await svc.waitFor(() => count(svc.output(), /camera connected/g) >= 1, 60_000, 'first connection');
    for (let round = 1; round <= 5; round++) {
      await sleep(5500); // a healthy run, so the backoff starts over
      await rtsp.stop();
      await sleep(1500);
      rtsp = await startRtspServer({ file: clip, port, loop: true });
      const backAt = Date.now();
      await svc.waitFor(() => count(svc.output(), /camera connected/g) >= round + 1, 15_000, `reconnect ${round}`);
      const reconnectMs = Date.now() - backAt;
      assert.ok(reconnectMs < 5000, `round ${round}: reconnected ${reconnectMs} ms after the server was back`);
      assert.ok(svc.ffmpegChildren().length <= 1, `round ${round}: at most one ffmpeg child`);
    }
  } finally {
    const { code } = await svc.stop();
    await rtsp.stop();
    assert.equal(code, 0, 'never crashed, stopped cleanly');
  }
});

test('events published while the broker is down arrive after it is back, none twice', async () => {
  const svc = await startService({
    brokerUrl: broker.url,
    persistentSubscriber: true,
    config: {
      model: { backbone: 'objectron' },
      // The demo clip: a cat walks in every 14 s and leaves again.
      cameras: [{ name: 'porch', url: join(fixturesDir, 'demo-cat.mp4'), detectFps: 5 }],
      events: { quietPeriodS: 2 },
    },
  });
  try {
    await svc.waitFor(() => svc.events().some((e) => e.type === 'new'), 60_000, 'a first event');
    await broker.down();
    const logged = () => [...svc.output().matchAll(/"type":"(new|update|end)","id":"([^"]+)"[^\n]*"msg":"event"/g)].map((m) => `${m[2]}/${m[1]}`);
    const before = logged().length;
    await svc.waitFor(() => logged().filter((k) => k.endsWith('/end')).length >= 1 && logged().length >= before + 3, 60_000, 'events while the broker is down');
    await broker.up();
    const expected = new Set(logged());
    await svc.waitFor(() => [...expected].every((k) => svc.events().some((e) => `${e.id}/${e.type}` === k)), 60_000, 'every event delivered after the outage');
    // new and end exist once per event id; an update is sent only when the top score rises, so it is unique too.
    const seen = svc.events().map((e) => `${e.id}/${e.type}/${(e as unknown as { top_score: number }).top_score}`);
    assert.equal(new Set(seen).size, seen.length, `duplicates in ${seen.join(', ')}`);
  } finally {
    await svc.stop();
  }
});

test('garbage from cameras is logged and survived', async () => {
  // A "camera" that answers with random bytes.
  const garbage: Server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.end(randomBytes(64 * 1024));
  });
  const garbagePort = await freePort();
  await new Promise<void>((r) => garbage.listen(garbagePort, '127.0.0.1', () => r()));
  // A truncated file, and a stream whose resolution changes mid-way (two segments joined).
  const truncated = join(workDir, 'truncated.mp4');
  copyFileSync(join(fixturesDir, 'demo-cat.mp4'), truncated);
  writeFileSync(truncated, readFileSync(truncated).subarray(0, 30_000));
  const a = await makeClip({ out: join(workDir, 'a.ts'), source: 'testsrc', seconds: 2, width: 320, height: 240 });
  const b = await makeClip({ out: join(workDir, 'b.ts'), source: 'testsrc', seconds: 2, width: 640, height: 480 });
  const joined = join(workDir, 'joined.ts');
  writeFileSync(joined, Buffer.concat([readFileSync(a), readFileSync(b)]));
  const svc = await startService({
    brokerUrl: broker.url,
    config: {
      model: { backbone: 'objectron' },
      cameras: [
        { name: 'noise', url: `rtsp://viewer:secret@127.0.0.1:${garbagePort}/live` },
        { name: 'cut', url: truncated },
        { name: 'resize', url: joined, width: 320, height: 180 },
      ],
    },
  });
  try {
    await svc.waitFor(() => /"camera":"noise"[^\n]*ffmpeg failed, restarting/.test(svc.output()), 30_000, 'the garbage camera to fail');
    await svc.waitFor(() => svc.messages.some((m) => m.topic === 'catwatch/stats' && (JSON.parse(m.payload.toString()) as { cameras: Record<string, { frames: number }> }).cameras.resize?.frames > 10), 30_000, 'frames from the resizing stream');
    await sleep(3000);
    const out = svc.output();
    assert.doesNotMatch(out, /secret/, 'credentials never logged');
    assert.match(out, /viewer:\*\*\*@/);
    assert.match(out, /"camera":"cut"/);
  } finally {
    const { code } = await svc.stop();
    garbage.close();
    assert.equal(code, 0, 'survived and stopped cleanly');
  }
});
