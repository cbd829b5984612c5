/**
 * Starts stages in pipeline order and stops them in reverse. A critical stage that fails to start stops what
 * started and fails the start; an optional one (HTTP, discovery, stats…) is logged, reported as failed and skipped,
 * so a taken port never takes detection down. Each started stage's live config paths are subscribed to the store.
 */
import type { ConfigStore } from '../config/config-store.js';
import type { Config } from '../config/schema.js';
import { CatwatchError, errorMessage } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import type { Stage } from '../util/stage.js';

export type StageState = 'starting' | 'running' | 'failed' | 'stopped';
/** The service as a whole: `running` once every stage was started (or reported failed). */
export type ServicePhase = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

export interface StageReport {
  name: string;
  critical: boolean;
  state: StageState;
  error?: string;
}

export interface StageRunnerDeps {
  store: ConfigStore;
  log: Logger;
  /** Called whenever a stage's state changed. */
  onReport?: (reports: StageReport[]) => void;
}

export function createStageRunner(deps: StageRunnerDeps) {
  const log = deps.log.child({ component: 'service' });
  const started: Array<{ stage: Stage<Config>; unsubscribe: () => void }> = [];
  const reports = new Map<string, StageReport>();
  let phase: ServicePhase = 'idle';

  function report(stage: Stage<Config>, state: StageState, error?: string): void {
    reports.set(stage.name, { name: stage.name, critical: stage.critical, state, ...(error === undefined ? {} : { error }) });
    deps.onReport?.([...reports.values()]);
  }

  async function stopOne(stage: Stage<Config>): Promise<void> {
    try {
      await stage.stop();
    } catch (err) {
      log.error({ stage: stage.name, err }, 'stage failed to stop cleanly');
    }
  }

  async function startOne(stage: Stage<Config>): Promise<void> {
    report(stage, 'starting');
    try {
      await stage.start();
    } catch (err) {
      report(stage, 'failed', errorMessage(err));
      // Release whatever it made before failing (a half-open server, a timer).
      await stopOne(stage);
      if (stage.critical) throw new CatwatchError('E_STAGE_FAILED', `stage ${stage.name} failed to start: ${errorMessage(err)}`, { cause: err });
      log.error({ stage: stage.name, err: errorMessage(err) }, 'optional stage failed to start, running without it');
      return;
    }
    const apply = stage.applyConfig?.bind(stage);
    const unsubscribe = apply && stage.livePaths ? deps.store.onChange(stage.livePaths, apply, stage.name) : () => undefined;
    started.push({ stage, unsubscribe });
    report(stage, 'running');
    log.debug({ stage: stage.name }, 'stage started');
  }

  return {
    async start(stages: ReadonlyArray<Stage<Config>>): Promise<void> {
      phase = 'starting';
      for (const stage of stages) await startOne(stage);
      phase = 'running';
      deps.onReport?.([...reports.values()]);
    },
    async stop(): Promise<void> {
      phase = 'stopping';
      while (started.length > 0) {
        const { stage, unsubscribe } = started.pop() as (typeof started)[number];
        unsubscribe();
        await stopOne(stage);
        report(stage, 'stopped');
      }
      phase = 'stopped';
    },
    reports: (): StageReport[] => [...reports.values()],
    phase: (): ServicePhase => phase,
  };
}

export type StageRunner = ReturnType<typeof createStageRunner>;
