/**
 * The running config: one current value, and listeners per config path. A reload computes what changed; settings
 * that need a restart keep their running values (a half-applied MQTT or HTTP change would be worse than none) and
 * are reported; listeners of the changed live paths run, each on its own (one that throws is logged, not fatal).
 */
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from '../util/log.js';
import { pathsOverlap } from '../util/stage.js';
import { diffConfig, type ConfigDiff } from './config-diff.js';
import { RESTART_REQUIRED_PATHS, type Config } from './schema.js';

export type ConfigListener = (next: Config, previous: Config) => void | Promise<void>;

export interface ConfigStore {
  current(): Config;
  /** Calls `listener` after a reload that changed one of `paths`; returns the unsubscribe function. */
  onChange(paths: readonly string[], listener: ConfigListener, owner?: string): () => void;
  /** Applies a reloaded config; resolves once every listener ran. */
  apply(next: Config): Promise<ConfigDiff>;
  /** The paths some listener applies live right now. */
  livePaths(): string[];
  /** Records a reloaded file that was refused (invalid): the running config stays. */
  rejected(reason: string): void;
  /** The last reload that changed something, and the last refused one (for the status snapshot). */
  history(): ConfigHistory;
}

export interface ConfigHistory {
  lastChange: { atMs: number; changed: string[]; restartRequired: string[] } | null;
  lastRejected: { atMs: number; reason: string } | null;
}

interface Subscription { paths: readonly string[]; listener: ConfigListener; owner: string }

function getPath(obj: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
}

/** `next` with the restart-required settings put back to their running values. */
function keepRestartSettings(running: Config, next: Config): Config {
  const merged = structuredClone(next) as unknown as Record<string, Record<string, unknown>>;
  for (const path of RESTART_REQUIRED_PATHS) {
    const [section, key] = path.split('.') as [string, string | undefined];
    if (key === undefined) merged[section] = structuredClone(getPath(running, section)) as Record<string, unknown>;
    else merged[section] = { ...merged[section], [key]: getPath(running, path) };
  }
  return merged as unknown as Config;
}

export function createConfigStore(initial: Config, log: Logger): ConfigStore {
  const logger = log.child({ component: 'config' });
  let config = initial;
  const subscriptions = new Set<Subscription>();
  const history: ConfigHistory = { lastChange: null, lastRejected: null };

  async function notify(sub: Subscription, next: Config, previous: Config): Promise<void> {
    try {
      await sub.listener(next, previous);
    } catch (err) {
      logger.error({ owner: sub.owner, err }, 'applying config change failed');
    }
  }

  return {
    current: () => config,
    onChange(paths, listener, owner = 'unnamed') {
      const sub = { paths, listener, owner };
      subscriptions.add(sub);
      return () => subscriptions.delete(sub);
    },
    async apply(next) {
      const diff = diffConfig(config, next);
      if (diff.changed.length === 0) {
        logger.info('config reloaded, nothing changed');
        return diff;
      }
      if (diff.restartRequired.length > 0) logger.warn({ paths: diff.restartRequired }, 'config changes need a restart to apply');
      const previous = config;
      config = keepRestartSettings(previous, next);
      history.lastChange = { atMs: Date.now(), changed: diff.changed, restartRequired: diff.restartRequired };
      const live = diff.changed.filter((p) => !diff.restartRequired.some((r) => pathsOverlap(r, p)));
      logger.info({ changed: diff.changed, live }, 'config reloaded');
      if (isDeepStrictEqual(previous, config)) return diff;
      const due = [...subscriptions].filter((s) => s.paths.some((p) => live.some((c) => pathsOverlap(p, c))));
      await Promise.all(due.map((s) => notify(s, config, previous)));
      return diff;
    },
    livePaths: () => [...new Set([...subscriptions].flatMap((s) => s.paths))].sort(),
    rejected(reason) {
      history.lastRejected = { atMs: Date.now(), reason };
    },
    history: () => structuredClone(history),
  };
}
