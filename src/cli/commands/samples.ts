/** `catwatch samples list|label|export`: review the samples the service mined. Safe while the service runs. */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig, resolveConfigPath } from '../../config/load-config.js';
import { openDatabase } from '../../store/database.js';
import { createSampleStore, type SampleStore } from '../../store/sample-store.js';
import { isSampleState, SAMPLE_STATES, type SampleRecord } from '../../store/sample-rows.js';
import { CatwatchError, EXIT_OK } from '../../util/errors.js';
import { createLogger } from '../../util/log.js';
import { parseCommandArgs, type Command } from '../command.js';
import { MODEL_OPTIONS, MODEL_OPTIONS_HELP } from '../model-context.js';

const HELP = `Usage: catwatch samples <list|label ID... STATE|export DIR> [options]

The frames the service kept as candidate hard negatives, and their label state:
  mined      kept automatically, not reviewed yet (trained on as a negative)
  negative   confirmed: the target is not there (trained on as a negative)
  positive   confirmed: the target is there (joins the positives)
  rejected   useless (left out of training)

  list                 samples, newest first: id, state, camera, time, score, reason, model, crop file
  label ID... STATE    set the state of the samples (STATE: ${SAMPLE_STATES.join(', ')}; mined undoes a label)
  export DIR           copy the crops to DIR/<state>/<id>.jpg and write DIR/index.json

Options:
${MODEL_OPTIONS_HELP}
      --state STATE   list or export only samples in this state
      --limit N       list at most N samples (default 100; 0: all)
      --json          machine-readable output
  -h, --help          show this help
`;

const DEFAULT_LIMIT = 100;

function parseState(value: string | undefined): SampleRecord['state'] | undefined {
  if (value === undefined) return undefined;
  if (!isSampleState(value)) throw new CatwatchError('E_USAGE', `unknown state ${value}: expected ${SAMPLE_STATES.join(', ')}`);
  return value;
}

/** --data-dir wins (no config file needed); otherwise the config's dataDir. */
function dataDirOf(values: { config?: string; 'data-dir'?: string }): string {
  if (values['data-dir']) return resolve(values['data-dir']);
  return loadConfig(resolveConfigPath(values.config)).dataDir;
}

/** Opens the store when the service has created one; `undefined` otherwise (nothing mined yet). */
async function withStore<R>(dataDir: string, fn: (store: SampleStore) => R | Promise<R>): Promise<R | undefined> {
  if (!existsSync(join(dataDir, 'catwatch.db'))) return undefined;
  const db = openDatabase(dataDir);
  try {
    return await fn(createSampleStore({ db, dataDir, log: createLogger({ level: 'warn', pretty: false, destination: 2 }) }));
  } finally {
    db.close();
  }
}

function parseIds(args: string[]): number[] {
  return args.map((a) => {
    if (!/^[1-9]\d*$/.test(a)) throw new CatwatchError('E_USAGE', `sample id must be a positive integer, got ${a}`);
    return Number(a);
  });
}

function line(s: SampleRecord): string {
  const at = new Date(s.capturedAtMs).toISOString().replace('T', ' ').slice(0, 19);
  return `${String(s.id).padStart(6)}  ${s.state.padEnd(8)}  ${s.camera}  ${at}  ${s.score.toFixed(3)}  ${s.reason.padEnd(17)}  ${s.modelVersion ?? '-'}  ${s.cropFile}\n`;
}

export const samplesCommand: Command = {
  name: 'samples',
  summary: 'list, label and export mined samples',
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { ...MODEL_OPTIONS, state: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } }, true);
    const [action, ...args] = positionals;
    const state = parseState(values.state);
    const dataDir = dataDirOf(values);
    switch (action) {
      case 'list': {
        if (args.length > 0) throw new CatwatchError('E_USAGE', `unexpected argument ${args[0]}`);
        const limit = values.limit === undefined ? DEFAULT_LIMIT : Number(values.limit);
        if (!Number.isInteger(limit) || limit < 0) throw new CatwatchError('E_USAGE', `--limit must be a whole number, got ${values.limit}`);
        const found = await withStore(dataDir, (store) => ({ samples: store.list({ state, limit: limit === 0 ? -1 : limit }), total: store.count(state) }));
        const samples = found?.samples ?? [];
        const total = found?.total ?? 0;
        if (values.json) {
          io.stdout.write(`${JSON.stringify({ dataDir, total, samples: samples.map((s) => ({ ...s, cropPath: join(dataDir, s.cropFile), framePath: join(dataDir, s.frameFile) })) })}\n`);
        } else if (samples.length === 0) {
          io.stdout.write(state ? `no ${state} samples\n` : 'no samples yet\n');
        } else {
          for (const s of samples) io.stdout.write(line(s));
          if (total > samples.length) io.stdout.write(`(${total - samples.length} more: --limit 0 lists all)\n`);
        }
        return EXIT_OK;
      }
      case 'label': {
        const target = parseState(args.at(-1));
        if (args.length < 2 || target === undefined) throw new CatwatchError('E_USAGE', `samples label needs IDs and a STATE (${SAMPLE_STATES.join(', ')})`);
        const ids = parseIds(args.slice(0, -1));
        const result = (await withStore(dataDir, (store) => {
          // All or nothing: a typo in one id must not label the others silently.
          const missing = ids.filter((id) => store.get(id) === undefined);
          return missing.length > 0 ? { updated: 0, missing } : store.label(ids, target);
        })) ?? { updated: 0, missing: ids };
        if (result.missing.length > 0) throw new CatwatchError('E_STORE', `no sample with id ${result.missing.join(', ')} in ${dataDir} (see catwatch samples list); nothing labelled`);
        if (values.json) io.stdout.write(`${JSON.stringify({ updated: result.updated, state: target, ids })}\n`);
        else io.stdout.write(`${result.updated} sample${result.updated === 1 ? '' : 's'} labelled ${target}\n`);
        return EXIT_OK;
      }
      case 'export': {
        if (args.length !== 1) throw new CatwatchError('E_USAGE', 'samples export needs one DIR');
        const dir = resolve(args[0]);
        const result = (await withStore(dataDir, (store) => store.export(dir, { state }))) ?? { exported: 0, skipped: [] };
        if (values.json) io.stdout.write(`${JSON.stringify({ dir, ...result })}\n`);
        else io.stdout.write(`exported ${result.exported} sample${result.exported === 1 ? '' : 's'} to ${dir}${result.skipped.length > 0 ? ` (${result.skipped.length} deleted meanwhile)` : ''}\n`);
        return EXIT_OK;
      }
      default:
        throw new CatwatchError('E_USAGE', action ? `unknown samples action ${action}` : 'missing action: list, label or export');
    }
  },
};
