/**
 * The ingest stage against real ffmpeg and file inputs: exact frame sizes at the detect rate, looping and
 * play-once, garbage and missing inputs restarted with backoff, a mid-stream resolution change, and no ffmpeg
 * child left behind after stop() or after the Node process exits.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';
import { configSchema, type CameraConfig } from '../../src/config/schema.js';
import { silentLogger } from '../../src/util/log.js';
import { isCatwatchError } from '../../src/util/errors.js';
import { ffmpegVersion } from '../../src/ingest/ffmpeg-version.js';
import { createCameraIngest, type CameraIngest, type CameraStatus } from '../../src/ingest/camera-ingest.js';
import type { Frame } from '../../src/ingest/frame.js';
import { makeClip, makeNoiseFile } from '../helpers/clips.js';
import { childrenOf, pidsOf, runTracked } from '../helpers/processes.js';

const W = 160;
const H = 96;
const FAST_BACKOFF = { initialMs: 100, maxMs: 400, healthyResetMs: 10_000 };

let dir: string;
let clip: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'catwatch-ingest-'));
  clip = await makeClip({ out: join(dir, 'clip.mp4'), seconds: 3, fps: 10, width: 320, height: 240 });
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function camera(fields: Record<string, unknown>): CameraConfig {
  return configSchema.parse({ cameras: [{ name: 'test-cam', width: W, height: H, ...fields }] }).cameras[0];
}

/** ffmpeg processes that are direct children of this test process. */
function ffmpegChildren(): number[] {
  const ffmpegs = new Set(pidsOf('ffmpeg'));
  return childrenOf(process.pid).filter((pid) => ffmpegs.has(pid));
}

