/**
 * Per-region cost of every backbone and runtime, side by side in one run (issue 14 (a)): a region is a crop of a
 * 640x360 frame, as the scoring stage hands it over, so "end to end" = resize + inference + decoding the outputs.
 *   - one thread: wall and CPU ms per region, batches of 1, 4 and 8 (ONNX) — what one scoring worker costs;
 *   - the scoring pool with one worker per core (2 here), batch 8, all regions queued: regions per second.
 * Usage: node dist/bench/backbone-cost.js [--regions 48] [--pool-regions 240] [--skip centernet,...]
 * Prints one JSON line per measurement, then a markdown table.
 */
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Backbone } from '../src/model/backbone.js';
import type { RgbImage } from '../src/image/image.js';
import { decodeImage } from '../src/image/decode-image.js';
import { resizeRgb, cropRgb } from '../src/image/resize-rgb.js';
import { createBackbone } from '../src/score/create-backbone.js';
import type { BackboneSpec } from '../src/score/backbone-spec.js';
import { createScorePool } from '../src/score/score-pool.js';
import { createLogger } from '../src/util/log.js';
import { evenlySpaced, printLine } from './backbone-bench.js';
import { devDataDir, modelsMirrorDir } from '../test/helpers/paths.js';

const { values } = parseArgs({
  options: {
    regions: { type: 'string', default: '48' },
    'pool-regions': { type: 'string', default: '240' },
    skip: { type: 'string', default: '' },
  },
});
const log = createLogger({ level: 'warn', pretty: false });
const mobilenet = join(modelsMirrorDir, 'mobilenetv2-12-int8.onnx');

interface Case { name: string; runtime: string; spec: BackboneSpec; batches: number[] }
const CASES: Case[] = [
  { name: 'objectron', runtime: 'onnxruntime-cpu (converted)', spec: { kind: 'objectron', engine: 'onnxruntime', executionProviders: ['cpu'], threads: 1 }, batches: [1, 4, 8] },
  { name: 'objectron', runtime: 'tflite-wasm', spec: { kind: 'objectron', engine: 'tflite-wasm', executionProviders: ['cpu'], threads: 1 }, batches: [1] },
  ...(existsSync(mobilenet) ? [{ name: 'mobilenetv2-12-int8', runtime: 'onnxruntime-cpu', spec: { kind: 'onnx-mobilenetv2', modelPath: mobilenet, executionProviders: ['cpu'], threads: 1 } as BackboneSpec, batches: [1, 4, 8] }] : []),
  { name: 'centernet', runtime: 'tfjs-wasm', spec: { kind: 'tfjs-centernet', prefer: 'wasm', threads: 1 }, batches: [1] },
];

/** Crops of about a third of a 640x360 frame around its centre, as motion regions are. */
async function regions(count: number): Promise<RgbImage[]> {
  const files = [...evenlySpaced(join(devDataDir, 'cat'), count / 2), ...evenlySpaced(join(devDataDir, 'notcat', 'scene'), count / 2)];
  return Promise.all(files.map(async (file) => cropRgb(resizeRgb(await decodeImage(file), 640, 360), { x: 200, y: 60, w: 240, h: 240 })));
}

const round = (x: number): number => Math.round(x * 100) / 100;

async function oneThread(backbone: Backbone, crops: readonly RgbImage[], batch: number): Promise<{ wallMs: number; cpuMs: number }> {
  await backbone.embed(crops.slice(0, batch));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < crops.length; i += batch) await backbone.embed(crops.slice(i, i + batch));
  const cpu = process.cpuUsage(cpu0);
  return { wallMs: (performance.now() - t0) / crops.length, cpuMs: (cpu.user + cpu.system) / 1000 / crops.length };
}

async function poolRate(spec: BackboneSpec, crops: readonly RgbImage[], total: number): Promise<number> {
  const pool = createScorePool({ spec, log, workers: 0, batchSize: 8, queueMax: total });
  await pool.start();
  try {
    await pool.embed(crops.slice(0, 8));
    const all = Array.from({ length: total }, (_, i) => crops[i % crops.length]);
    const t0 = performance.now();
    await Promise.all(all.map((img) => pool.embed([img])));
    return total / ((performance.now() - t0) / 1000);
  } finally {
    await pool.stop();
  }
}

const crops = await regions(Number(values.regions));
const skip = new Set(values.skip.split(',').filter(Boolean));
const resizeT0 = performance.now();
for (const c of crops) resizeRgb(c, 300, 300);
const resizeMs = (performance.now() - resizeT0) / crops.length;
printLine({ measure: 'resize 240x240 → 300x300 (pure JS, per region)', ms: round(resizeMs) });
const rows: string[] = [];
for (const c of CASES.filter((k) => !skip.has(k.name))) {
  const backbone = await createBackbone(c.spec, log);
  const perBatch: string[] = [];
  try {
    for (const batch of c.batches) {
      const { wallMs, cpuMs } = await oneThread(backbone, crops, batch);
      printLine({ measure: 'per region, one thread', backbone: c.name, runtime: backbone.runtime, batch, wallMs: round(wallMs), cpuMs: round(cpuMs) });
      perBatch.push(`${batch}: ${round(wallMs)} / ${round(cpuMs)}`);
    }
  } finally {
    await backbone.close();
  }
  const rate = await poolRate(c.spec, crops, c.name === 'centernet' || c.runtime === 'tflite-wasm' ? 60 : Number(values['pool-regions']));
  printLine({ measure: 'pool regions/s', backbone: c.name, runtime: c.runtime, workers: availableParallelism(), regionsPerS: round(rate) });
  rows.push(`| ${c.name} | ${c.runtime} | ${perBatch.join('; ')} | ${round(rate)} |`);
}
process.stdout.write(`\n| backbone | runtime | ms per region, one thread (batch: wall / CPU) | regions/s, ${availableParallelism()} workers |\n|---|---|---|---|\n${rows.join('\n')}\n`);
