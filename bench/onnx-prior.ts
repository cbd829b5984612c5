/**
 * Benchmark of the ONNX MobileNetV2 backbone: inference time per image at 1 and 2 threads (single images and batches,
 * resize and normalisation included, decoding not; wall and CPU time), and how well its ImageNet cat prior alone separates cats from
 * other photos (zero-shot: no head). Photos are picked evenly spaced from the sorted dev folders, so runs repeat.
 * Usage: node dist/bench/onnx-prior.js [--model PATH] [--data DIR] [--cats 300] [--notcats 600] [--dogs 200]
 *        [--timing-images 40] [--batch 8]
 * Prints one JSON line per measurement.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { RgbImage } from '../src/score/backbone.js';
import { createOnnxMobileNetV2Backbone } from '../src/score/backbones/onnx-mobilenetv2.js';
import { decodeImage } from '../src/score/decode-image.js';
import { auroc, fprAtTpr, fprBySubcategory, rocCurve } from '../src/train/metrics.js';
import { createLogger } from '../src/util/log.js';
import { evenlySpaced, pickNegatives } from './dev-sample.js';
import { devDataDir, modelsMirrorDir } from '../test/helpers/paths.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: join(modelsMirrorDir, 'mobilenetv2-12-int8.onnx') },
    data: { type: 'string', default: devDataDir },
    cats: { type: 'string', default: '300' },
    notcats: { type: 'string', default: '600' },
    dogs: { type: 'string', default: '200' },
    'timing-images': { type: 'string', default: '40' },
    batch: { type: 'string', default: '8' },
  },
});
const log = createLogger({ level: 'warn', pretty: false });

async function timeBackbone(images: readonly RgbImage[], threads: number, batch: number): Promise<void> {
  const backbone = await createOnnxMobileNetV2Backbone({ modelPath: values.model, log, intraOpNumThreads: threads });
  try {
    for (const img of images.slice(0, 3)) await backbone.embed([img]);
    // CPU time as well as wall time: on a shared machine the wall time also counts waiting for a core.
    const cpu0 = process.cpuUsage();
    let t0 = performance.now();
    for (const img of images) await backbone.embed([img]);
    const singleMs = (performance.now() - t0) / images.length;
    const cpu = process.cpuUsage(cpu0);
    const cpuMsSingle = (cpu.user + cpu.system) / 1000 / images.length;
    t0 = performance.now();
    for (let i = 0; i < images.length; i += batch) await backbone.embed(images.slice(i, i + batch));
    const batchedMs = (performance.now() - t0) / images.length;
    printLine({
      measure: 'latency', runtime: backbone.runtime, threads, images: images.length,
      msPerImageSingle: round(singleMs, 2), cpuMsPerImageSingle: round(cpuMsSingle, 2), batch, msPerImageBatched: round(batchedMs, 2),
    });
  } finally {
    await backbone.close();
  }
}

/** Results go to stdout as JSON lines (logs go to the logger), so they can be piped into a file or jq. */
function printLine(record: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(record)}\n`);
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

const catFiles = evenlySpaced(join(values.data, 'cat'), Number(values.cats));
const negatives = pickNegatives(join(values.data, 'notcat'), Number(values.notcats), Number(values.dogs));

const timingImages = await Promise.all(catFiles.slice(0, Number(values['timing-images'])).map((f) => decodeImage(f)));
for (const threads of [1, 2]) await timeBackbone(timingImages, threads, Number(values.batch));

const backbone = await createOnnxMobileNetV2Backbone({ modelPath: values.model, log, intraOpNumThreads: 2 });
const items = [
  ...catFiles.map((file) => ({ file, sub: 'cat', label: 1 })),
  ...negatives.map(({ file, sub }) => ({ file, sub, label: 0 })),
];
const priors: number[] = [];
for (let i = 0; i < items.length; i += 16) {
  const images = await Promise.all(items.slice(i, i + 16).map(({ file }) => decodeImage(file)));
  for (const out of await backbone.embed(images)) priors.push(out.prior ?? NaN);
}
await backbone.close();

const labels = items.map((it) => it.label);
const dogIdx = items.map((it, i) => (it.sub === 'cat' || it.sub === 'dog' ? i : -1)).filter((i) => i >= 0);
// The threshold that keeps 95% of the cats, for the per-subfolder false-positive rates.
const threshold = rocCurve(priors, labels).find((p) => p.tpr >= 0.95 - 1e-12)?.threshold ?? NaN;
printLine({
  measure: 'zero-shot prior',
  cats: catFiles.length,
  notCats: negatives.length,
  auroc: round(auroc(priors, labels), 4),
  fprAt95Tpr: round(fprAtTpr(priors, labels), 4),
  dogAuroc: round(auroc(dogIdx.map((i) => priors[i]), dogIdx.map((i) => labels[i])), 4),
  dogFprAt95Tpr: round(fprAtTpr(dogIdx.map((i) => priors[i]), dogIdx.map((i) => labels[i])), 4),
  thresholdAt95Tpr: threshold,
  fprAt95TprBySubfolder: Object.fromEntries(Object.entries(fprBySubcategory(priors, labels, items.map((it) => it.sub), threshold))
    .map(([sub, r]) => [sub, `${r.falsePositives}/${r.negatives}`])),
});
