/**
 * `catwatch doctor`: checks what the service depends on — ffmpeg, every enabled camera, the broker, the model, GPU
 * runtimes and disk space — and prints one row per check. Exit 1 when any check FAILs, so scripts can gate on it.
 */
import { CatwatchError, EXIT_FAILURE, EXIT_OK } from '../../util/errors.js';
import { parseCommandArgs, type Command } from '../command.js';
import { checkBroker, checkCamera, checkDisk, checkFfmpeg, checkGpu, checkModel, type CheckResult } from '../doctor-checks.js';
import { MODEL_OPTIONS, MODEL_OPTIONS_HELP, openModelContext } from '../model-context.js';

const HELP = `Usage: catwatch doctor [options]

Checks ffmpeg (version, hardware decoders), each enabled camera (decodes one frame with the service's ffmpeg
arguments; codec, size and fps via ffprobe), the MQTT broker (publish/subscribe round trip), the model (loads the
backbone and scores a cat photo), GPU runtimes and free disk space. Prints check, status (OK, WARN, FAIL) and
detail. Exit code 1 when any check fails.

Options:
${MODEL_OPTIONS_HELP}
      --timeout S     seconds allowed per camera and broker check (default 15)
      --json          print the results as one JSON array
  -h, --help          show this help
`;

export function formatTable(results: readonly CheckResult[]): string {
  const width = Math.max(5, ...results.map((r) => r.check.length));
  const rows = results.map((r) => `${r.check.padEnd(width)}  ${r.status.padEnd(6)}  ${r.detail}`);
  return `${'CHECK'.padEnd(width)}  STATUS  DETAIL\n${rows.join('\n')}\n`;
}

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'check ffmpeg, cameras, broker, model, GPU and disk',
  help: HELP,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, { ...MODEL_OPTIONS, json: { type: 'boolean' }, timeout: { type: 'string' } });
    const timeoutS = Number(values.timeout ?? 15);
    if (!Number.isFinite(timeoutS) || timeoutS <= 0) throw new CatwatchError('E_USAGE', `--timeout must be a positive number of seconds, got ${values.timeout}`);
    const ctx = openModelContext(values, { quiet: true });
    const { config } = ctx;
    const timeoutMs = timeoutS * 1000;

    const ffmpeg = await checkFfmpeg();
    const haveFfmpeg = ffmpeg[0].status !== 'FAIL';
    const cameras = config.cameras.filter((c) => c.enabled);
    // Cameras and broker are network-bound: check them together; the model is CPU-bound and goes on its own.
    const [cameraResults, broker] = await Promise.all([
      haveFfmpeg ? Promise.all(cameras.map((c) => checkCamera(c, timeoutMs))) : Promise.resolve(cameras.map((c): CheckResult => ({ check: `camera ${c.name}`, status: 'FAIL', detail: 'not checked: ffmpeg missing' }))),
      checkBroker(config, timeoutMs),
    ]);
    const results: CheckResult[] = [
      ...ffmpeg,
      ...(cameras.length > 0 ? cameraResults : [{ check: 'cameras', status: 'WARN' as const, detail: 'no enabled camera in the config' }]),
      broker,
      await checkModel(ctx),
      ...(await checkGpu(config)),
      checkDisk(config),
    ];
    io.stdout.write(values.json ? `${JSON.stringify(results, null, 2)}\n` : formatTable(results));
    return results.some((r) => r.status === 'FAIL') ? EXIT_FAILURE : EXIT_OK;
  },
};
