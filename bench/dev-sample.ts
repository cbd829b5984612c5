/**
 * Shared by the backbone benchmarks: the same deterministic sample of the development photos for every backbone,
 * so their figures compare (files picked evenly across each sorted folder).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

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
