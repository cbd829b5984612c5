/**
 * Per-camera thresholds under the false-alarm budget (`events.maxFalseAlarmsPerHour`, see false-alarm-budget.ts).
 * The camera's samples of the last `budgetWindowH` hours are scored again with the current model (the stored
 * embedding and prior are enough; rows from before priors were stored keep the score they were mined with):
 * negatives are those a person labelled so and the mined ones nobody reviewed (event frames excepted: unreviewed,
 * an alert may be the target); positives are the confirmed ones. The hours a camera's samples cover (at least one)
 * are the denominator. Refreshed on start, on a config or model change and every few minutes (labels also change
 * from the CLI, in another process).
 */
import type { Config } from '../config/schema.js';
import type { TargetModel } from '../model/target-model.js';
import type { SampleStore } from '../store/sample-store.js';
import type { ScoredSampleRow } from '../store/sample-rows.js';
import type { Logger } from '../util/log.js';
import { budgetThreshold, type BudgetThreshold } from './false-alarm-budget.js';

export interface CameraThresholdsDeps {
  config: () => Config;
  samples: Pick<SampleStore, 'scoredSince'>;
  model: () => TargetModel | undefined;
  log: Logger;
  now?: () => number;
  refreshIntervalMs?: number;
}

const HOUR_MS = 3_600_000;
/** Samples per camera the budget looks at (newest first); bounds the work of a refresh. */
const MAX_SAMPLES = 5000;

export interface CameraThreshold extends BudgetThreshold { modelVersion: string }

function rescore(row: ScoredSampleRow, model: TargetModel): number {
  if (!row.embedding || row.prior === null || row.backboneId !== model.backboneId) return row.score;
  return model.score({ embedding: row.embedding, prior: row.prior });
}

export function learnCameraThreshold(rows: readonly ScoredSampleRow[], model: TargetModel, config: Config, nowMs: number): CameraThreshold | undefined {
  const budget = config.events.maxFalseAlarmsPerHour;
  if (budget === undefined) return undefined;
  const negatives = rows.filter((r) => r.state === 'negative' || (r.state === 'mined' && r.reason !== 'event'));
  const positives = rows.filter((r) => r.state === 'positive');
  const oldestMs = Math.min(nowMs, ...rows.map((r) => r.capturedAtMs));
  const hours = Math.min(config.events.budgetWindowH, Math.max(1, (nowMs - oldestMs) / HOUR_MS));
  const result = budgetThreshold({
    negatives: negatives.map((r) => ({ timeMs: r.capturedAtMs, score: rescore(r, model) })),
    positives: positives.map((r) => rescore(r, model)),
    hours, budgetPerHour: budget, floor: model.threshold, episodeGapMs: config.events.quietPeriodS * 1000,
  });
  return { ...result, modelVersion: model.version };
}

/** A camera's threshold from its samples in the store (the budget's window, newest MAX_SAMPLES): service and replay. */
export function cameraThresholdFromStore(samples: Pick<SampleStore, 'scoredSince'>, camera: string, model: TargetModel, config: Config, nowMs: number): CameraThreshold | undefined {
  const sinceMs = nowMs - config.events.budgetWindowH * HOUR_MS;
  return learnCameraThreshold(samples.scoredSince(camera, sinceMs, MAX_SAMPLES), model, config, nowMs);
}

export function createCameraThresholds(deps: CameraThresholdsDeps) {
  const log = deps.log.child({ component: 'thresholds' });
  const now = deps.now ?? Date.now;
  let byCamera = new Map<string, CameraThreshold>();
  let timer: NodeJS.Timeout | undefined;

  function refresh(): void {
    const config = deps.config();
    const model = deps.model();
    if (config.events.maxFalseAlarmsPerHour === undefined || !model) {
      byCamera = new Map();
      return;
    }
    const next = new Map<string, CameraThreshold>();
    for (const { name } of config.cameras) {
      const learned = cameraThresholdFromStore(deps.samples, name, model, config, now());
      if (!learned) continue;
      next.set(name, learned);
      const before = byCamera.get(name)?.threshold;
      if (before === undefined || Math.abs(before - learned.threshold) > 1e-9) {
        log.info({ camera: name, threshold: learned.threshold, modelThreshold: model.threshold, falseAlarmsPerHour: learned.falseAlarmsPerHour, positivesLost: learned.positivesLost }, 'camera threshold set');
      }
    }
    byCamera = next;
  }

  function safeRefresh(): void {
    try {
      refresh();
    } catch (err) {
      // The budget only ever raises thresholds: without it the model's own apply, so a failure is logged, not fatal.
      log.warn({ err: (err as Error).message }, 'camera thresholds not refreshed');
    }
  }

  return {
    name: 'thresholds',
    critical: false,
    livePaths: ['events.maxFalseAlarmsPerHour', 'events.budgetWindowH', 'events.quietPeriodS', 'cameras'],
    start(): void {
      safeRefresh();
      timer = setInterval(safeRefresh, deps.refreshIntervalMs ?? 5 * 60_000);
      timer.unref();
    },
    stop(): void {
      clearInterval(timer);
      timer = undefined;
    },
    applyConfig: safeRefresh,
    /** After a model swap: the thresholds belong to the model that scored the samples. */
    refresh: safeRefresh,
    /** The camera's threshold when the budget set one (the events stage takes the higher of it and the model's). */
    forCamera(camera: string, modelVersion: string): number | undefined {
      const t = byCamera.get(camera);
      return t && t.modelVersion === modelVersion ? t.threshold : undefined;
    },
    report: (): Record<string, CameraThreshold> => Object.fromEntries(byCamera),
  };
}

export type CameraThresholds = ReturnType<typeof createCameraThresholds>;
