/**
 * Measurement, not a test: speed of the objectron backbone and the zero-shot quality of its Cat prior on a fixed,
 * evenly spread sample of the dev photos. Usage (after compiling):
 *   node bench/objectron-prior.js [cats=300] [perSubfolder=100]
 * The dog subfolder gets twice `perSubfolder` photos so its FPR at 95% TPR is not read off a handful of dogs.
 * Times cover resize + inference + decoding per image, not JPEG decoding.
 */
import { availableParallelism } from 'node:os';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createObjectronBackbone } from '../src/score/backbones/objectron-backbone.js';
import { decodeImage } from '../src/image/decode-image.js';
import { createLogger } from '../src/util/log.js';
import { auroc as aurocOf, fprAtTpr } from '../src/train/metrics.js';
import { evenlySpaced } from './backbone-bench.js';
import { devDataDir } from '../test/helpers/paths.js';

interface Item { file: string; label: 0 | 1; group: string }

const auroc = (pos: number[], neg: number[]): number => aurocOf([...pos, ...neg], [...pos.map(() => 1), ...neg.map(() => 0)]);
const fprAt95Tpr = (pos: number[], neg: number[]): number => fprAtTpr([...pos, ...neg], [...pos.map(() => 1), ...neg.map(() => 0)], 0.95);

async function main(): Promise<void> {
  const cats = Number(process.argv[2] ?? 300);
  const perSubfolder = Number(process.argv[3] ?? 100);
  const log = createLogger({ level: 'warn' });
  const items: Item[] = evenlySpaced(join(devDataDir, 'cat'), cats).map((file) => ({ file, label: 1, group: 'cat' }));
  for (const group of readdirSync(join(devDataDir, 'notcat')).sort()) {
    const count = group === 'dog' ? 2 * perSubfolder : perSubfolder;
    for (const file of evenlySpaced(join(devDataDir, 'notcat', group), count)) items.push({ file, label: 0, group });
  }

  const backbone = await createObjectronBackbone({ log, engine: 'tflite-wasm', numThreads: 1 });
  const priors: number[] = [];
  let inferMs = 0;
  for (let i = 0; i < items.length; i += 25) {
    const batch = await Promise.all(items.slice(i, i + 25).map((it) => decodeImage(it.file)));
    const t0 = performance.now();
    const out = await backbone.embed(batch);
    inferMs += performance.now() - t0;
    priors.push(...out.map((o) => o.prior!));
  }
  await backbone.close();

  // The WebAssembly build has no pthreads, so asking for more threads should change nothing; measured to show it.
  const threads = availableParallelism();
  const multi = await createObjectronBackbone({ log, engine: 'tflite-wasm', numThreads: threads });
  const timing = await Promise.all(items.slice(0, 50).map((it) => decodeImage(it.file)));
  await multi.embed(timing.slice(0, 2));
  const t0 = performance.now();
  await multi.embed(timing);
  const multiMs = (performance.now() - t0) / timing.length;
  await multi.close();

  const pos = priors.filter((_, i) => items[i].label === 1);
  const neg = priors.filter((_, i) => items[i].label === 0);
  const groups = [...new Set(items.filter((it) => it.label === 0).map((it) => it.group))];
  const perGroup = Object.fromEntries(groups.map((g) => {
    const s = priors.filter((_, i) => items[i].group === g);
    return [g, { n: s.length, auroc: +auroc(pos, s).toFixed(4), fprAt95Tpr: +fprAt95Tpr(pos, s).toFixed(4), meanPrior: +(s.reduce((a, b) => a + b, 0) / s.length).toFixed(4) }];
  }));
  process.stdout.write(JSON.stringify({
    backbone: 'objectron-ssd-mnv2-openimages@0.4.1675468480',
    cats: pos.length, notCats: neg.length,
    msPerImage: { threads1: +(inferMs / items.length).toFixed(1), [`threads${threads}`]: +multiMs.toFixed(1) },
    zeroShotAuroc: +auroc(pos, neg).toFixed(4),
    fprAt95Tpr: +fprAt95Tpr(pos, neg).toFixed(4),
    meanPriorCat: +(pos.reduce((a, b) => a + b, 0) / pos.length).toFixed(4),
    perGroup,
  }, null, 2) + '\n');
}

await main();
