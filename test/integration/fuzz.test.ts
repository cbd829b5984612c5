/**
 * A seeded, reproducible fuzz suite over catwatch's input boundaries (issue 15): config files, MQTT command payloads
 * (through the real handler on a real sample store), image files and camera streams (the real ffmpeg command line).
 * Every input must end either accepted or refused with catwatch's own coded error naming the problem; nothing may
 * throw anything else, leave an unhandled rejection, or grow memory without bound. `FUZZ_SEED` replays another run.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { parseConfigText } from '../../src/config/load-config.js';
import { configSchema } from '../../src/config/schema.js';
import { decodeImage } from '../../src/image/decode-image.js';
import { createSampleCommandHandler } from '../../src/mine/sample-command.js';
import { clipFrames } from '../../src/replay/clip-frames.js';
import { openDatabase } from '../../src/store/database.js';
import { createSampleStore } from '../../src/store/sample-store.js';
import { CatwatchError } from '../../src/util/errors.js';
import { capturingLogger } from '../helpers/log-capture.js';
import { fixturesDir } from '../helpers/paths.js';
// mulberry32: small, fast, and the same sequence for the same seed on every machine.
import { rng } from '../helpers/synthetic-frames.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261202);
const CONFIGS = 4000;
const PAYLOADS = 4000;
const IMAGES = 2000;
const STREAMS = 24;
const MAX_LOG_LINE_BYTES = 2048;


const TOKENS = [
  ':', '- ', '[', ']', '{', '}', '"', "'", '\0', '\t', '\n', '&a ', '*a', '!!binary ', '!!js/function ', '<<: *a', '~', 'null',
  '1e999', '-1', '0x1F', 'NaN', '.inf', '99999999999999999999', 'true', 'rtsp://u:p@h/x', 'file://host/x', '../../etc/passwd',
  '\u202e', '\ud800', '%', '@', '#', '|', '>', '? ', '---', '...', 'cameras:', 'url:', 'mqtt:', 'name: a',
];

/** Mutates a text by 1-4 edits: flip a character, insert a token, delete a span, duplicate a line, cut the end. */
function mutateText(text: string, r: () => number): string {
  let out = text;
  const edits = 1 + Math.floor(r() * 4);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(r() * (out.length + 1));
    switch (Math.floor(r() * 5)) {
      case 0: out = out.slice(0, at) + String.fromCharCode(Math.floor(r() * 0x3000)) + out.slice(at + 1); break;
      case 1: out = out.slice(0, at) + TOKENS[Math.floor(r() * TOKENS.length)] + out.slice(at); break;
      case 2: out = out.slice(0, at) + out.slice(at + Math.floor(r() * 40)); break;
      case 3: {
        const lines = out.split('\n');
        const k = Math.floor(r() * lines.length);
        lines.splice(k, 0, lines[k]);
        out = lines.join('\n');
        break;
      }
      default: out = out.slice(0, at);
    }
  }
  return out;
}

function mutateBytes(bytes: Buffer, r: () => number): Buffer {
  const out = Buffer.from(bytes);
  const kind = Math.floor(r() * 4);
  if (kind === 0) return out.subarray(0, Math.floor(r() * out.length));
  const flips = 1 + Math.floor(r() * 20);
  // Flips cluster near the start half the time: that is where headers, sizes and tables live.
  for (let i = 0; i < flips; i++) out[Math.floor(r() * (kind === 1 ? Math.min(out.length, 600) : out.length))] = Math.floor(r() * 256);
  if (kind === 3) return Buffer.concat([out, Buffer.from(Array.from({ length: Math.floor(r() * 256) }, () => Math.floor(r() * 256)))]);
  return out;
}

const VALID_CONFIG = `# a realistic config
log: { level: info }
dataDir: ./state
cameras:
  - name: yard
    url: rtsp://viewer:s3cret@192.168.1.20:554/h264Preview_01_sub
    detectFps: 5
    motion:
      threshold: 25
      masks:
        - { x: 0, y: 0, w: 0.3, h: 0.1 }
        - points: [[0.5, 0.5], [0.9, 0.5], [0.7, 0.9]]
  - name: porch
    url: file:///var/lib/clips/porch.mp4
mqtt:
  url: mqtts://catwatch:hunter2@broker.local:8883
  baseTopic: catwatch
model: { backbone: auto, threshold: 0.6 }
events: { quietPeriodS: 30 }
train: { schedule: "03:30" }
http: { port: 8089 }
`;

