/**
 * `catwatch eval`: scores labelled folders with the current model (or --model VERSION) and prints the evaluation
 * used everywhere in catwatch (src/train/evaluate.ts); --report writes a self-contained HTML report. Embeddings go
 * through the same cache as training, so a second run over the same photos only re-applies the head.
 */
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Config } from '../../config/schema.js';
import { createTargetModel, type TargetModel } from '../../model/target-model.js';
import { backboneNameOfId } from '../../model/backbone-catalogue.js';
import { positiveItems, negativeFolderItems } from '../../train/dataset.js';
import { embedItems } from '../../train/embed-items.js';
import { openEmbeddingCache } from '../../train/embedding-cache.js';
import { renderEvalReport, type ReportItem } from '../../train/eval-report.js';
import { evaluateScores, type Evaluation } from '../../train/evaluate.js';
import { CatwatchError, EXIT_OK } from '../../util/errors.js';
import { parseCommandArgs, type Command } from '../command.js';
import { MODEL_OPTIONS, MODEL_OPTIONS_HELP, openModelContext, startPool } from '../model-context.js';
import { createProgress } from '../progress.js';

const HELP = `Usage: catwatch eval --positives DIR --negatives DIR... [options]

Evaluates the current model (or --model VERSION) on labelled folders: AUROC and false-positive rate at 95%
true-positive rate (overall, near-class negatives such as dogs and wild cats, and far ones), the false-positive rate
of each negative subcategory at the model's threshold, precision and recall there, and the calibration error.
A negatives folder's name is its subcategory; a folder of folders gives one subcategory per subfolder.
Embeddings are cached in dataDir, so re-running on the same photos is fast. Unreadable images are skipped and listed.
Evaluate on photos the model was not trained on: scores on its own training photos are optimistic.

Options:
${MODEL_OPTIONS_HELP}
      --positives DIR   photos of the target (repeatable)
      --negatives DIR   photos without it (repeatable)
      --model VERSION   evaluate this version (its backbone is used) instead of the current one
      --report FILE     also write an HTML report (metrics, ROC and PR curves, the worst photos as thumbnails)
      --json            print the result as JSON
  -h, --help            show this help
`;

/** The config's backbone name for a backbone id (`objectron-ssd-mnv2-openimages@…`, `mobilenetv2-12-int8@…`). */
function backboneName(id: string): Config['model']['backbone'] {
  const name = backboneNameOfId(id);
  if (name) return name;
  throw new CatwatchError('E_MODEL_INVALID', `model was trained on an unknown backbone ${id}`);
}

function checkFolders(dirs: readonly string[], option: string): void {
  if (dirs.length === 0) throw new CatwatchError('E_USAGE', `give at least one --${option} DIR`);
  for (const dir of dirs) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new CatwatchError('E_USAGE', `--${option} ${dir}: not a folder`);
  }
}

const pct = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : 'n/a');
const num = (x: number): string => (Number.isFinite(x) ? x.toFixed(4) : 'n/a');

/** The text report: metrics of the model, the prior alone beside it, FPR per subcategory. */
function summaryLines(input: { model: TargetModel; backboneId: string; evaluation: Evaluation; prior: Record<string, number> | null }): string[] {
  const { model, evaluation, prior } = input;
  const m = evaluation.metrics;
  return [
    `model ${model.version}${model.bundled ? ' (bundled default)' : ''} on ${input.backboneId}: ${m.positives} positive and ${m.negatives} negative images`,
    `AUROC ${num(m.auroc)}   FPR@95%TPR ${pct(m.fprAt95Tpr)}${prior ? `   (prior alone: AUROC ${num(prior.auroc)}, FPR@95%TPR ${pct(prior.fprAt95Tpr)})` : ''}`,
    `  near-class: AUROC ${num(m.nearAuroc)}   FPR@95%TPR ${pct(m.nearFprAt95Tpr)}`,
    `  far:        AUROC ${num(m.farAuroc)}   FPR@95%TPR ${pct(m.farFprAt95Tpr)}`,
    `at threshold ${num(model.threshold)}: precision ${num(m.precision)}  recall ${num(m.recall)}  FPR ${pct(m.fprAtThreshold)}`,
    `calibration error (ECE) ${num(m.ece)}`,
    'FPR per negative subcategory at the threshold:',
    ...Object.entries(evaluation.bySubcategory).map(([name, s]) => `  ${name.padEnd(16)} ${String(s.falsePositives).padStart(5)}/${String(s.negatives).padEnd(6)} ${pct(s.fpr)}`),
  ];
}

