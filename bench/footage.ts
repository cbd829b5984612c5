/**
 * Decisions on camera footage (issue 24): every shared clip replayed through the pipeline code (motion gating, region
 * scoring, tracks, track evidence) with the bundled model, then
 *   1. leave-one-source-out: for each source repository of the clips, the operating point is chosen without that
 *      source's clips (near-class photos + the other sources' cat-free footage) and the held-out clips are judged at
 *      it: tracks that would start an event on a cat-free clip, the time to the first event on a cat clip;
 *   2. the operating point from every clip (what ships in the bundled manifest, with --write), then each clip
 *      replayed for real at it: events per clip, false events per camera-hour, cat clips found, time to first event;
 *      and, to show what the operating point adds to the tracks, the events at the photo threshold;
 *   3. the photo figures at that point (reference photos the head never trained on): cat recall, near-class FPR.
 * The model's head is not retrained per source here: training uses photos only, so only the calibration can see
 * footage, and that is what is left out.
 * Usage: node dist/bench/footage.js [--write] [--budget 0.5] [--margin 1] [--near-fpr 0.005]
 */
import { readdirSync, readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfig } from '../src/config/load-config.js';
import { createRegistry } from '../src/registry/registry.js';
import { createTargetModel } from '../src/model/target-model.js';
import { bundledModelsDir } from '../src/util/package-root.js';
import { createLogger } from '../src/util/log.js';
import { createObjectronBackbone, OBJECTRON_ID } from '../src/score/backbones/objectron-backbone.js';
import { loadShippedDataset } from '../src/train/shipped-dataset.js';
import { nearPhotoScores, NEAR_CLASS_SUBCATEGORIES, shareAbove } from '../src/train/near-photos.js';
import { chooseOperatingPoint } from '../src/train/operating-point.js';
import { CAMERA_CONDITIONS, type CameraCondition } from '../src/image/camera-condition.js';
import { clipTracks, firstAbove, tracksAbove, type ClipTracks } from '../src/replay/footage-tracks.js';
import { replayClip } from '../src/replay/replay-clip.js';
import type { OperatingPoint } from '../src/model/operating-point.js';
import { sharedDir, videoDir } from '../test/helpers/paths.js';

const { values } = parseArgs({ options: { write: { type: 'boolean' }, budget: { type: 'string', default: '0.5' }, margin: { type: 'string', default: '1' }, 'near-fpr': { type: 'string', default: '0.005' } } });
const budgetPerHour = Number(values.budget);
const marginLogit = Number(values.margin);
const nearPhotoFpr = Number(values['near-fpr']);

/** Clip → source repository, read from SOURCES.md ("same repo" rows take the row above's). */
function clipSources(): Map<string, string> {
  const out = new Map<string, string>();
  let last = '';
  for (const line of readFileSync(join(sharedDir, 'data', 'SOURCES.md'), 'utf8').split('\n')) {
    const m = /^\| (\S+\.mp4) \| ([^|]+)\|/.exec(line);
    if (!m) continue;
    const cell = m[2].trim();
    last = cell.startsWith('same') ? last : cell.split(' @')[0];
    out.set(m[1], last);
  }
  return out;
}

const registry = createRegistry({ dataDir: mkdtempSync(join(tmpdir(), 'catwatch-footage-')), bundledDir: bundledModelsDir() });
const bundled = registry.loadCurrent(OBJECTRON_ID);
const model = createTargetModel(bundled);
const dataset = loadShippedDataset(bundled.dir);
if (!dataset || !model.parts) throw new Error('the bundled model has no shipped dataset or is not a v2 model');
const backbone = await createObjectronBackbone({ log: createLogger({ level: 'warn', pretty: false }), executionProviders: ['cpu'] });
const config = parseConfig({ cameras: [{ name: 'replay', url: 'replay.mp4' }] }, { baseDir: process.cwd(), env: {} });
const camera = config.cameras[0];
const deps = { config, camera, model, embed: (images: Parameters<typeof backbone.embed>[0]) => backbone.embed(images) };
const rule = { minHits: config.events.minHits, windowFrames: config.events.windowFrames };
const near = nearPhotoScores(dataset, model.parts);
const nearNight = nearPhotoScores(dataset, model.parts, 'night-ir');
const sources = clipSources();

const clips: Array<ClipTracks & { source: string; cat: boolean; path: string }> = [];
for (const name of readdirSync(videoDir).filter((f) => f.endsWith('.mp4')).sort()) {
  const source = sources.get(name);
  if (!source) throw new Error(`${name}: no source in SOURCES.md (never tune on footage you cannot name the source of)`);
  const path = join(videoDir, name);
  clips.push({ ...(await clipTracks(path, deps)), source, cat: name.startsWith('cat_'), path });
  process.stderr.write(`replayed ${name}\n`);
}

