/**
 * Shared by the backbone benchmarks: the same deterministic sample of the development photos for every backbone
 * (files picked evenly across each sorted folder), and the same two measurements, so their figures compare.
 * Results go to stdout as JSON lines (logs go to the logger), so they can be piped into a file or jq.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Backbone } from '../src/model/backbone.js';
import type { RgbImage } from '../src/image/image.js';
import { decodeImage } from '../src/image/decode-image.js';
import { auroc, fprAtTpr, fprBySubcategory, rocCurve } from '../src/train/metrics.js';

export interface BenchItem { file: string; sub: string; label: number }

export function evenlySpaced(dir: string, count: number): string[] {
  const files = readdirSync(dir).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort();
  const k = Math.min(count, files.length);
  return Array.from({ length: k }, (_, i) => join(dir, files[Math.floor((i * files.length) / k)]));
}

/** `dogs` photos from notcat/dog, the rest of `total` from the other subfolders in proportion to their sizes. */
export function pickNegatives(notcatDir: string, total: number, dogs: number): { file: string; sub: string }[] {
  const others = readdirSync(notcatDir).filter((s) => s !== 'dog').sort();
  const sizes = others.map((s) => readdirSync(join(notcatDir, s)).length);
  const sizeSum = sizes.reduce((a, b) => a + b, 0);
  const quotas: [string, number][] = [['dog', dogs], ...others.map((s, i): [string, number] => [s, Math.max(1, Math.round(((total - dogs) * sizes[i]) / sizeSum))])];
  return quotas.flatMap(([sub, n]) => evenlySpaced(join(notcatDir, sub), n).map((file) => ({ file, sub })));
}

/** `cats` cat photos and `notcats` others (`dogs` of them dogs) from a dev-set folder. */
export function benchItems(dataDir: string, cats: number, notcats: number, dogs: number): BenchItem[] {
  return [
    ...evenlySpaced(join(dataDir, 'cat'), cats).map((file) => ({ file, sub: 'cat', label: 1 })),
    ...pickNegatives(join(dataDir, 'notcat'), notcats, dogs).map(({ file, sub }) => ({ file, sub, label: 0 })),
  ];
}

export function printLine(record: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(record)}\n`);
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Wall and CPU ms per image, one at a time and in batches (CPU time too: on a shared machine wall time waits). */
export async function timeBackbone(backbone: Backbone, images: readonly RgbImage[], batch: number, extra: Record<string, unknown> = {}): Promise<void> {
  for (const img of images.slice(0, 3)) await backbone.embed([img]);
  const cpu0 = process.cpuUsage();
  let t0 = performance.now();
  for (const img of images) await backbone.embed([img]);
  const singleMs = (performance.now() - t0) / images.length;
  const cpu = process.cpuUsage(cpu0);
  t0 = performance.now();
  for (let i = 0; i < images.length; i += batch) await backbone.embed(images.slice(i, i + batch));
  const batchedMs = (performance.now() - t0) / images.length;
  printLine({
    measure: 'latency', id: backbone.id, runtime: backbone.runtime, ...extra, images: images.length,
    msPerImageSingle: round(singleMs, 2), cpuMsPerImageSingle: round((cpu.user + cpu.system) / 1000 / images.length, 2),
    batch, msPerImageBatched: round(batchedMs, 2),
  });
}

/** Zero-shot quality of the backbone's own prior: AUROC and FPR at 95% TPR, overall and cats vs dogs. */
export async function measurePrior(backbone: Backbone, items: readonly BenchItem[]): Promise<void> {
  const priors: number[] = [];
  for (let i = 0; i < items.length; i += 16) {
    const images = await Promise.all(items.slice(i, i + 16).map(({ file }) => decodeImage(file)));
    for (const out of await backbone.embed(images)) priors.push(out.prior ?? NaN);
  }
  const labels = items.map((it) => it.label);
  const dogIdx = items.map((it, i) => (it.sub === 'cat' || it.sub === 'dog' ? i : -1)).filter((i) => i >= 0);
  // The threshold that keeps 95% of the cats, for the per-subfolder false-positive rates.
  const threshold = rocCurve(priors, labels).find((p) => p.tpr >= 0.95 - 1e-12)?.threshold ?? NaN;
  printLine({
    measure: 'zero-shot prior',
    id: backbone.id,
    cats: labels.filter((l) => l === 1).length,
    notCats: labels.filter((l) => l === 0).length,
    auroc: round(auroc(priors, labels), 4),
    fprAt95Tpr: round(fprAtTpr(priors, labels), 4),
    dogAuroc: round(auroc(dogIdx.map((i) => priors[i]), dogIdx.map((i) => labels[i])), 4),
    dogFprAt95Tpr: round(fprAtTpr(dogIdx.map((i) => priors[i]), dogIdx.map((i) => labels[i])), 4),
    thresholdAt95Tpr: threshold,
    fprAt95TprBySubfolder: Object.fromEntries(Object.entries(fprBySubcategory(priors, labels, items.map((it) => it.sub), threshold))
      .map(([sub, r]) => [sub, `${r.falsePositives}/${r.negatives}`])),
  });
}
