/**
 * Reading, validating and freezing the config file. Every bad key is reported with its exact path
 * (`cameras[1].url: expected an rtsp://, rtsps:// or file URL`), never a stack trace.
 */
import { redactUrl } from '../util/log.js';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { CatwatchError } from '../util/errors.js';
import { configSchema, type Config } from './schema.js';
import { resolveSecretRefs } from './secret-refs.js';

export const DEFAULT_CONFIG_PATH = '/etc/catwatch/catwatch.yml';
export const FALLBACK_CONFIG_PATH = 'config/catwatch.yml';

/** Environment variables that override secrets, so they can live outside the file (systemd credentials, .env). */
const ENV_OVERRIDES: ReadonlyArray<{ env: string; apply: (raw: Record<string, unknown>, value: string) => void }> = [
  { env: 'CATWATCH_MQTT_URL', apply: (raw, v) => { section(raw, 'mqtt').url = v; } },
  { env: 'CATWATCH_MQTT_USERNAME', apply: (raw, v) => { section(raw, 'mqtt').username = v; } },
  { env: 'CATWATCH_MQTT_PASSWORD', apply: (raw, v) => { section(raw, 'mqtt').password = v; } },
  { env: 'CATWATCH_DATA_DIR', apply: (raw, v) => { raw.dataDir = v; } },
];

function section(raw: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = raw[key];
  if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  const created: Record<string, unknown> = {};
  raw[key] = created;
  return created;
}

/** Picks the config file: explicit path, then $CATWATCH_CONFIG, then /etc/catwatch/catwatch.yml, then ./config/catwatch.yml. */
export function resolveConfigPath(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = explicit ?? env.CATWATCH_CONFIG;
  if (chosen) {
    if (!existsSync(chosen)) throw new CatwatchError('E_CONFIG_NOT_FOUND', `config file ${chosen} does not exist`);
    return resolve(chosen);
  }
  if (existsSync(DEFAULT_CONFIG_PATH)) return DEFAULT_CONFIG_PATH;
  if (existsSync(FALLBACK_CONFIG_PATH)) return resolve(FALLBACK_CONFIG_PATH);
  throw new CatwatchError(
    'E_CONFIG_NOT_FOUND',
    `no config file: tried ${DEFAULT_CONFIG_PATH} and ./${FALLBACK_CONFIG_PATH}; pass --config FILE`,
  );
}

/** `['cameras', 1, 'url']` → `cameras[1].url`. */
export function formatConfigPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(top level)' : out;
}

/**
 * An unknown key as it may be shown: a real misspelling is a short name; anything else is most likely a broken line
 * whose text (a URL with its password) ended up as a key, so it is not echoed.
 */
function shownKey(key: string): string {
  return /^[A-Za-z0-9_-]{1,64}$/.test(key) ? key : `(a key of ${key.length} characters that is not a name)`;
}

function issueLines(issues: readonly z.core.$ZodIssue[]): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) lines.push(`${formatConfigPath([...issue.path, shownKey(key)])}: unknown key (check the spelling)`);
    } else {
      lines.push(`${formatConfigPath(issue.path)}: ${issue.message.replace(/^Invalid input: /, '')}`);
    }
  }
  return lines;
}

/** Validates an already-parsed object. Relative paths are resolved against `baseDir` (the config file's folder). */
export function parseConfig(raw: unknown, options: { baseDir: string; env?: NodeJS.ProcessEnv; source?: string }): Config {
  const env = options.env ?? process.env;
  const obj: Record<string, unknown> =
    raw === null || raw === undefined ? {} : typeof raw === 'object' && !Array.isArray(raw) ? { ...(resolveSecretRefs(raw, env, options.source ?? 'config') as Record<string, unknown>) } : (() => {
      throw new CatwatchError('E_CONFIG_INVALID', `${options.source ?? 'config'}: the top level must be a mapping of keys`);
    })();
  if (obj.mqtt && typeof obj.mqtt === 'object') obj.mqtt = { ...(obj.mqtt as Record<string, unknown>) };
  for (const { env: name, apply } of ENV_OVERRIDES) {
    const value = env[name];
    if (value !== undefined && value !== '') apply(obj, value);
  }
  const result = configSchema.safeParse(obj);
  if (!result.success) {
    const details = issueLines(result.error.issues);
    throw new CatwatchError('E_CONFIG_INVALID', `${options.source ?? 'config'} has ${details.length} error(s)`, { details });
  }
  return deepFreeze(resolvePaths(result.data, options.baseDir));
}

