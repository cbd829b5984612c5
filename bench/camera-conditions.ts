/**
 * Where the camera conditions' ranges come from: `npm run bench -- camera-conditions`.
 * Measures brightness, contrast, noise, sharpness and colour (src/image/image-stats.ts) on one frame per second of
 * every shared clip, grouped by what the clip shows (IR night, dusk/night in colour, daylight), and on every 40th dev
 * photo as it is and under each condition of src/train/camera-conditions.ts. A condition is right when its photos
 * land where the footage it imitates lands. Writes bench/results/camera-conditions.md.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeImage } from '../src/image/decode-image.js';
import { imageStats, type ImageStats } from '../src/image/image-stats.js';
import { applyCondition } from '../src/train/camera-conditions.js';
import { CAMERA_CONDITIONS } from '../src/image/camera-condition.js';
import { DEV_DIR, SHARED_DIR, devItems } from './dev-embeddings.js';

const KEYS = ['lumaMean', 'lumaStd', 'noiseSigma', 'sharpness', 'colourSpread'] as const;
type Sum = { n: number } & Record<(typeof KEYS)[number], number>;

/** The clips by what they show; a clip in none of the night groups is daylight. */
const NIGHT_IR = /_ir_/;
const NIGHT_COLOUR = /parking_lot_night|roadside_car_day/;

function add(sum: Sum | undefined, s: ImageStats): Sum {
  const out = sum ?? { n: 0, lumaMean: 0, lumaStd: 0, noiseSigma: 0, sharpness: 0, colourSpread: 0 };
  out.n++;
  for (const k of KEYS) out[k] += s[k];
  return out;
}

function clipFramesPerSecond(path: string): ImageStats[] {
  const probe = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', path], { encoding: 'utf8' });
  const [width, height] = probe.stdout.trim().split(',').map(Number);
  const raw = spawnSync('ffmpeg', ['-v', 'error', '-i', path, '-vf', 'fps=1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 1 << 30 });
  if (raw.status !== 0 || !(width > 0)) throw new Error(`${path}: cannot be decoded`);
  const bytes = width * height * 3;
  return Array.from({ length: Math.floor(raw.stdout.length / bytes) }, (_, k) => imageStats({ data: new Uint8Array(raw.stdout.buffer, raw.stdout.byteOffset + k * bytes, bytes), width, height }));
}

async function main(): Promise<void> {
  const groups = new Map<string, Sum>();
  const videoDir = join(SHARED_DIR, 'data', 'video');
  for (const name of readdirSync(videoDir).filter((f) => f.endsWith('.mp4')).sort()) {
    const group = NIGHT_IR.test(name) ? 'footage: IR night' : NIGHT_COLOUR.test(name) ? 'footage: dusk / night in colour' : 'footage: daylight';
    for (const s of clipFramesPerSecond(join(videoDir, name))) groups.set(group, add(groups.get(group), s));
  }
  const photos = devItems().filter((i) => !i.ref.startsWith('package:')).filter((_, i) => i % 40 === 0);
  for (const [n, item] of photos.entries()) {
    const image = await decodeImage(readFileSync(item.ref));
    groups.set('photos: clean', add(groups.get('photos: clean'), imageStats(image)));
    for (const condition of CAMERA_CONDITIONS) {
      const changed = await applyCondition(image, condition, n + 1);
      groups.set(`photos: ${condition}`, add(groups.get(`photos: ${condition}`), imageStats(changed.image)));
    }
  }
  const lines = [
    '# Camera conditions: footage against conditioned photos',
    '',
    `Produced by \`npm run bench -- camera-conditions\`: one frame per second of every clip in ${videoDir.replace(SHARED_DIR, '../shared')},`,
    `every 40th photo of ${DEV_DIR.replace(SHARED_DIR, '../shared')} (${photos.length}) as it is and under each condition. Means; each at its own`,
    'resolution. sharpness = mean |Laplacian| per luma level of contrast; colour spread = p99 of max-min of R, G, B.',
    '',
    '| set | frames / photos | mean luma | luma std | noise sigma | sharpness | colour spread p99 |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const [name, s] of [...groups.entries()]) lines.push(`| ${name} | ${s.n} | ${KEYS.map((k) => (s[k] / s.n).toFixed(k === 'sharpness' ? 3 : 1)).join(' | ')} |`);
  const text = `${lines.join('\n')}\n`;
  mkdirSync(join(process.cwd(), 'bench', 'results'), { recursive: true });
  writeFileSync(join(process.cwd(), 'bench', 'results', 'camera-conditions.md'), text);
  process.stdout.write(text);
}

await main();