interface Tally { accepted: number; refused: Record<string, number> }
const tally = (): Tally => ({ accepted: 0, refused: {} });
const refuse = (t: Tally, code: string): void => void (t.refused[code] = (t.refused[code] ?? 0) + 1);
const total = (t: Tally): number => t.accepted + Object.values(t.refused).reduce((a, b) => a + b, 0);

let unhandled = 0;
const onUnhandled = (): void => void unhandled++;
let rssStartMb = 0;
const dir = mkdtempSync(join(tmpdir(), 'catwatch-fuzz-'));
before(() => {
  process.on('unhandledRejection', onUnhandled);
  rssStartMb = process.memoryUsage().rss / 2 ** 20;
});
after(() => {
  process.off('unhandledRejection', onUnhandled);
  rmSync(dir, { recursive: true, force: true });
});

/** The coded error every refusal must be; anything else (a TypeError, a RangeError) is a crash. */
function codeOf(err: unknown, allowed: readonly string[], input: string): string {
  assert.ok(err instanceof CatwatchError, `not a catwatch error for input ${JSON.stringify(input.slice(0, 300))}: ${String(err)}`);
  assert.ok(allowed.includes(err.code), `unexpected code ${err.code}: ${err.message}`);
  assert.ok(err.message.length > 0);
  return err.code;
}

test(`fuzz: ${CONFIGS} mutated config files are accepted or refused with E_CONFIG_*, never a crash; secrets never in the message`, (t) => {
  assert.ok(configSchema.safeParse({}).success);
  const r = rng(SEED);
  const result = tally();
  for (let i = 0; i < CONFIGS; i++) {
    const text = i === 0 ? VALID_CONFIG : i === 1 ? `a: &a [${'*a,'.repeat(50)}]\nb: &b [${'*a,'.repeat(200)}]\n` : mutateText(VALID_CONFIG, r);
    try {
      parseConfigText(text, join(dir, 'catwatch.yml'), {});
      result.accepted++;
    } catch (err) {
      refuse(result, codeOf(err, ['E_CONFIG_PARSE', 'E_CONFIG_INVALID'], text));
      const shown = `${(err as CatwatchError).message} ${JSON.stringify((err as CatwatchError & { details?: unknown }).details ?? '')}`;
      assert.ok(!/s3cret|hunter2/.test(shown), `a password in the error: ${shown.slice(0, 400)}`);
    }
  }
  t.diagnostic(`configs: ${JSON.stringify(result)}`);
  assert.equal(total(result), CONFIGS);
  assert.ok(result.accepted > 0 && Object.keys(result.refused).length === 2, 'the mutations reach both the YAML parser and the schema');
});

test(`fuzz: ${PAYLOADS} hostile samples/set payloads through the real handler and store: one bounded log line each, labels only from valid ones`, (t) => {
  const dataDir = mkdtempSync(join(dir, 'store-'));
  const db = openDatabase(dataDir);
  const { log, lines } = capturingLogger('info');
  const store = createSampleStore({ db, dataDir, log });
  const handle = createSampleCommandHandler({ store, log });
  const r = rng(SEED + 1);
  const shapes: Array<() => string> = [
    () => JSON.stringify({ id: Math.floor(r() * 10) - 2, label: ['negative', 'positive', 'rejected', 'mined', 'NEGATIVE', ''][Math.floor(r() * 6)] }),
    () => JSON.stringify(Object.fromEntries(Array.from({ length: Math.floor(r() * 5000) }, (_, k) => [`k${k}`, k]))),
    () => `{"id": ${'['.repeat(Math.floor(r() * 5000))}`,
    () => mutateText('{"id": 3, "label": "negative"}', r),
    () => String.fromCharCode(...Array.from({ length: Math.floor(r() * 200) }, () => Math.floor(r() * 0xd7ff))),
    () => JSON.stringify({ id: 1e308, label: 'negative', __proto__: { polluted: true }, constructor: { prototype: { x: 1 } } }),
    () => `"${'a'.repeat(Math.floor(r() * 60_000))}"`,
  ];
  try {
    for (let i = 0; i < PAYLOADS; i++) {
      const before = lines.length;
      handle(Buffer.from(shapes[Math.floor(r() * shapes.length)](), 'utf8'));
      assert.equal(lines.length - before, 1, 'each payload is answered by exactly one log line');
      const line = JSON.stringify(lines.at(-1));
      assert.ok(line.length <= MAX_LOG_LINE_BYTES, `log line of ${line.length} bytes`);
    }
    const byMessage: Record<string, number> = {};
    for (const line of lines) byMessage[line.msg] = (byMessage[line.msg] ?? 0) + 1;
    t.diagnostic(`payloads: ${JSON.stringify(byMessage)}`);
    assert.equal(Object.values(byMessage).reduce((a, b) => a + b, 0), PAYLOADS);
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');
  } finally {
    db.close();
  }
});

