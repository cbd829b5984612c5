/** `catwatch models list|use|rollback|pull|export-triton`. */
import { pullModel } from '../../registry/pull-model.js';
import { catalogModelNames } from '../../model/model-catalog.js';
import { CatwatchError, EXIT_OK } from '../../util/errors.js';
import { parseCommandArgs, type Command } from '../command.js';
import { MODEL_OPTIONS, MODEL_OPTIONS_HELP, openModelContext } from '../model-context.js';
import { EXPORT_TRITON_HELP, EXPORT_TRITON_OPTIONS_HELP, exportTritonAction } from './models-export-triton.js';

const HELP = `Usage: catwatch models <list|use VERSION|rollback|pull NAME|export-triton DIR> [options]

  list             trained versions (the current one marked *), with backbone, threshold and validation AUROC
  use VERSION      make VERSION current (the service swaps to it without a restart)
  rollback         make the version before the current one current
  pull NAME        download a backbone (${catalogModelNames().join(', ')}) into dataDir/backbones, sha256-checked;
                   resumable; --from DIR_OR_URL takes it from a local mirror folder or another URL
${EXPORT_TRITON_HELP}

Options:
${MODEL_OPTIONS_HELP}
      --from DIR_OR_URL  mirror for pull (a folder holding NAME.onnx, or a URL)
${EXPORT_TRITON_OPTIONS_HELP}
      --json             machine-readable output
  -h, --help             show this help
`;

export const modelsCommand: Command = {
  name: 'models',
  summary: 'list, use, roll back or pull models',
  help: HELP,
  async run(argv, io) {
    const options = { ...MODEL_OPTIONS, from: { type: 'string' }, json: { type: 'boolean' }, name: { type: 'string' }, 'model-version': { type: 'string' } } as const;
    const { values, positionals } = parseCommandArgs(argv, options, true);
    const [action, arg, ...extra] = positionals;
    if (extra.length > 0) throw new CatwatchError('E_USAGE', `unexpected argument ${extra[0]}`);
    // Needs no data folder: it only reads the detector out of the npm package.
    if (action === 'export-triton') return exportTritonAction(arg, values, io);
    const ctx = openModelContext(values, { quiet: true });
    const { registry } = ctx;
    switch (action) {
      case 'list': {
        const current = registry.currentVersion();
        const list = registry.list().map((m) => ({ ...m, current: m.version === current }));
        if (values.json) {
          io.stdout.write(`${JSON.stringify({ current: current ?? null, versions: list })}\n`);
        } else if (list.length === 0) {
          io.stdout.write('no trained versions yet: the bundled default model is in use\n');
        } else {
          for (const m of list) {
            io.stdout.write(`${m.current ? '*' : ' '} ${m.version}  ${m.backbone.id}  threshold ${m.threshold.toFixed(4)}  auroc ${(m.metrics.auroc ?? Number.NaN).toFixed(4)}  ${m.reason}${m.decision ? ` (${m.decision})` : ''}\n`);
          }
        }
        return EXIT_OK;
      }
      case 'use': {
        if (!arg) throw new CatwatchError('E_USAGE', 'models use needs a VERSION (see catwatch models list)');
        registry.use(arg);
        io.stdout.write(`current model: ${arg}\n`);
        return EXIT_OK;
      }
      case 'rollback': {
        const version = registry.rollback();
        io.stdout.write(`current model: ${version}\n`);
        return EXIT_OK;
      }
      case 'pull': {
        if (!arg) throw new CatwatchError('E_USAGE', `models pull needs a NAME: ${catalogModelNames().join(', ')}`);
        let lastPct = -1;
        const result = await pullModel({
          name: arg,
          dataDir: ctx.config.dataDir,
          from: values.from,
          log: ctx.log,
          onProgress: (p) => {
            const pct = p.totalBytes > 0 ? Math.floor((p.receivedBytes / p.totalBytes) * 100) : 0;
            if (process.stderr.isTTY && pct !== lastPct) process.stderr.write(`\rdownloading ${arg}: ${(lastPct = pct)}%`);
          },
        });
        if (process.stderr.isTTY && lastPct >= 0) process.stderr.write('\n');
        if (values.json) io.stdout.write(`${JSON.stringify(result)}\n`);
        else io.stdout.write(`${result.changed ? 'installed' : 'already installed'}: ${result.path} (sha256 ${result.sha256})\n`);
        return EXIT_OK;
      }
      default:
        throw new CatwatchError('E_USAGE', action ? `unknown models action ${action}` : 'missing action: list, use, rollback, pull or export-triton');
    }
  },
};
