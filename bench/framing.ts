/**
 * How the scored crops are framed (issue 14): measured with the bundled objectron model on every shared clip,
 * decoded as a camera is (640x360, stretched by ffmpeg's scale, 5 fps, first 20 s).
 *   - Full frame: stretched into the backbone's square (as before), letterboxed (black bars to a square), or two
 *     square tiles (left and right, 80 px overlap at 640x360; the better one counts): share of cat-clip frames at or
 *     above the model's threshold (recall per frame) and of no-cat-clip frames (false positives per frame).
 *   - Motion regions: the margin around each motion box (0.2 = the box's larger side × 1.4, catwatch's default; 0.5 =
 *     × 2, Frigate's): same two shares, over the frames where motion gave regions.
 * Usage: node dist/bench/framing.js [--seconds 20]
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { NormBox, RgbImage } from '../src/image/image.js';
import { cropRgb } from '../src/image/resize-rgb.js';
import { createMotionDetector, motionRegions } from '../src/motion/motion-detector.js';
import { defaultMotionConfig } from '../src/config/schema.js';
import { createObjectronBackbone, OBJECTRON_ID } from '../src/score/backbones/objectron-backbone.js';
import { regionPixels } from '../src/score/score-stage.js';
import { createRegistry } from '../src/registry/registry.js';
import { createTargetModel } from '../src/model/target-model.js';
import { bundledModelsDir } from '../src/util/package-root.js';
import { createLogger } from '../src/util/log.js';
import { printLine } from './backbone-bench.js';
import { videoDir } from '../test/helpers/paths.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '20' } } });
const W = 640;
const H = 360;
const MARGINS = [0.2, 0.35, 0.5];

function decode(file: string): RgbImage[] {
  const bytes = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-t', values.seconds, '-vf', `fps=5,scale=${W}:${H}`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 1 << 30 });
  const size = W * H * 3;
  return Array.from({ length: Math.floor(bytes.length / size) }, (_, i) => ({ data: new Uint8Array(bytes.buffer, bytes.byteOffset + i * size, size), width: W, height: H }));
}

function letterbox(img: RgbImage): RgbImage {
  const side = Math.max(img.width, img.height);
  const data = new Uint8Array(side * side * 3);
  const top = Math.floor((side - img.height) / 2);
  const left = Math.floor((side - img.width) / 2);
  for (let y = 0; y < img.height; y += 1) data.set(img.data.subarray(y * img.width * 3, (y + 1) * img.width * 3), ((top + y) * side + left) * 3);
  return { data, width: side, height: side };
}

const tiles = (img: RgbImage): RgbImage[] => [cropRgb(img, { x: 0, y: 0, w: H, h: H }), cropRgb(img, { x: W - H, y: 0, w: H, h: H })];

const dataDir = mkdtempSync(join(tmpdir(), 'catwatch-framing-'));
const model = createTargetModel(createRegistry({ dataDir, bundledDir: bundledModelsDir() }).loadCurrent(OBJECTRON_ID));
const backbone = await createObjectronBackbone({ log: createLogger({ level: 'warn', pretty: false }), executionProviders: ['cpu'] });
const score = async (images: RgbImage[]): Promise<number> => Math.max(...(await backbone.embed(images)).map((o) => model.score(o)));
type Tally = Record<string, { cat: [number, number]; nocat: [number, number] }>;
const tally: Tally = {};
const count = (key: string, cat: boolean, hit: boolean): void => {
  const t = (tally[key] ??= { cat: [0, 0], nocat: [0, 0] });
  const pair = cat ? t.cat : t.nocat;
  pair[0] += hit ? 1 : 0;
  pair[1] += 1;
};
try {
  for (const file of readdirSync(videoDir).filter((f) => f.endsWith('.mp4')).sort()) {
    const cat = file.startsWith('cat_');
    const motion = createMotionDetector({ config: defaultMotionConfig(), width: W, height: H });
    for (const [i, frame] of decode(join(videoDir, file)).entries()) {
      const boxes = motion.detect(frame, i * 200).motionBoxes;
      if (i % 2 === 0) {
        count('full frame, stretched', cat, (await score([frame])) >= model.threshold);
        count('full frame, letterboxed', cat, (await score([letterbox(frame)])) >= model.threshold);
        count('full frame, 2 square tiles', cat, (await score(tiles(frame))) >= model.threshold);
      }
      for (const margin of MARGINS) {
        const regions: NormBox[] = motionRegions(boxes, W, H, margin);
        if (regions.length === 0) continue;
        count(`motion regions, margin ${margin} (×${1 + 2 * margin})`, cat, (await score(regions.map((r) => cropRgb(frame, regionPixels(frame, r))))) >= model.threshold);
      }
    }
  }
  const rows = Object.entries(tally).map(([key, t]) => {
    printLine({ bench: 'framing', framing: key, catFramesHit: t.cat, noCatFramesHit: t.nocat });
    return `| ${key} | ${t.cat[0]}/${t.cat[1]} (${((100 * t.cat[0]) / t.cat[1]).toFixed(1)}%) | ${t.nocat[0]}/${t.nocat[1]} (${((100 * t.nocat[0]) / t.nocat[1]).toFixed(1)}%) |`;
  });
  process.stdout.write(`\n| framing | cat-clip frames at/above threshold | no-cat-clip frames at/above threshold |\n|---|---|---|\n${rows.join('\n')}\n`);
} finally {
  await backbone.close();
  rmSync(dataDir, { recursive: true, force: true });
}
