/**
 * Reloads the config when the file changes (and on demand, for SIGHUP). Editors replace files by rename, so the
 * folder is watched, not the inode; changes are debounced. An invalid new file is logged and the old config stays.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from '../util/log.js';
import { CatwatchError, errorMessage } from '../util/errors.js';
import { loadConfig } from './load-config.js';
import type { Config } from './schema.js';

export interface ConfigWatcherDeps {
  path: string;
  log: Logger;
  onChange: (next: Config, trigger: 'file' | 'signal') => void;
  /** A reloaded file was refused (the running config stays). */
  onRejected?: (reason: string) => void;
  debounceMs?: number;
}

export function createConfigWatcher(deps: ConfigWatcherDeps) {
  const log = deps.log.child({ component: 'config' });
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;

  function reload(trigger: 'file' | 'signal'): void {
    try {
      deps.onChange(loadConfig(deps.path), trigger);
    } catch (err) {
      if (err instanceof CatwatchError) log.error({ path: deps.path, code: err.code, details: err.details }, 'config reload rejected, keeping the running config');
      else log.error({ path: deps.path, err }, 'config reload failed');
      deps.onRejected?.(err instanceof CatwatchError ? [err.message, ...err.details].join('; ') : errorMessage(err));
    }
  }

  return {
    start() {
      const name = basename(deps.path);
      watcher = watch(dirname(deps.path), (_event, file) => {
        if (file !== null && file !== name) return;
        clearTimeout(timer);
        timer = setTimeout(() => reload('file'), deps.debounceMs ?? 300);
      });
      watcher.on('error', (err) => log.warn({ err: err.message }, 'config watch failed; SIGHUP still reloads'));
    },
    stop() {
      clearTimeout(timer);
      watcher?.close();
      watcher = undefined;
    },
    reloadNow: () => reload('signal'),
  };
}
