/** The service's contract: what `catwatch run` (and tests) start, reload and stop. Wired in src/main.ts. */
import type { ConfigStore } from '../config/config-store.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../util/log.js';
import type { EventBus } from './event-bus.js';
import type { StatusSnapshot } from './status.js';

export interface ServiceDeps {
  config: Config;
  /** The config file: the training child reads the same one. */
  configPath: string;
  /** The `catwatch` CLI script, run as the training child process. */
  cliPath: string;
  log: Logger;
}

export interface Service {
  start(): Promise<void>;
  stop(): Promise<void>;
  applyConfig(next: Config): Promise<void>;
  status(): StatusSnapshot | undefined;
  readonly bus: EventBus;
  readonly config: ConfigStore;
}
