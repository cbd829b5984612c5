import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { devDataDir, skipWithoutShared } from '../helpers/paths.js';

/** Links `count` evenly spaced photos of `from` into `to` (links, not copies: the photos stay in shared/). */
function linkSample(from: string, to: string, count: number): void {
  mkdirSync(to, { recursive: true });
  const files = readdirSync(from).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort();
  const n = Math.min(count, files.length);
  for (let i = 0; i < n; i++) {
    const name = files[Math.floor((i * files.length) / n)];
    symlinkSync(join(from, name), join(to, name));
  }
}

test('catwatch eval scores labelled folders, prints the metrics and writes an HTML report', { skip: skipWithoutShared(), timeout: 600_000 }, async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'cw-eval-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const positives = join(work, 'cat');
  const negatives = join(work, 'notcat');
  linkSample(join(devDataDir, 'cat'), positives, 30);
  // About 30 negatives over every subcategory, near-class (dog, wildcat, animal) and far alike.
  for (const sub of readdirSync(join(devDataDir, 'notcat')).sort()) linkSample(join(devDataDir, 'notcat', sub), join(negatives, sub), sub === 'dog' ? 8 : 4);
  const dataDir = join(work, 'data');
  const report = join(work, 'report.html');
  // cwd is the temp folder so no config file is picked up: the bundled default model of the npm-shipped backbone.
  const args = ['eval', '--data-dir', dataDir, '--positives', positives, '--negatives', negatives, '--json'];

  const r = await runCli([...args, '--report', report], { cwd: work, timeoutMs: 540_000 });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as {
    version: string; backbone: string; threshold: number; failed: unknown[];
    metrics: Record<string, number>; bySubcategory: Record<string, { negatives: number; falsePositives: number; fpr: number }>;
    cache: { hits: number; computed: number }; prior: { auroc: number } | null;
  };
  assert.equal(out.metrics.positives, 30);
  assert.ok(out.metrics.negatives >= 28, `negatives ${out.metrics.negatives}`);
  for (const key of ['auroc', 'fprAt95Tpr', 'nearAuroc', 'nearFprAt95Tpr', 'farAuroc', 'farFprAt95Tpr', 'precision', 'recall', 'fprAtThreshold', 'ece']) {
    assert.equal(typeof out.metrics[key], 'number', key);
  }
  // The bundled model separates cats from the rest of the dev set; far below this would mean a broken pipeline.
  assert.ok(out.metrics.auroc > 0.9, `auroc ${out.metrics.auroc}`);
  assert.ok(out.threshold > 0 && out.threshold < 1);
  // The prior alone is reported beside the model (the model keeps it in its score).
  assert.ok(out.prior && out.prior.auroc > 0.9, `prior alone: ${JSON.stringify(out.prior)}`);
  assert.deepEqual(Object.keys(out.bySubcategory).sort(), readdirSync(negatives).sort());
  assert.equal(out.failed.length, 0);
  assert.ok(out.cache.computed > 0, 'first run embeds the photos');

  assert.ok(existsSync(report));
  const html = readFileSync(report, 'utf8');
  assert.match(html, /<svg/);
  assert.match(html, /Prior alone and combined score/);
  assert.match(html, /prior \d\.\d+, head -?\d\.\d+, trust \d\.\d+/, 'thumbnails show the parts of each score');
  assert.match(html, /data:image\/jpeg;base64,/);
  assert.doesNotMatch(html, /<script|<link|src="http/, 'self-contained: no scripts or external assets');

  // Second run: every embedding comes from the cache, and the numbers are the same.
  const again = await runCli(args, { cwd: work, timeoutMs: 300_000 });
  assert.equal(again.code, 0, again.stderr);
  const second = JSON.parse(again.stdout) as typeof out;
  assert.equal(second.cache.computed, 0);
  assert.deepEqual(second.metrics, out.metrics);
});

test('catwatch eval without --negatives is a usage error', async () => {
  const work = mkdtempSync(join(tmpdir(), 'cw-eval-'));
  try {
    const r = await runCli(['eval', '--data-dir', join(work, 'data'), '--positives', work], { cwd: work });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /E_USAGE.*--negatives/);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
