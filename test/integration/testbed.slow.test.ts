/**
 * The test bed itself, against the real programs: GStreamer RTSP server + ffmpeg, mosquitto + mqtt.js.
 * Later integration and end-to-end tests rely on every behaviour checked here.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect, connectAsync, type MqttClient } from 'mqtt';
import { decodeFrames, makeClip, makeNoiseFile } from '../helpers/clips.js';
import { isPortOpen } from '../helpers/free-port.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { childrenOf, leftoverProcesses, runTracked } from '../helpers/processes.js';
import { startRtspServer } from '../helpers/rtsp-server.js';
import { devDataDir, videoDir } from '../helpers/paths.js';

const DECODE = { width: 160, height: 120, timeoutMs: 30_000 };

function firstFile(dir: string, pattern: RegExp): string | undefined {
  if (!existsSync(dir)) return undefined;
  const name = readdirSync(dir).filter((entry) => pattern.test(entry)).sort()[0];
  return name === undefined ? undefined : join(dir, name);
}

/** Frame count, size and keyframe count of a file's video stream, as ffprobe reads them. */
async function probe(file: string): Promise<{ width: number; height: number; frames: number; keyframes: number }> {
  const args = ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'frame=key_frame,width,height', '-of', 'json', file];
  const frames = (JSON.parse(await runTracked('ffprobe', args, 60_000)) as {
    frames: Array<{ key_frame: number; width: number; height: number }>;
  }).frames;
  return {
    width: frames[0]?.width ?? 0,
    height: frames[0]?.height ?? 0,
    frames: frames.length,
    keyframes: frames.filter((frame) => frame.key_frame === 1).length,
  };
}

