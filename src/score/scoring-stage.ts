/**
 * Scoring as one stage: the worker pool (backbones), the registry watcher that keeps the head current, and the
 * per-camera job scheduler (score-stage.ts). Start order matters: workers report the backbone id, the watcher loads
 * the model for it, then jobs flow. A changed `model.threshold` is applied at once (the watcher also polls).
 */
import type { Config } from '../config/schema.js';
import type { TargetModel } from '../model/target-model.js';
import { createModelWatcher } from '../registry/model-watcher.js';
import type { Registry } from '../registry/registry.js';
import type { Logger } from '../util/log.js';
import type { ScorePool } from './score-pool.js';
import type { createScoreStage } from './score-stage.js';

export interface ScoringStageDeps {
  config: () => Config;
  pool: ScorePool;
  scheduler: ReturnType<typeof createScoreStage>;
  registry: Registry;
  log: Logger;
  onModel?: (model: TargetModel) => void;
}

export function createScoringStage(deps: ScoringStageDeps) {
  let watcher: ReturnType<typeof createModelWatcher> | undefined;
  return {
    name: 'score',
    critical: true,
    livePaths: ['model.threshold'],
    async start() {
      const info = await deps.pool.start();
      watcher = createModelWatcher({
        registry: deps.registry,
        backboneId: info.id,
        thresholdOverride: () => deps.config().model.threshold,
        log: deps.log,
        onModel: (model) => {
          deps.scheduler.setModel(model);
          deps.onModel?.(model);
        },
      });
      watcher.start();
      deps.scheduler.start();
    },
    async stop() {
      deps.scheduler.stop();
      watcher?.stop();
      await deps.pool.stop();
    },
    applyConfig() {
      watcher?.check();
    },
  };
}
