/**
 * Keeps the scorer on the registry's current model: loads it at start and polls the `current` pointer (a tiny
 * file, so polling is cheap and works for every writer: the training child, `catwatch models use`, a rollback).
 * A version that fails to load is logged and the running model stays.
 */
import { createTargetModel, type TargetModel } from '../model/target-model.js';
import type { Logger } from '../util/log.js';
import type { Registry } from './registry.js';

export interface ModelWatcherDeps {
  registry: Registry;
  backboneId: string;
  thresholdOverride: () => number | undefined;
  onModel: (model: TargetModel) => void;
  log: Logger;
  pollMs?: number;
}

export function createModelWatcher(deps: ModelWatcherDeps) {
  const log = deps.log.child({ component: 'registry' });
  let timer: NodeJS.Timeout | undefined;
  let loaded: string | undefined;
  let lastThreshold: number | undefined;

  function check(): void {
    const version = deps.registry.currentVersion() ?? 'bundled';
    const threshold = deps.thresholdOverride();
    if (version === loaded && threshold === lastThreshold) return;
    try {
      const model = createTargetModel(deps.registry.loadCurrent(deps.backboneId), { thresholdOverride: threshold });
      loaded = version;
      lastThreshold = threshold;
      log.info({ version: model.version, bundled: model.bundled, threshold: model.threshold, backbone: deps.backboneId }, 'model loaded');
      deps.onModel(model);
    } catch (err) {
      if (loaded === undefined) throw err;
      log.error({ version, err: (err as Error).message }, 'model could not be loaded, keeping the running one');
      loaded = version;
    }
  }

  return {
    start() {
      check();
      timer = setInterval(() => {
        try {
          check();
        } catch (err) {
          log.error({ err }, 'model check failed');
        }
      }, deps.pollMs ?? 2000);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
    },
    /** Check now (a config reload changed the threshold override). */
    check() {
      try {
        check();
      } catch (err) {
        log.error({ err }, 'model check failed');
      }
    },
  };
}