function nextMessage(client: MqttClient, topic: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('message', onMessage);
      reject(new Error(`no message on ${topic} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (received: string, payload: Buffer): void => {
      if (received !== topic) return;
      clearTimeout(timer);
      client.off('message', onMessage);
      resolve(payload.toString());
    };
    client.on('message', onMessage);
  });
}

const mqttOptions = { connectTimeout: 5000, reconnectPeriod: 0 };

describe('test bed', () => {
  let dir: string;
  let clip: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'catwatch-testbed-'));
    clip = await makeClip({ out: join(dir, 'testsrc.mp4'), seconds: 3, fps: 10 });
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('makeClip makes H.264 with the requested size, length and a keyframe every second', async () => {
    assert.deepEqual(await probe(clip), { width: 320, height: 240, frames: 30, keyframes: 3 });
  });

  test('makeClip pans across a still image', { skip: existsSync(join(devDataDir, 'cat')) ? false : 'no dev photos' }, async () => {
    const image = firstFile(join(devDataDir, 'cat'), /\.(jpe?g|png)$/i);
    assert.ok(image, `no photo in ${join(devDataDir, 'cat')}`);
    const out = await makeClip({ out: join(dir, 'still.mp4'), source: image, seconds: 2, fps: 5, width: 160, height: 120 });
    assert.deepEqual(await probe(out), { width: 160, height: 120, frames: 10, keyframes: 2 });
    // The pan moves the picture: the first and last frames differ.
    const framemd5 = await runTracked('ffmpeg', ['-v', 'error', '-i', out, '-vf', 'select=eq(n\\,0)+eq(n\\,9)', '-fps_mode', 'passthrough', '-f', 'framemd5', '-'], 30_000);
    const hashes = framemd5.split('\n').filter((line) => /^\d/.test(line)).map((line) => line.split(',').at(-1)?.trim());
    assert.equal(hashes.length, 2);
    assert.notEqual(hashes[0], hashes[1]);
  });

  test('RTSP server loops a makeClip clip and ffmpeg decodes across the loop', async (t) => {
    const server = await startRtspServer({ file: clip, path: 'cam1' });
    t.after(() => server.stop());
    assert.match(server.url, /^rtsp:\/\/127\.0\.0\.1:\d+\/cam1$/);
    // 45 frames from a 30-frame clip: only a loop that keeps going can deliver them.
    assert.equal(await decodeFrames(server.url, { ...DECODE, count: 45 }), 45);
  });

  test('two clients decode the shared stream at the same time', async (t) => {
    const server = await startRtspServer({ file: clip });
    t.after(() => server.stop());
    const counts = await Promise.all([1, 2].map(() => decodeFrames(server.url, { ...DECODE, count: 15 })));
    assert.deepEqual(counts, [15, 15]);
  });

  test('RTSP server streams a shared downloaded video', { skip: firstFile(videoDir, /\.mp4$/) ? false : `no video in ${videoDir}` }, async (t) => {
    const video = firstFile(videoDir, /\.mp4$/) as string;
    const server = await startRtspServer({ file: video });
    t.after(() => server.stop());
    assert.ok((await decodeFrames(server.url, { ...DECODE, count: 20 })) >= 10);
  });

  test('makeClip re-encodes a downloaded video to the requested size with a keyframe every second', { skip: firstFile(videoDir, /\.mp4$/) ? false : `no video in ${videoDir}` }, async () => {
    const video = firstFile(videoDir, /\.mp4$/) as string;
    const out = await makeClip({ out: join(dir, 'video.mp4'), source: video, seconds: 2, fps: 10, width: 160, height: 120 });
    assert.deepEqual(await probe(out), { width: 160, height: 120, frames: 20, keyframes: 2 });
  });

  test('with loop: false every client gets the clip once, then the stream ends', async (t) => {
    const server = await startRtspServer({ file: clip, loop: false });
    t.after(() => server.stop());
    for (let client = 0; client < 2; client += 1) assert.equal(await decodeFrames(server.url, { ...DECODE, count: 1000 }), 30);
  });

  test('RTSP server stops and restarts on the same port; new clients decode each time', async (t) => {
    let server = await startRtspServer({ file: clip, path: 'cam' });
    const { port, url } = server;
    t.after(() => server.stop());
    for (let round = 0; round < 3; round += 1) {
      await server.stop();
      assert.equal(await isPortOpen(port), false, 'port still open after stop()');
      await assert.rejects(decodeFrames(url, { ...DECODE, count: 1, timeoutMs: 10_000 }), /decoded no frame/);
      server = await startRtspServer({ file: clip, path: 'cam', port });
      assert.equal(server.url, url);
      assert.equal(await decodeFrames(url, { ...DECODE, count: 10 }), 10);
    }
  });

  test('RTSP server start fails with the reason when the file is not a video', async () => {
    const noise = await makeNoiseFile(join(dir, 'noise.mp4'));
    await assert.rejects(startRtspServer({ file: noise }), /did not start[\s\S]*cannot demux/);
    await assert.rejects(startRtspServer({ file: join(dir, 'missing.mp4') }), /file not found/);
  });

  test('mosquitto delivers a published message to a subscriber', async (t) => {
    const broker = await startMosquitto();
    t.after(() => broker.stop());
    const sub = await connectAsync(broker.url, mqttOptions);
    t.after(() => sub.endAsync());
    await sub.subscribeAsync('testbed/hello', { qos: 1 });
    const received = nextMessage(sub, 'testbed/hello', 5000);
    const pub = await connectAsync(broker.url, mqttOptions);
    t.after(() => pub.endAsync());
    await pub.publishAsync('testbed/hello', 'world', { qos: 1 });
    assert.equal(await received, 'world');
  });

  test('mosquitto keeps a QoS 1 message for a disconnected persistent subscriber across restart()', async (t) => {
    const broker = await startMosquitto();
    t.after(() => broker.stop());
    const session = { ...mqttOptions, clientId: 'testbed-persistent', clean: false };
    const first = await connectAsync(broker.url, session);
    await first.subscribeAsync('testbed/queued', { qos: 1 });
    await first.endAsync();

    const pub = await connectAsync(broker.url, mqttOptions);
    await pub.publishAsync('testbed/queued', 'while-away', { qos: 1 });
    await pub.endAsync();

    await broker.restart();
    // The queued message can arrive right after CONNACK: listen before connecting.
    const second = connect(broker.url, session);
    t.after(() => second.endAsync());
    const received = nextMessage(second, 'testbed/queued', 10_000);
    const connack = await new Promise<{ sessionPresent: boolean }>((resolve, reject) => {
      second.once('connect', resolve);
      second.once('error', reject);
    });
    assert.equal(connack.sessionPresent, true);
    assert.equal(await received, 'while-away');
  });

  test('mosquitto with a username refuses anonymous clients and accepts the user', async (t) => {
    const broker = await startMosquitto({ username: 'cat', password: 's3cret' });
    t.after(() => broker.stop());
    await assert.rejects(connectAsync(broker.url, mqttOptions), /Not authorized/);
    const client = await connectAsync(broker.url, { ...mqttOptions, username: 'cat', password: 's3cret' });
    await client.endAsync();
  });

  test('no process started by the helpers is left behind', () => {
    assert.deepEqual(leftoverProcesses(), []);
    assert.deepEqual(childrenOf(process.pid), []);
  });
});