test(`fuzz: ${IMAGES} corrupted JPEG/PNG files decode or fail with E_IMAGE_DECODE; a decompression bomb is refused`, async (t) => {
  const png = readFileSync(join(fixturesDir, 'chelsea.png'));
  const jpeg = await sharp(png).jpeg({ quality: 80 }).toBuffer();
  // A valid PNG header claiming 60000 x 60000 pixels, with almost no data behind it.
  const bomb = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#000' } }).png().toBuffer();
  bomb.writeUInt32BE(60000, 16);
  bomb.writeUInt32BE(60000, 20);
  const r = rng(SEED + 2);
  const result = tally();
  for (let i = 0; i < IMAGES; i++) {
    const input = i === 0 ? bomb : mutateBytes(i % 2 === 0 ? jpeg : png, r);
    try {
      const img = await decodeImage(input);
      assert.equal(img.data.length, img.width * img.height * 3);
      assert.ok(img.width <= 640 && img.height <= 640);
      result.accepted++;
    } catch (err) {
      refuse(result, codeOf(err, ['E_IMAGE_DECODE'], `image #${i}`));
    }
    if (i === 0) assert.equal(result.accepted, 0, 'the bomb is refused');
  }
  t.diagnostic(`images: ${JSON.stringify(result)}`);
  assert.equal(total(result), IMAGES);
});

test(`fuzz: ${STREAMS} garbage camera streams through the real ffmpeg command line end in E_REPLAY_CLIP or frames, never a hang`, async (t) => {
  const clip = readFileSync(join(fixturesDir, 'demo-cat.mp4'));
  const camera = configSchema.parse({ cameras: [{ name: 'fuzz', url: '/x.mp4', detectFps: 5 }] }).cameras[0];
  const r = rng(SEED + 3);
  const result = tally();
  for (let i = 0; i < STREAMS; i++) {
    const file = join(dir, `stream-${i}.mp4`);
    const random = Buffer.from(Array.from({ length: 1000 + Math.floor(r() * 50_000) }, () => Math.floor(r() * 256)));
    writeFileSync(file, i % 3 === 0 ? random : mutateBytes(clip, r));
    let frames = 0;
    try {
      for await (const frame of clipFrames(camera, file)) {
        assert.equal(frame.data.length, camera.width * camera.height * 3);
        if (++frames >= 10) break;
      }
      result.accepted++;
    } catch (err) {
      refuse(result, codeOf(err, ['E_REPLAY_CLIP'], file));
      assert.match((err as Error).message, /cannot be decoded/);
    }
  }
  t.diagnostic(`streams: ${JSON.stringify(result)}`);
  assert.equal(total(result), STREAMS);
  assert.ok((result.refused.E_REPLAY_CLIP ?? 0) > 0, 'pure noise is refused');
});

test('fuzz: no unhandled rejection, memory bounded', async (t) => {
  await new Promise((resolve) => setImmediate(resolve));
  const rssMb = process.memoryUsage().rss / 2 ** 20;
  t.diagnostic(`inputs: ${CONFIGS + PAYLOADS + IMAGES + STREAMS}, seed ${SEED}, RSS ${rssStartMb.toFixed(0)} → ${rssMb.toFixed(0)} MB, unhandled rejections ${unhandled}`);
  assert.equal(unhandled, 0);
  assert.ok(rssMb - rssStartMb < 400, `RSS grew by ${(rssMb - rssStartMb).toFixed(0)} MB`);
});
