import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import sharp from 'sharp';
import type { ServerResponse } from 'node:http';
import { parseConfig } from '../../src/config/load-config.js';
import type { Frame } from '../../src/ingest/frame.js';
import { createLiveView } from '../../src/web/live-view.js';
import { silentLogger } from '../../src/util/log.js';
import { pollUntil } from '../helpers/poll.js';

/** A response that records what is written to it (the live view only writes and listens for 'close'). */
function viewer() {
  const res = new EventEmitter() as EventEmitter & { parts: Buffer[]; headers?: Record<string, string>; writableLength: number; writeHead: (s: number, h: Record<string, string>) => void; write: (b: Buffer) => boolean };
  res.parts = [];
  res.writableLength = 0;
  res.writeHead = (_status, headers) => void (res.headers = headers);
  res.write = (b: Buffer) => res.parts.push(b) > 0;
  return res;
}

const frame = (seq: number): Frame => ({ camera: 'yard', seq, capturedAtMs: seq, width: 128, height: 72, data: new Uint8Array(128 * 72 * 3).fill(seq % 255) });

test('live view: one JPEG per tick shared by every viewer, scaled; nothing kept or encoded without viewers', async () => {
  const config = parseConfig({ http: { liveFps: 20, liveWidthPx: 64 } }, { baseDir: '/tmp', env: {} });
  const live = createLiveView({ config: () => config, log: silentLogger() });
  live.offer(frame(1));
  const [a, b] = [viewer(), viewer()];
  assert.ok(live.subscribe('yard', a as unknown as ServerResponse));
  assert.ok(live.subscribe('yard', b as unknown as ServerResponse));
  assert.match(a.headers?.['content-type'] ?? '', /^multipart\/x-mixed-replace; boundary=catwatch-frame$/);
  for (let seq = 2; seq < 40; seq++) {
    live.offer(frame(seq));
    live.scored('yard', { x: 0.25, y: 0.25, w: 0.5, h: 0.5 });
    await new Promise((r) => setTimeout(r, 15));
  }
  await pollUntil('3 parts', 5000, async () => (a.parts.length >= 3 ? true : undefined));
  assert.equal(live.stats().encoded, Math.max(a.parts.length, b.parts.length), 'each part encoded once for both viewers');
  assert.ok(Math.abs(a.parts.length - b.parts.length) <= 1);
  const part = a.parts[0];
  assert.ok(part.subarray(0, 200).toString('latin1').startsWith('--catwatch-frame\r\nContent-Type: image/jpeg\r\n'));
  const jpeg = part.subarray(part.indexOf('\r\n\r\n') + 4, part.length - 2);
  const meta = await sharp(jpeg).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 64, 36], 'scaled to http.liveWidthPx, aspect kept');
  const encodedBefore = live.stats().encoded;
  a.emit('close');
  b.emit('close');
  assert.equal(live.stats().viewers, 0);
  for (let seq = 40; seq < 50; seq++) live.offer(frame(seq));
  await new Promise((r) => setTimeout(r, 200));
  assert.ok(live.stats().encoded <= encodedBefore + 1, 'no viewers: no more encoding (at most the one in flight)');
});
