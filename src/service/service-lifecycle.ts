/**
 * The service's lifecycle around a pipeline: the config store, the control bus and the stage runner are made here,
 * the stages by `pipeline` (src/main.ts, the only place they are wired), started in order and stopped in reverse.
 */
import { createConfigStore, type ConfigStore } from '../config/config-store.js';
import type { Config } from '../config/schema.js';
import type { Stage } from '../util/stage.js';
import { createEventBus, type EventBus } from './event-bus.js';
import type { Service, ServiceDeps } from './service.js';
import { createStageRunner, type StageRunner } from './stage-runner.js';
import type { StatusSnapshot } from './status.js';

export interface Wiring { deps: ServiceDeps; store: ConfigStore; bus: EventBus; runner: StageRunner }
export type Pipeline = (wiring: Wiring) => { stages: Array<Stage<Config> | undefined>; status: () => StatusSnapshot };

export function createServiceLifecycle(deps: ServiceDeps, pipeline: Pipeline): Service {
  const store = createConfigStore(deps.config, deps.log);
  const bus = createEventBus(deps.log.child({ component: 'bus' }));
  const runner = createStageRunner({ store, log: deps.log });
  let status: (() => StatusSnapshot) | undefined;
  return {
    bus,
    config: store,
    async start() {
      deps.log.info({ cameras: store.current().cameras.length, dataDir: store.current().dataDir }, 'catwatch starting');
      const built = pipeline({ deps, store, bus, runner });
      status = built.status;
      await runner.start(built.stages.filter((s): s is Stage<Config> => s !== undefined));
      deps.log.info('catwatch running');
    },
    async stop() {
      await runner.stop();
      deps.log.info('catwatch stopped');
    },
    applyConfig: async (next) => void (await store.apply(next)),
    status: () => status?.(),
  };
}
