/**
 * What the model commands (train, eval, score, models) share: the config (or defaults when none is found and a
 * data folder is given), the registry and, when asked, a running scoring pool with its backbone.
 */
import { loadConfig, parseConfig, resolveConfigPath } from '../config/load-config.js';
import type { Config } from '../config/schema.js';
import { createRegistry, cleanRegistryTemp, type Registry } from '../registry/registry.js';
import { resolveBackboneSpec } from '../score/backbone-spec.js';
import { createScorePool, type BackboneInfo, type ScorePool } from '../score/score-pool.js';
import { CatwatchError } from '../util/errors.js';
import { createLogger, type Logger } from '../util/log.js';
import { bundledModelsDir } from '../util/package-root.js';

export const MODEL_OPTIONS = {
  config: { type: 'string', short: 'c' },
  'data-dir': { type: 'string' },
} as const;

export const MODEL_OPTIONS_HELP = `  -c, --config FILE   config file (default /etc/catwatch/catwatch.yml, else ./config/catwatch.yml)
      --data-dir DIR  state folder (overrides dataDir; lets the command run without a config file)`;

export interface ModelContext {
  config: Config;
  registry: Registry;
  log: Logger;
}

export function openModelContext(values: { config?: string; 'data-dir'?: string }, options: { quiet?: boolean } = {}): ModelContext {
  let config: Config;
  try {
    config = loadConfig(resolveConfigPath(values.config));
  } catch (err) {
    if (!(err instanceof CatwatchError && err.code === 'E_CONFIG_NOT_FOUND' && values['data-dir'] && !values.config)) throw err;
    config = parseConfig({}, { baseDir: process.cwd(), env: process.env });
  }
  if (values['data-dir']) config = { ...config, dataDir: values['data-dir'] };
  // Commands print their results on stdout; logs go to stderr so `--json` output stays parseable.
  const log = createLogger({ level: options.quiet ? 'warn' : config.log.level, pretty: false, destination: 2 });
  cleanRegistryTemp(config.dataDir);
  return { config, registry: createRegistry({ dataDir: config.dataDir, bundledDir: bundledModelsDir() }), log };
}

export async function startPool(ctx: ModelContext, backboneOverride?: Config['model']['backbone']): Promise<{ pool: ScorePool; info: BackboneInfo }> {
  const model = backboneOverride ? { ...ctx.config.model, backbone: backboneOverride } : ctx.config.model;
  const pool = createScorePool({ spec: resolveBackboneSpec(model, ctx.config.dataDir), log: ctx.log, workers: model.workers, batchSize: model.batchSize, queueMax: 1024 });
  const info = await pool.start();
  return { pool, info };
}
