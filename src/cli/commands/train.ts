/** `catwatch train`: trains a new model version (also the child process the service runs for retraining). */
import { openEmbeddingCache } from '../../train/embedding-cache.js';
import { loadBundledBase, runTraining, type TrainRunResult } from '../../train/train-run.js';
import { loadStoreItems } from '../../train/store-items.js';
import { fleetTrainingItems } from '../../fleet/sample-items.js';
import { localTrainingRefusal } from '../../train/train-supervisor.js';
import { CatwatchError, EXIT_OK } from '../../util/errors.js';
import { BACKBONE_NAMES, isBackboneName } from '../../model/backbone-catalogue.js';
import { parseCommandArgs, type Command } from '../command.js';
import { MODEL_OPTIONS, MODEL_OPTIONS_HELP, openModelContext, startPool, type ModelContext } from '../model-context.js';
import { createProgress } from '../progress.js';
import { formatTrainResult, type TrainProgressMessage } from '../../train/train-result.js';
import { createClipGate } from '../../replay/clip-gate.js';
import { replayCamera } from '../../replay/replay-camera.js';
import { createTargetModel, type TargetModel } from '../../model/target-model.js';
import type { RgbImage } from '../../image/image.js';
import type { BackboneOutput } from '../../model/backbone.js';

const HELP = `Usage: catwatch train [--positives DIR] [--negatives DIR]... [options]

Trains a new model version on the backbone's embeddings: the training set shipped with the bundled model (photos of
the target, near-class animals, people, scenes, objects, as embeddings), your positives (model.positives or
--positives, plus samples confirmed positive), your negatives (folders, mined samples) and synthetic images.
The score keeps the backbone's own prior: the head is a bounded correction to it. The new version becomes current
only if, on held-out sources it never trained on, it is not worse than the current model and not worse than the
prior alone, and only if that held-out set is big enough to tell (--force overrides).

Options:
${MODEL_OPTIONS_HELP}
      --positives DIR   photos of the target (repeatable; default model.positives)
      --negatives DIR   negative photos; the folder name, or each subfolder's, is the subcategory (repeatable;
                        default train.negatives)
      --backbone NAME   ${BACKBONE_NAMES.join(' | ')} (default model.backbone)
      --no-mined        do not use the sample store (mined negatives, confirmed positives)
      --no-shipped      do not use the training set shipped with the bundled model (default train.shippedData)
      --synthetic N     synthetic negatives (default train.syntheticNegatives)
      --augment N       augmented copies per training positive (default 1)
      --reason TEXT     recorded in the manifest (default cli)
      --force           make the new version current even if it is worse
      --json            print the result as JSON
  -h, --help            show this help
`;

/** The regression-clip check of the gate, when the clips folder has labelled clips (see src/replay/clip-gate.ts). */
function regressionClipGate(ctx: ModelContext, backboneId: string, embed: (images: RgbImage[]) => Promise<BackboneOutput[]>) {
  let current: TargetModel | undefined;
  try {
    current = createTargetModel(ctx.registry.loadCurrent(backboneId));
  } catch {
    current = undefined; // no model for this backbone yet: nothing to compare with
  }
  return createClipGate({ config: ctx.config, camera: replayCamera(ctx.config), current, embed });
}

/**
 * As the service's training child, progress also goes to the service over the IPC channel (its /train page shows it),
 * at most four messages a second plus every phase change and end.
 */