export function loadConfig(path: string, env: NodeJS.ProcessEnv = process.env): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CatwatchError('E_CONFIG_NOT_FOUND', `cannot read config file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return parseConfigText(text, path, env);
}

/** The config file's text → Config; `path` names it in errors and anchors its relative paths. */
export function parseConfigText(text: string, path: string, env: NodeJS.ProcessEnv = process.env): Config {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, logLevel: 'error' });
  if (doc.errors.length > 0) {
    // Only the first line of each error (what and where): the rest quotes the file, which may hold a password.
    throw new CatwatchError('E_CONFIG_PARSE', `${path} is not valid YAML`, { details: doc.errors.map((e) => yamlErrorLine(e.message)) });
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // e.g. an alias bomb ("billion laughs") or an alias to nothing: the YAML parses but cannot be expanded.
    throw new CatwatchError('E_CONFIG_PARSE', `${path} is not usable YAML: ${redactUrl(String((err as Error).message).split('\n')[0])}`);
  }
  assertPlainTree(raw, path);
  return parseConfig(raw, { baseDir: dirname(resolve(path)), env, source: path });
}

/**
 * The first line of a YAML error (what and where), with any quoted source text that is not a plain word left out:
 * the parser quotes the offending token, and on a broken line that token may be a URL with its password.
 */
function yamlErrorLine(message: string): string {
  const first = message.split('\n')[0].replace(/:$/, '');
  return redactUrl(first.replace(/"((?:[^"\\]|\\.)*)"/g, (quoted, inner: string) => (/^[[\]{}:,?|>&*!%#.-]{0,4}$/.test(inner) ? quoted : '(source text not shown)')));
}

/** Deeper than any real config: what lies below is a recursive alias or an attack, never a setting. */
const MAX_CONFIG_DEPTH = 32;

/** Refuses a document that refers to itself (`a: &a [*a]`) or nests absurdly deep, before anything walks it. */
function assertPlainTree(raw: unknown, path: string): void {
  const ancestors = new Set<object>();
  const visit = (value: unknown, depth: number): void => {
    if (!value || typeof value !== 'object') return;
    if (ancestors.has(value)) throw new CatwatchError('E_CONFIG_PARSE', `${path} is not usable YAML: an alias refers to a node that contains it`);
    if (depth > MAX_CONFIG_DEPTH) throw new CatwatchError('E_CONFIG_PARSE', `${path} is not usable YAML: nested deeper than ${MAX_CONFIG_DEPTH} levels`);
    ancestors.add(value);
    for (const child of value instanceof Map ? value.values() : Object.values(value)) visit(child, depth + 1);
    ancestors.delete(value);
  };
  visit(raw, 0);
}

function resolvePaths(config: Config, baseDir: string): Config {
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(baseDir, p));
  const fileUrlOrPath = (u: string): string => (/^[a-z][a-z0-9+.-]*:\/\//i.test(u) ? u : abs(u));
  return {
    ...config,
    dataDir: abs(config.dataDir),
    cameras: config.cameras.map((c) => ({ ...c, url: fileUrlOrPath(c.url) })),
    model: { ...config.model, ...(config.model.positives ? { positives: abs(config.model.positives) } : {}) },
    train: { ...config.train, negatives: config.train.negatives.map(abs), ...(config.train.clipsDir ? { clipsDir: abs(config.train.clipsDir) } : {}) },
    ...(config.fleet
      ? { fleet: { ...config.fleet, ...(config.fleet.signingKey ? { signingKey: abs(config.fleet.signingKey) } : {}), ...(config.fleet.publicKey ? { publicKey: abs(config.fleet.publicKey) } : {}) } }
      : {}),
    mqtt: {
      ...config.mqtt,
      tls: {
        ...config.mqtt.tls,
        ...(config.mqtt.tls.ca ? { ca: abs(config.mqtt.tls.ca) } : {}),
        ...(config.mqtt.tls.cert ? { cert: abs(config.mqtt.tls.cert) } : {}),
        ...(config.mqtt.tls.key ? { key: abs(config.mqtt.tls.key) } : {}),
      },
    },
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as Record<string, unknown>)) deepFreeze(child);
  }
  return value;
}