const pointFrom = (use: typeof clips): OperatingPoint => chooseOperatingPoint({ nearPhotoScores: near, nearNightPhotoScores: nearNight, nearPhotoFpr, negatives: use.filter((c) => !c.cat), budgetPerHour, marginLogit, rule });
const say = (line: string): void => void process.stdout.write(`${line}\n`);
const fmt = (x: number | null) => (x === null ? '—' : x.toFixed(1));

say(`\n### Leave one source out (budget ${budgetPerHour}/camera-hour, margin ${marginLogit} logit, near-class photo FPR ${nearPhotoFpr})\n`);
say('| held-out source | clip | mode | day / night threshold | tracks that would alarm | cat found, first event after |');
say('|---|---|---|---|---|---|');
let looFalse = 0;
let looCatsFound = 0;
for (const source of [...new Set(clips.map((c) => c.source))]) {
  const point = pointFrom(clips.filter((c) => c.source !== source));
  for (const c of clips.filter((x) => x.source === source)) {
    const threshold = c.mode === 'night' ? point.night : point.day;
    const first = firstAbove(c, threshold);
    const alarms = c.cat ? '' : String(tracksAbove(c, threshold));
    if (!c.cat) looFalse += tracksAbove(c, threshold);
    if (c.cat && first !== null) looCatsFound++;
    say(`| ${source} | ${c.clip} | ${c.mode} | ${point.day.toFixed(3)} / ${point.night.toFixed(3)} | ${alarms} | ${c.cat ? (first === null ? 'MISSED' : `yes, ${fmt(first)} s`) : ''} |`);
  }
}
const catClips = clips.filter((c) => c.cat).length;
say(`\nLeave one source out: ${looFalse} track(s) alarming on cat-free clips, ${looCatsFound}/${catClips} cat clips found.`);

const point = pointFrom(clips);
say(`\n### Operating point from every clip: day ${point.day.toFixed(4)}, night ${point.night.toFixed(4)}\n`);
say(JSON.stringify(point.calibration));
const replayModel = { ...model, eventThreshold: (mode: 'day' | 'night') => (mode === 'night' ? point.night : point.day) };
say('\n| clip | mode | events | false events per camera-hour | first event after (s) | events at the photo threshold (same tracks and rule) |');
say('|---|---|---|---|---|---|');
let falseEvents = 0;
let hours = 0;
for (const c of clips) {
  const { summary, events } = await replayClip({ clip: c.path, camera, config: { ...config, mine: { ...config.mine, enabled: false } }, model: replayModel, embed: deps.embed });
  const before = await replayClip({ clip: c.path, camera, config: { ...config, mine: { ...config.mine, enabled: false } }, model: { ...model, eventThreshold: () => model.threshold }, embed: deps.embed });
  const first = events.find((e) => e.type === 'new');
  if (!c.cat) {
    falseEvents += summary.events;
    hours += summary.durationS / 3600;
  }
  say(`| ${c.clip} | ${c.mode} | ${summary.events} | ${c.cat ? '' : (summary.events / (summary.durationS / 3600)).toFixed(1)} | ${c.cat ? fmt(first ? first.start_time : null) : ''} | ${before.summary.events} |`);
}
say(`\nAll cat-free clips: ${falseEvents} false event(s) in ${(hours * 60).toFixed(1)} min = ${(falseEvents / hours).toFixed(1)} per camera-hour.`);

const nearAt = (t: number, c?: CameraCondition) => shareAbove(dataset, model.parts!, t, (it) => it.label === 0 && NEAR_CLASS_SUBCATEGORIES.has(it.subcategory), c);
const farAt = (t: number, c?: CameraCondition) => shareAbove(dataset, model.parts!, t, (it) => it.label === 0 && !NEAR_CLASS_SUBCATEGORIES.has(it.subcategory), c);
const catAt = (t: number, c?: CameraCondition) => shareAbove(dataset, model.parts!, t, (it) => it.label === 1, c);
say('\nReference photos (never trained on, both halves), one frame each (an event needs a track median):\n');
say('| photos | threshold | cat recall | near-class FP | far FP |');
say('|---|---|---|---|---|');
const atThreshold = (name: string, t: number, c?: CameraCondition) => {
  const pct = (r: { share: number; items: number }) => `${(100 * r.share).toFixed(1)}% of ${r.items}`;
  say(`| ${name} | ${t.toFixed(4)} | ${pct(catAt(t, c))} | ${pct(nearAt(t, c))} | ${pct(farAt(t, c))} |`);
};
atThreshold('clean, photo threshold', model.threshold);
atThreshold('clean, day operating point', point.day);
for (const c of CAMERA_CONDITIONS) atThreshold(`${c}, ${c === 'night-ir' ? 'night' : 'day'} operating point`, c === 'night-ir' ? point.night : point.day, c);

if (values.write) {
  const file = join(bundled.dir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  writeFileSync(file, `${JSON.stringify({ ...manifest, operatingPoint: point }, null, 2)}\n`);
  say(`\nwrote the operating point into ${file}`);
}
await backbone.close();
