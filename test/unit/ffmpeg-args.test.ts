import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configSchema, type CameraConfig } from '../../src/config/schema.js';
import { buildFfmpegArgs, frameBytes, resolveFfmpegInput } from '../../src/ingest/ffmpeg-args.js';

function camera(fields: Record<string, unknown>): CameraConfig {
  return configSchema.parse({ cameras: [{ name: 'yard', ...fields }] }).cameras[0];
}

/** The value after `flag`, or undefined. */
function valueOf(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i < 0 ? undefined : args[i + 1];
}

test('rtsp: tcp transport, socket timeout, input last before the output options', () => {
  const args = buildFfmpegArgs(camera({ url: 'rtsp://u:p@10.0.0.2:554/live', detectFps: 5, width: 640, height: 360 }));
  assert.equal(valueOf(args, '-rtsp_transport'), 'tcp');
  assert.equal(valueOf(args, '-timeout'), '10000000');
  assert.equal(valueOf(args, '-i'), 'rtsp://u:p@10.0.0.2:554/live');
  assert.ok(!args.includes('-re') && !args.includes('-stream_loop'));
  assert.deepEqual(args.slice(args.indexOf('-i') + 2), [
    '-an', '-sn', '-dn', '-vf', 'fps=5,scale=640:360', '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1',
  ]);
  assert.equal(valueOf(args, '-loglevel'), 'warning');
  assert.ok(args.includes('-nostdin'));
});

test('rtsps with udp transport and a custom stall timeout', () => {
  const args = buildFfmpegArgs(camera({ url: 'rtsps://cam/x', stallTimeoutS: 3, ffmpeg: { rtspTransport: 'udp' } }));
  assert.equal(valueOf(args, '-rtsp_transport'), 'udp');
  assert.equal(valueOf(args, '-timeout'), '3000000');
});

test('hwaccel and input args go before -i, hwaccel first', () => {
  const args = buildFfmpegArgs(
    camera({ url: 'rtsp://cam/x', ffmpeg: { hwaccelArgs: ['-hwaccel', 'cuda'], inputArgs: ['-probesize', '32'] } }),
  );
  const hw = args.indexOf('-hwaccel');
  const probe = args.indexOf('-probesize');
  const input = args.indexOf('-i');
  assert.ok(hw >= 0 && hw < probe && probe < input);
  assert.equal(args[hw + 1], 'cuda');
});

test('looped file: -re -stream_loop -1; once: -re only', () => {
  const looped = buildFfmpegArgs(camera({ url: '/videos/cat.mp4', loop: true }));
  assert.ok(looped.includes('-re'));
  assert.equal(valueOf(looped, '-stream_loop'), '-1');
  assert.ok(looped.indexOf('-stream_loop') < looped.indexOf('-i'));
  const once = buildFfmpegArgs(camera({ url: '/videos/cat.mp4', loop: false }));
  assert.ok(once.includes('-re'));
  assert.ok(!once.includes('-stream_loop'));
  assert.ok(!once.includes('-rtsp_transport'));
});

test('file inputs: file:// URLs are decoded, paths get the file: protocol', () => {
  assert.deepEqual(resolveFfmpegInput('file:///tmp/my%20clip.mp4'), { kind: 'file', input: 'file:/tmp/my clip.mp4' });
  assert.deepEqual(resolveFfmpegInput('/tmp/a:b.mp4'), { kind: 'file', input: 'file:/tmp/a:b.mp4' });
  assert.deepEqual(resolveFfmpegInput('clips/-x.mp4'), { kind: 'file', input: 'file:clips/-x.mp4' });
  assert.deepEqual(resolveFfmpegInput('RTSP://cam/x'), { kind: 'rtsp', input: 'RTSP://cam/x' });
});

test('fractional detectFps and frame size', () => {
  const cam = camera({ url: '/v.mp4', detectFps: 2.5, width: 320, height: 240 });
  assert.equal(valueOf(buildFfmpegArgs(cam), '-vf'), 'fps=2.5,scale=320:240');
  assert.equal(frameBytes(cam), 320 * 240 * 3);
});
