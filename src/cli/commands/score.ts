/**
 * `catwatch score PATH...`: scores image files (folders recursively) with the current model, on all cores.
 * An unreadable file gives a line with an "error" field and the run goes on.
 */
import { decodeImage } from '../../image/decode-image.js';
import { createTargetModel } from '../../model/target-model.js';
import { CatwatchError, EXIT_FAILURE, EXIT_OK } from '../../util/errors.js';
import { listImages } from '../../image/list-images.js';
import { parseCommandArgs, type Command } from '../command.js';
import { MODEL_OPTIONS, MODEL_OPTIONS_HELP, openModelContext, startPool } from '../model-context.js';

const HELP = `Usage: catwatch score [options] PATH...

Scores images (files, or folders walked recursively) with the current model (or --model VERSION).
With --json: one JSON object per line: {"path", "score": 0..1, "label": "<target>"|"not<target>", "prior", "head",
"trust"}: the score's parts are the backbone's own probability, the head's contribution in logits (0 = none) and how
close the image is to the training data (0..1; far from it the score falls back to the prior). A file that cannot be
read gives {"path": ..., "error": ...} and scoring continues. Exit code 1 when any file failed.

Options:
${MODEL_OPTIONS_HELP}
      --model VERSION  score with this version instead of the current one
      --json           JSON lines output
  -h, --help           show this help
`;

const IN_FLIGHT = 32;

export const scoreCommand: Command = {
  name: 'score',
  summary: 'score image files or folders with the current model',
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { ...MODEL_OPTIONS, model: { type: 'string' }, json: { type: 'boolean' } }, true);
    if (positionals.length === 0) throw new CatwatchError('E_USAGE', 'give at least one image file or folder');
    const ctx = openModelContext(values, { quiet: true });
    const files = listImages(positionals, { allFiles: true });
    const { pool, info } = await startPool(ctx);
    let failures = 0;
    try {
      const version = values.model ? ctx.registry.load(values.model) : ctx.registry.loadCurrent(info.id);
      if (version.manifest.backbone.id !== info.id) {
        throw new CatwatchError('E_MODEL_INVALID', `model ${version.manifest.version} was trained on ${version.manifest.backbone.id}, but the backbone in use is ${info.id} (set model.backbone)`);
      }
      const model = createTargetModel(version, { thresholdOverride: ctx.config.model.threshold });
      const negativeLabel = `not${model.label}`;
      const results: string[] = new Array(files.length);
      let printed = 0;
      const flush = (): void => {
        while (printed < files.length && results[printed] !== undefined) io.stdout.write(results[printed++]);
      };
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < files.length) {
          const i = next++;
          const path = files[i];
          try {
            const image = await decodeImage(path);
            const [out] = await pool.embed([image]);
            const parts = model.explain(out);
            const label = parts.score >= model.threshold ? model.label : negativeLabel;
            const round = (x: number): number | null => (Number.isFinite(x) ? Number(x.toFixed(6)) : null);
            results[i] = values.json
              ? `${JSON.stringify({ path, score: round(parts.score), label, prior: round(parts.prior), head: round(parts.head), trust: round(parts.trust) })}\n`
              : `${parts.score.toFixed(4)}  ${label.padEnd(negativeLabel.length)}  prior ${parts.prior.toFixed(4)}  ${path}\n`;
          } catch (err) {
            failures++;
            const message = err instanceof CatwatchError ? err.message : (err as Error).message;
            results[i] = values.json ? `${JSON.stringify({ path, error: message })}\n` : `error  ${message}\n`;
          }
          flush();
        }
      };
      await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, files.length) }, worker));
      flush();
    } finally {
      await pool.stop();
    }
    return failures > 0 ? EXIT_FAILURE : EXIT_OK;
  },
};