async function waitFor(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

interface Run {
  ingest: CameraIngest;
  frames: Frame[];
  statuses: Array<CameraStatus & { atMs: number }>;
}

function run(t: { after(fn: () => Promise<void>): void }, cam: CameraConfig, extra: { ffmpegPath?: string } = {}): Run {
  const frames: Frame[] = [];
  const statuses: Run['statuses'] = [];
  const ingest = createCameraIngest({
    camera: cam,
    log: silentLogger(),
    onFrame: (f) => frames.push(f),
    onStatus: (s) => statuses.push({ ...s, atMs: Date.now() }),
    backoff: FAST_BACKOFF,
    ...extra,
  });
  t.after(() => ingest.stop());
  ingest.start();
  return { ingest, frames, statuses };
}

test('ffmpeg is found; a missing binary is E_FFMPEG_MISSING', async () => {
  assert.match(await ffmpegVersion(), /^ffmpeg version/);
  await assert.rejects(ffmpegVersion('/nonexistent/ffmpeg'), (err) => isCatwatchError(err, 'E_FFMPEG_MISSING'));
});

test('looped file: frames of exactly W*H*3 bytes at about detectFps, past the end of the clip', async (t) => {
  const started = Date.now();
  const { ingest, frames, statuses } = run(t, camera({ url: clip, detectFps: 5, loop: true }));
  // The clip is 3 s: a 16th frame at 5 fps means it looped.
  await waitFor('16 frames', () => frames.length >= 16, 15_000);
  const stats = ingest.stats();
  const elapsedS = (Date.now() - started) / 1000;
  // Paced at detectFps, not as fast as ffmpeg can decode: at most 5 frames a second since the start (+1 for rounding).
  assert.ok(frames.length <= 5 * elapsedS + 1, `${frames.length} frames in ${elapsedS.toFixed(1)} s`);
  for (const [i, f] of frames.entries()) {
    assert.equal(f.data.length, W * H * 3);
    assert.equal(f.width, W);
    assert.equal(f.height, H);
    assert.equal(f.camera, 'test-cam');
    assert.equal(f.seq, i + 1);
  }
  assert.ok(stats.fps > 3.5 && stats.fps < 6.5, `fps ${stats.fps}`);
  assert.equal(stats.restarts, 0);
  assert.equal(stats.connected, true);
  assert.deepEqual(statuses.map((s) => s.connected), [true]);
  // testsrc moves: frames differ, so they are real decoded pictures, not one buffer repeated.
  assert.notDeepEqual(frames[0].data, frames[5].data);
  assert.equal(ffmpegChildren().length, 1);
  const stopStarted = Date.now();
  await ingest.stop();
  assert.ok(Date.now() - stopStarted < 2500, 'stop took the SIGKILL path or longer');
  assert.deepEqual(ffmpegChildren(), []);
});

test('play-once file (file:// URL): ends without restart and reports ended', async (t) => {
  const { ingest, frames, statuses } = run(t, camera({ url: pathToFileURL(clip).href, detectFps: 10, loop: false }));
  await waitFor('status ended', () => statuses.some((s) => s.reason === 'ended'), 15_000);
  const stats = ingest.stats();
  assert.ok(frames.length >= 25 && frames.length <= 35, `${frames.length} frames from a 3 s clip at 10 fps`);
  assert.equal(stats.ended, true);
  assert.equal(stats.restarts, 0);
  assert.equal(stats.connected, false);
  await waitFor('no ffmpeg after the end', () => ffmpegChildren().length === 0, 5000);
  assert.equal(ingest.stats().restarts, 0);
});

test('garbage input: restarts with backoff, stderr tail kept, never a frame', async (t) => {
  const noise = await makeNoiseFile(join(dir, 'noise.mp4'), 256 * 1024);
  const { ingest, frames, statuses } = run(t, camera({ url: noise, detectFps: 5 }));
  await waitFor('3 restarts', () => ingest.stats().restarts >= 3, 15_000);
  const stats = ingest.stats();
  assert.equal(frames.length, 0);
  assert.equal(stats.connected, false);
  assert.ok(stats.stderrTail.length > 0 && stats.stderrTail.length <= 50);
  assert.match(stats.stderrTail.join('\n'), /Invalid data|could not find|error/i);
  assert.ok(statuses.every((s) => !s.connected && /exited with code/.test(s.reason ?? '')));
  await ingest.stop();
  assert.deepEqual(ffmpegChildren(), []);
});

test('missing file URL: not connected, restarts spaced by the backoff', async (t) => {
  const missing = pathToFileURL(join(dir, 'does-not-exist.mp4')).href;
  const started = Date.now();
  const { ingest, statuses } = run(t, camera({ url: missing }));
  await waitFor('3 restarts', () => ingest.stats().restarts >= 3, 15_000);
  await ingest.stop();
  const elapsedMs = Date.now() - started;
  const stats = ingest.stats();
  assert.equal(stats.connected, false);
  // Equal jitter never waits less than initialMs / 2 between tries, so at most one try per initialMs / 2.
  assert.ok(stats.restarts <= elapsedMs / (FAST_BACKOFF.initialMs / 2) + 1, `${stats.restarts} restarts in ${elapsedMs} ms: no backoff`);
  assert.ok(statuses.length >= 2 && statuses.every((s) => !s.connected));
  for (let i = 1; i < statuses.length; i += 1) {
    assert.ok(statuses[i].atMs - statuses[i - 1].atMs >= FAST_BACKOFF.initialMs / 2 - 10, 'restart sooner than initialMs / 2');
  }
  assert.match(stats.stderrTail.join('\n'), /No such file/i);
});

test('credentials in ffmpeg stderr are redacted', async (t) => {
  // Nothing listens on port 1: ffmpeg fails at once and names the URL in its error.
  const { ingest } = run(t, camera({ url: 'rtsp://viewer:s3cret-pw@127.0.0.1:1/stream' }));
  await waitFor('a failure on stderr', () => ingest.stats().stderrTail.length > 0 && ingest.stats().restarts >= 1, 10_000);
  const tail = ingest.stats().stderrTail.join('\n');
  assert.ok(!tail.includes('s3cret-pw'), tail);
  assert.match(tail, /viewer:\*\*\*@127\.0\.0\.1/);
});

test('missing ffmpeg binary: E_FFMPEG_MISSING status, retried, no crash', async (t) => {
  const { ingest, statuses } = run(t, camera({ url: clip }), { ffmpegPath: '/nonexistent/ffmpeg' });
  await waitFor('2 restarts', () => ingest.stats().restarts >= 2, 5000);
  assert.match(statuses[0].reason ?? '', /^E_FFMPEG_MISSING: /);
  assert.match(ingest.stats().lastError ?? '', /E_FFMPEG_MISSING/);
});

test('stall watchdog: an ffmpeg that stops delivering is killed and restarted', async (t) => {
  const { ingest, frames, statuses } = run(t, camera({ url: clip, detectFps: 10, stallTimeoutS: 1 }));
  await waitFor('first frames', () => frames.length >= 3, 10_000);
  const [pid] = ffmpegChildren();
  // A stopped process keeps its pipes open but sends nothing, like a hung camera connection. SIGTERM stays
  // pending while it is stopped, so this also takes the SIGKILL path after the grace period.
  process.kill(pid, 'SIGSTOP');
  await waitFor('a restart after the stall', () => ingest.stats().restarts >= 1, 15_000);
  assert.ok(!pidsOf('ffmpeg').includes(pid), 'the stalled ffmpeg is gone');
  assert.deepEqual(
    statuses.map(({ connected, reason }) => ({ connected, reason })).slice(0, 2),
    [{ connected: true, reason: undefined }, { connected: false, reason: 'no frame for 1 s' }],
  );
  const before = frames.length;
  await waitFor('frames again after the restart', () => frames.length > before + 3, 10_000);
  assert.equal(ingest.stats().connected, true);
});

test('resolution change mid-stream still yields fixed-size frames', async (t) => {
  const parts: Buffer[] = [];
  for (const [i, size] of ['320x240', '176x144'].entries()) {
    const out = join(dir, `part${i}.ts`);
    await runTracked('ffmpeg', [
      '-nostdin', '-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc=size=${size}:rate=10:duration=1.5`,
      '-c:v', 'mpeg2video', '-f', 'mpegts', out,
    ], 60_000);
    parts.push(await readFile(out));
  }
  const joined = join(dir, 'joined.ts');
  await writeFile(joined, Buffer.concat(parts));
  const { ingest, frames, statuses } = run(t, camera({ url: joined, detectFps: 10, loop: false }));
  await waitFor('end or failure', () => statuses.some((s) => !s.connected), 15_000);
  assert.ok(frames.length >= 20, `${frames.length} frames from 3 s at 10 fps`);
  assert.ok(frames.every((f) => f.data.length === W * H * 3));
  assert.equal(ingest.stats().ended, true);
});

test('a truncated file does not crash the ingest', async (t) => {
  const whole = await readFile(clip);
  const truncated = join(dir, 'truncated.mp4');
  await writeFile(truncated, whole.subarray(0, Math.floor(whole.length / 2)));
  const { ingest, statuses } = run(t, camera({ url: truncated, detectFps: 10, loop: false }));
  await waitFor('end or failure', () => statuses.some((s) => !s.connected), 15_000);
  await ingest.stop();
  assert.deepEqual(ffmpegChildren(), []);
});

test('ffmpeg dies with the Node process that spawned it', async () => {
  const moduleUrl = new URL('../../src/ingest/camera-ingest.js', import.meta.url).href;
  const logUrl = new URL('../../src/util/log.js', import.meta.url).href;
  const script = `
    import { readdirSync, readFileSync } from 'node:fs';
    import { createCameraIngest } from ${JSON.stringify(moduleUrl)};
    import { silentLogger } from ${JSON.stringify(logUrl)};
    const camera = ${JSON.stringify(camera({ url: clip, detectFps: 0.2 }))};
    const ingest = createCameraIngest({ camera, log: silentLogger(), onFrame: () => {
      const kids = readdirSync('/proc').filter((p) => /^\\d+$/.test(p)).filter((p) => {
        try { return readFileSync('/proc/' + p + '/stat', 'utf8').split(') ')[1].split(' ')[1] === String(process.pid); }
        catch { return false; }
      });
      console.log(kids.join(','));
      process.exit(0);
    } });
    ingest.start();
  `;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(result.status, 0, result.stderr);
  const pids = result.stdout.trim().split(',').filter(Boolean).map(Number);
  assert.equal(pids.length, 1, `children of the fixture: ${result.stdout}`);
  await waitFor('the orphaned ffmpeg to exit', () => !pidsOf('ffmpeg').includes(pids[0]), 1500);
});
