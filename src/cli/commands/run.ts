/**
 * `catwatch run`: the long-running service. SIGTERM/SIGINT stop the stages in reverse order within a bounded time
 * (then exit anyway, so systemd never has to SIGKILL us); SIGHUP and edits of the config file reload it.
 */
import { fileURLToPath } from 'node:url';
import { loadConfig, resolveConfigPath } from '../../config/load-config.js';
import { createConfigWatcher } from '../../config/watch-config.js';
import { createService } from '../../main.js';
import { EXIT_FAILURE, EXIT_OK } from '../../util/errors.js';
import { createLogger } from '../../util/log.js';
import { createSdNotifier } from '../../util/sd-notify.js';
import { CONFIG_HELP, CONFIG_OPTION, parseCommandArgs, type Command } from '../command.js';

const STOP_TIMEOUT_MS = 4000;

const HELP = `Usage: catwatch run [options]

Runs the detection service: cameras → motion → scoring → events → MQTT, with mining and retraining.
Stops cleanly on SIGTERM/SIGINT; reloads the config on SIGHUP and when the file changes.

Options:
${CONFIG_HELP}
  -h, --help          show this help
`;

export const runCommand: Command = {
  name: 'run',
  summary: 'run the detection service',
  help: HELP,
  async run(argv) {
    const { values } = parseCommandArgs(argv, { ...CONFIG_OPTION });
    const path = resolveConfigPath(values.config);
    const config = loadConfig(path);
    const log = createLogger({ level: config.log.level });
    log.info({ configPath: path }, 'config loaded');
    const service = createService({ config, configPath: path, cliPath: fileURLToPath(new URL('../index.js', import.meta.url)), log });
    const notifier = createSdNotifier({ log });
    const watcher = createConfigWatcher({
      path,
      log,
      onChange: (next, trigger) => {
        log.info({ trigger }, 'config change detected');
        void service.applyConfig(next);
      },
      onRejected: (reason) => service.config.rejected(reason),
    });

    let stopping: Promise<number> | undefined;
    let resolveDone: (code: number) => void = () => undefined;
    const done = new Promise<number>((resolve) => {
      resolveDone = resolve;
    });
    const stop = (signal: string): Promise<number> => {
      stopping ??= (async () => {
        log.info({ signal }, 'stopping');
        // Not awaited: telling systemd must never delay the stop itself.
        void notifier.stopping();
        watcher.stop();
        const timer = setTimeout(() => {
          log.error({ timeoutMs: STOP_TIMEOUT_MS }, 'stages did not stop in time, exiting anyway');
          resolveDone(EXIT_FAILURE);
        }, STOP_TIMEOUT_MS);
        timer.unref();
        await service.stop();
        clearTimeout(timer);
        return EXIT_OK;
      })();
      void stopping.then(resolveDone);
      return stopping;
    };
    process.on('SIGTERM', () => void stop('SIGTERM'));
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGHUP', () => watcher.reloadNow());
    // An unhandled rejection means a bug left the pipeline in an unknown state: log it and exit 1 so that
    // systemd (Restart=on-failure) starts a fresh process.
    process.on('unhandledRejection', (reason) => {
      log.fatal({ err: reason }, 'unhandled rejection');
      process.exit(EXIT_FAILURE);
    });

    try {
      await service.start();
    } catch (err) {
      log.fatal({ err }, 'start-up failed');
      await service.stop().catch(() => undefined);
      throw err;
    }
    watcher.start();
    await notifier.ready();
    const code = await done;
    // Give pino's transport a moment to flush, then leave even if a stray handle would keep the loop alive.
    setTimeout(() => process.exit(code), 100).unref();
    return code;
  },
};
