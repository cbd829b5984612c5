/** What changed between two configs, split into what applies live and what needs a restart. */
import { isDeepStrictEqual } from 'node:util';
import { RESTART_REQUIRED_PATHS, type Config } from './schema.js';

export interface ConfigDiff {
  /** Dotted paths of changed leaves or sections, e.g. `train.request`, `cameras`. */
  changed: string[];
  restartRequired: string[];
}

function get(obj: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
}

export function diffConfig(before: Config, after: Config): ConfigDiff {
  const changed: string[] = [];
  for (const key of Object.keys(after) as Array<keyof Config>) {
    const a = before[key];
    const b = after[key];
    if (isDeepStrictEqual(a, b)) continue;
    if (a && b && typeof a === 'object' && !Array.isArray(a)) {
      for (const sub of new Set([...Object.keys(a), ...Object.keys(b as object)])) {
        if (!isDeepStrictEqual((a as Record<string, unknown>)[sub], (b as Record<string, unknown>)[sub])) changed.push(`${key}.${sub}`);
      }
    } else {
      changed.push(key);
    }
  }
  const restartRequired = RESTART_REQUIRED_PATHS.filter((p) => !isDeepStrictEqual(get(before, p), get(after, p)));
  return { changed, restartRequired: [...restartRequired] };
}
