/**
 * Motion gating benchmark (issue 14 (c)): catwatch's detector against a re-implementation of Frigate's default
 * detector (bench/reference/frigate_motion.py, Debian's python3-opencv) on the same decoded frames: every shared clip
 * at 640x360, 5 fps, and three events synthesised with ffmpeg filters on a still scene (the first frame of the
 * "bottles" clip for 20 s, with sensor noise; `still+none` is it without event) — a flash
 * (0.4 s, +40% brightness), the IR switch (grey, flatter, brighter, for good) and a shadow over the left half.
 *
 * Both detectors' boxes go through catwatch's own region builder, so only detection differs; Frigate scores no region
 * while calibrating. Per clip: ms per frame, model calls per frame (regions; the periodic full frame is the same for
 * both and left out), the fraction of frames gated (no region), and cat-box recall: of the frames in which the
 * objectron detector finds a cat in the full frame (prior ≥ 0.5), the share with a region covering ≥ 50% of its box.
 * For the synthesised events: model calls in the 5 s from the event on. catwatch's full frames during a sustained
 * large change count as calls (the periodic full frame does not, for either detector).
 * Usage: node dist/bench/motion-vs-frigate.js [--seconds 20] [--python /usr/bin/python3]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { NormBox, RgbImage } from '../src/image/image.js';
import { createMotionDetector, motionRegions } from '../src/motion/motion-detector.js';
import { defaultMotionConfig } from '../src/config/schema.js';
import { createObjectronBackbone } from '../src/score/backbones/objectron-backbone.js';
import { createLogger } from '../src/util/log.js';
import { printLine } from './backbone-bench.js';
import { repoRoot, videoDir } from '../test/helpers/paths.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '20' }, python: { type: 'string', default: '/usr/bin/python3' } } });
const W = 640;
const H = 360;
const FPS = 5;
const EVENT_S = 4;
const FIT = `fps=${FPS},scale=${W}:${H}:force_original_aspect_ratio=decrease,pad=${W}:${H}:(ow-iw)/2:(oh-ih)/2`;
const EVENTS: Record<string, string> = {
  flash: `eq=brightness=0.4:enable='between(t,${EVENT_S},${EVENT_S + 0.4})'`,
  'ir-switch': `hue=s=0:enable='gte(t,${EVENT_S})',eq=contrast=0.6:brightness=0.2:enable='gte(t,${EVENT_S})'`,
  'half-shadow': `drawbox=x=0:y=0:w=iw/2:h=ih:color=black@0.45:t=fill:enable='gte(t,${EVENT_S})'`,
};

interface PerFrame { regions: NormBox[]; ms: number }
interface Clip { name: string; frames: RgbImage[]; event: boolean }

function decode(file: string, filter: string, dir: string, name: string, inputArgs: string[] = []): RgbImage[] {
  const raw = join(dir, `${name}.rgb`);
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...inputArgs, '-i', file, '-t', values.seconds, '-vf', `${filter}${FIT}`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', raw]);
  const bytes = readFileSync(raw);
  const size = W * H * 3;
  return Array.from({ length: Math.floor(bytes.length / size) }, (_, i) => ({ data: new Uint8Array(bytes.buffer, bytes.byteOffset + i * size, size), width: W, height: H }));
}

function catwatch(frames: readonly RgbImage[]): PerFrame[] {
  const detector = createMotionDetector({ config: defaultMotionConfig(), width: W, height: H });
  return frames.map((frame, i) => {
    const t0 = performance.now();
    const r = detector.detect(frame, (i * 1000) / FPS);
    // A full frame asked for during calibration (sustained large motion) is a model call the periodic one is not.
    return { regions: r.fullFrame && r.calibrating ? [{ x: 0, y: 0, w: 1, h: 1 }] : r.regions, ms: performance.now() - t0 };
  });
}

function frigate(dir: string, name: string): PerFrame[] {
  const out = execFileSync(values.python, [join(repoRoot, 'bench', 'reference', 'frigate_motion.py'), join(dir, `${name}.rgb`), String(W), String(H)], { maxBuffer: 64 << 20 });
  return out.toString().trim().split('\n').map((line) => {
    const r = JSON.parse(line) as { boxes: number[][]; calibrating: boolean; ms: number };
    const boxes = r.boxes.map(([x1, y1, x2, y2]) => ({ x: x1 / W, y: y1 / H, w: (x2 - x1) / W, h: (y2 - y1) / H }));
    return { regions: r.calibrating ? [] : motionRegions(boxes, W, H), ms: r.ms };
  });
}

function covered(box: NormBox, regions: readonly NormBox[]): boolean {
  return regions.some((r) => {
    const w = Math.min(box.x + box.w, r.x + r.w) - Math.max(box.x, r.x);
    const h = Math.min(box.y + box.h, r.y + r.h) - Math.max(box.y, r.y);
    return w > 0 && h > 0 && w * h >= 0.5 * box.w * box.h;
  });
}

function summary(frames: readonly PerFrame[], cats: ReadonlyArray<NormBox | undefined>, event: boolean) {
  const judged = frames.slice(1);
  const catFrames = judged.map((f, i) => ({ f, cat: cats[i + 1] })).filter((x) => x.cat);
  const sorted = judged.map((f) => f.ms).sort((a, b) => a - b);
  const window = frames.slice(EVENT_S * FPS, (EVENT_S + 5) * FPS);
  return {
    msPerFrame: +(sorted.reduce((a, b) => a + b, 0) / sorted.length).toFixed(3),
    callsPerFrame: +(judged.reduce((n, f) => n + f.regions.length, 0) / judged.length).toFixed(3),
    gated: +(judged.filter((f) => f.regions.length === 0).length / judged.length).toFixed(3),
    catRecall: catFrames.length ? `${catFrames.filter((x) => covered(x.cat!, x.f.regions)).length}/${catFrames.length}` : '—',
    eventCalls: event ? window.reduce((n, f) => n + f.regions.length, 0) : undefined,
  };
}

const dir = mkdtempSync(join(tmpdir(), 'catwatch-motion-bench-'));
const log = createLogger({ level: 'warn', pretty: false });
const backbone = await createObjectronBackbone({ log, executionProviders: ['cpu'] });
try {
  const clips: Clip[] = readdirSync(videoDir).filter((f) => f.endsWith('.mp4')).sort()
    .map((f) => ({ name: f.replace(/\.mp4$/, ''), frames: decode(join(videoDir, f), '', dir, f.replace(/\.mp4$/, '')), event: false }));
  // A truly still scene for the events: the bottles clip's first frame for 20 s, with temporal sensor noise.
  const still = join(dir, 'still.png');
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', join(videoDir, 'nocat_bottles_table_intel.mp4'), '-frames:v', '1', still]);
  for (const [event, filter] of Object.entries({ none: '', ...EVENTS })) {
    clips.push({ name: `still+${event}`, frames: decode(still, `noise=alls=6:allf=t,${filter ? `${filter},` : ''}`, dir, `still+${event}`, ['-loop', '1', '-framerate', String(FPS)]), event: true });
  }
  const rows: string[] = [];
  for (const clip of clips) {
    const cats: Array<NormBox | undefined> = [];
    if (clip.name.startsWith('cat_')) for (const out of await backbone.embed(clip.frames)) cats.push(out.prior! >= 0.5 ? out.box : undefined);
    const ours = summary(catwatch(clip.frames), cats, clip.event);
    const theirs = summary(frigate(dir, clip.name), cats, clip.event);
    printLine({ bench: 'motion-vs-frigate', clip: clip.name, frames: clip.frames.length, catwatch: ours, frigate: theirs });
    const cell = (k: keyof typeof ours) => `${ours[k] ?? '—'} / ${theirs[k] ?? '—'}`;
    rows.push(`| ${clip.name} | ${clip.frames.length} | ${cell('msPerFrame')} | ${cell('callsPerFrame')} | ${cell('gated')} | ${cell('catRecall')} | ${cell('eventCalls')} |`);
  }
  process.stdout.write(`\n| clip | frames | ms/frame | model calls/frame | frames gated | cat-box recall | calls in the 5 s after the event |\n|---|---|---|---|---|---|---|\n${rows.join('\n')}\n(catwatch / Frigate)\n`);
} finally {
  await backbone.close();
  rmSync(dir, { recursive: true, force: true });
}