function withIpcProgress(update: (phase: string, done: number, total: number) => void): (phase: string, done: number, total: number, detail?: { loss?: number }) => void {
  let last = { phase: '', atMs: 0 };
  return (phase, done, total, detail) => {
    update(phase, done, total);
    if (!process.send || !process.connected) return;
    const nowMs = Date.now();
    if (phase === last.phase && done < total && nowMs - last.atMs < 250) return;
    last = { phase, atMs: nowMs };
    process.send({ type: 'progress', phase, done, total, ...(detail?.loss !== undefined && Number.isFinite(detail.loss) ? { loss: detail.loss } : {}) } satisfies TrainProgressMessage);
  };
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'train a new model version from positives and negatives',
  help: HELP,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {
      ...MODEL_OPTIONS,
      positives: { type: 'string', multiple: true },
      negatives: { type: 'string', multiple: true },
      backbone: { type: 'string' },
      'no-mined': { type: 'boolean' },
      'no-shipped': { type: 'boolean' },
      synthetic: { type: 'string' },
      augment: { type: 'string' },
      reason: { type: 'string' },
      force: { type: 'boolean' },
      json: { type: 'boolean' },
    });
    // Run as the service's training child: die with the service (its IPC channel closes when it dies, even by
    // kill -9), so an orphaned training can never make a model current behind a restarted service's back.
    // A 'disconnect' listener refs the channel, which would keep this process alive after the training is done (the
    // service would then wait forever for its exit): unref it, the listener still fires.
    if (process.send) {
      process.on('disconnect', () => process.exit(1));
      process.channel?.unref();
      // The service may have died while this process was still loading: the channel is then already closed and no
      // 'disconnect' will come.
      if (!process.connected) process.exit(1);
    }
    const ctx = openModelContext(values, { quiet: Boolean(values.json) });
    const { config } = ctx;
    const refusal = localTrainingRefusal(config);
    if (refusal) throw new CatwatchError('E_USAGE', refusal);
    const positives = values.positives ?? (config.model.positives ? [config.model.positives] : []);
    const backbone = values.backbone as typeof config.model.backbone | undefined;
    if (backbone && backbone !== 'auto' && !isBackboneName(backbone)) throw new CatwatchError('E_USAGE', `unknown backbone ${backbone}`);
    const int = (v: string | undefined, d: number, name: string): number => {
      if (v === undefined) return d;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new CatwatchError('E_USAGE', `--${name} must be a non-negative integer`);
      return n;
    };
    const progress = createProgress(!values.json && Boolean(process.stderr.isTTY));
    // The cache first: when it cannot be opened (a full disk), no scoring workers are left running.
    const cache = openEmbeddingCache(config.dataDir);
    const { pool, info } = await startPool(ctx, backbone).catch((err: unknown) => {
      cache.close();
      throw err;
    });
    try {
      const result = await runTraining(
        {
          label: config.model.label,
          positives,
          negatives: values.negatives ?? config.train.negatives,
          storeItems: values['no-mined'] ? [] : [...loadStoreItems(config.dataDir), ...fleetTrainingItems(config)],
          synthetic: int(values.synthetic, config.train.syntheticNegatives, 'synthetic'),
          augmentPerPositive: int(values.augment, 1, 'augment'),
          cameraConditions: config.train.cameraConditions,
          targetFpr: config.train.targetFpr,
          head: config.train.head,
          hiddenUnits: config.train.hiddenUnits,
          loss: config.train.loss,
          focalAlpha: config.train.focalAlpha,
          focalGamma: config.train.focalGamma,
          force: Boolean(values.force),
          reason: values.reason ?? 'cli',
        },
        {
          backbone: info, embed: (images) => pool.embed(images), cache, registry: ctx.registry, log: ctx.log, onProgress: withIpcProgress(progress.update),
          bundled: values['no-shipped'] || !config.train.shippedData ? undefined : loadBundledBase(ctx.registry, info.id),
          clipGate: regressionClipGate(ctx, info.id, (images) => pool.embed(images)),
        },
      );
      if (values.json) {
        io.stdout.write(formatTrainResult({ version: result.version, accepted: result.accepted, decision: result.decision, reasons: result.gate.reasons, metrics: result.manifest.metrics, gate: result.manifest.gate, counts: result.manifest.counts, threshold: result.manifest.threshold, sourceSamples: result.sourceSamples, failed: result.failed }));
      } else {
        printTrainResult(io.stdout, result);
      }
      return EXIT_OK;
    } finally {
      cache.close();
      await pool.stop();
    }
  },
};

/** The human-readable summary of a training: decision, gate figures (photos, then each camera condition), clips. */
function printTrainResult(out: { write(text: string): unknown }, result: TrainRunResult): void {
  const m = result.manifest.metrics;
  out.write(`version ${result.version} (${result.accepted ? 'current' : 'NOT current'}): ${result.decision}\n`);
  const g = result.gate;
  out.write(`held-out gate set (${g.counts.positives} positives, ${g.counts.negatives} negatives): AUROC ${m.auroc.toFixed(4)} (prior alone ${m.priorAuroc.toFixed(4)}, ${g.baseline.name} ${m.baselineAuroc.toFixed(4)}), FPR@95%TPR near-class ${(m.nearFprAt95Tpr * 100).toFixed(2)}% far ${(m.farFprAt95Tpr * 100).toFixed(2)}%, threshold ${result.manifest.threshold.toFixed(4)}: precision ${m.precision.toFixed(3)} recall ${m.recall.toFixed(3)}\n`);
  for (const [condition, c] of Object.entries(g.byCondition)) {
    out.write(`  under ${condition} (${c.items}): AUROC ${c.candidate.auroc.toFixed(4)} (${g.baseline.name} ${c.baseline.auroc.toFixed(4)}), near-class FPR@95%TPR ${(c.candidate.nearFprAt95Tpr * 100).toFixed(1)}% (${(c.baseline.nearFprAt95Tpr * 100).toFixed(1)}%), recall ${c.candidate.recall.toFixed(3)} (${c.baseline.recall.toFixed(3)})\n`);
  }
  if (m.clipCount !== undefined) out.write(`regression clips (${m.clipCount}): ${m.clipFalseEvents} false event(s), ${m.clipMissedVisits} missed visit(s)${m.baselineClipFalseEvents === undefined ? '' : `; current model ${m.baselineClipFalseEvents} and ${m.baselineClipMissedVisits}`}\n`);
  for (const [source, refs] of Object.entries(result.sourceSamples)) out.write(`  source ${source}: e.g. ${refs.join(', ')}\n`);
  if (result.failed.length > 0) out.write(`${result.failed.length} unreadable image(s) skipped\n`);
}