export const evalCommand: Command = {
  name: 'eval',
  summary: 'evaluate a model version on labelled folders',
  help: HELP,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {
      ...MODEL_OPTIONS,
      positives: { type: 'string', multiple: true },
      negatives: { type: 'string', multiple: true },
      model: { type: 'string' },
      report: { type: 'string' },
      json: { type: 'boolean' },
    });
    const positives = values.positives ?? [];
    const negatives = values.negatives ?? [];
    checkFolders(positives, 'positives');
    checkFolders(negatives, 'negatives');
    if (values.report && !existsSync(dirname(resolve(values.report)))) throw new CatwatchError('E_USAGE', `--report ${values.report}: its folder does not exist`);
    const ctx = openModelContext(values, { quiet: true });
    const requested = values.model ? ctx.registry.load(values.model) : undefined;
    const { pool, info } = await startPool(ctx, requested ? backboneName(requested.manifest.backbone.id) : undefined);
    const cache = openEmbeddingCache(ctx.config.dataDir);
    try {
      const version = requested ?? ctx.registry.loadCurrent(info.id);
      if (version.manifest.backbone.id !== info.id) {
        throw new CatwatchError('E_MODEL_INVALID', `model ${version.manifest.version} was trained on ${version.manifest.backbone.id}, but the backbone in use is ${info.id}`);
      }
      const model = createTargetModel(version, { thresholdOverride: ctx.config.model.threshold });
      const items = [...positives.flatMap((dir) => positiveItems(dir)), ...negatives.flatMap((dir) => negativeFolderItems(dir))];
      const progress = createProgress(!values.json && Boolean(process.stderr.isTTY));
      const embedded = await embedItems(items, {
        embed: (images) => pool.embed(images),
        backboneId: info.id,
        cache,
        onProgress: (done, total) => progress.update('embed', done, total),
      });
      const scored: ReportItem[] = embedded.items.map((i) => ({ ref: i.ref, label: i.label, subcategory: i.subcategory, ...model.explain(i) }));
      const positiveCount = scored.filter((s) => s.label === 1).length;
      if (positiveCount === 0 || positiveCount === scored.length) {
        throw new CatwatchError('E_USAGE', `need readable positive and negative images, got ${positiveCount} positive and ${scored.length - positiveCount} negative (${embedded.failed.length} unreadable)`);
      }
      const evaluation = evaluateScores(scored, model.threshold);
      const hasPrior = scored.every((s) => s.prior !== undefined && Number.isFinite(s.prior));
      const prior = hasPrior ? evaluateScores(scored.map((s) => ({ ...s, score: s.prior ?? 0 })), model.threshold).metrics : null;
      if (values.report) {
        const html = await renderEvalReport({
          version: model.version, backboneId: info.id, label: model.label, threshold: model.threshold, evaluation, items: scored, createdAt: new Date(),
        });
        writeFileSync(values.report, html);
      }
      const m = evaluation.metrics;
      if (values.json) {
        io.stdout.write(`${JSON.stringify({
          version: model.version,
          bundled: model.bundled,
          backbone: info.id,
          label: model.label,
          threshold: model.threshold,
          metrics: m,
          prior: prior && { auroc: prior.auroc, fprAt95Tpr: prior.fprAt95Tpr, nearFprAt95Tpr: prior.nearFprAt95Tpr, farFprAt95Tpr: prior.farFprAt95Tpr },
          bySubcategory: evaluation.bySubcategory,
          cache: { hits: embedded.cacheHits, computed: embedded.computed },
          failed: embedded.failed,
          report: values.report ?? null,
        })}\n`);
        return EXIT_OK;
      }
      const lines = summaryLines({ model, backboneId: info.id, evaluation, prior });
      if (embedded.failed.length > 0) lines.push(`${embedded.failed.length} unreadable image(s) skipped:`, ...embedded.failed.map((f) => `  ${f.ref}: ${f.error}`));
      if (values.report) lines.push(`report written to ${values.report}`);
      io.stdout.write(`${lines.join('\n')}\n`);
      return EXIT_OK;
    } finally {
      cache.close();
      await pool.stop();
    }
  },
};
