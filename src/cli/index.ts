#!/usr/bin/env node
/**
 * The `catwatch` command: dispatches to one module per subcommand. Exit codes: 0 ok, 1 runtime failure,
 * 2 usage or configuration error. Expected failures print `error E_CODE: message`, never a stack trace.
 */
import { createRequire } from 'node:module';
import { CatwatchError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from '../util/errors.js';
import { wantsHelp, type CliIo, type Command } from './command.js';
import { commands } from './commands/index.js';

const require = createRequire(import.meta.url);

function mainHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `Usage: catwatch <command> [options]

catwatch watches RTSP cameras for one target class (a cat by default), publishes detections over MQTT and learns
from the frames it was unsure about.

Commands:
${lines.join('\n')}

Run 'catwatch <command> --help' for the options of a command.
Exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error.
`;
}

export async function runCli(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(mainHelp());
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (name === '--version' || name === '-V') {
    io.stdout.write(`${(require('../../../package.json') as { version: string }).version}\n`);
    return EXIT_OK;
  }
  const command: Command | undefined = commands.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(`error E_USAGE: unknown command ${name}\n\n${mainHelp()}`);
    return EXIT_USAGE;
  }
  if (wantsHelp(rest)) {
    io.stdout.write(command.help);
    return EXIT_OK;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof CatwatchError) {
      io.stderr.write(`error ${err.code}: ${err.message}\n`);
      for (const line of err.details) io.stderr.write(`  ${line}\n`);
      return err.exitCode;
    }
    const storage = storageFailure(err);
    if (storage) {
      io.stderr.write(`error ${storage}: ${(err as Error).message}: ${storage === 'E_DISK_FULL' ? 'free space' : 'check the free space and the disk'} where the data folder is (catwatch doctor shows it), then run it again\n`);
      return EXIT_FAILURE;
    }
    // An error catwatch did not expect: its stack helps a bug report, but only when asked for.
    const debug = process.env.CATWATCH_LOG_LEVEL === 'debug' || process.env.CATWATCH_LOG_LEVEL === 'trace';
    io.stderr.write(`error: ${err instanceof Error ? (debug ? (err.stack ?? err.message) : `${err.name}: ${err.message} (CATWATCH_LOG_LEVEL=debug shows where)`) : String(err)}\n`);
    return EXIT_FAILURE;
  }
}

/**
 * The failures every command can meet and none can fix: a full disk (SQLite's SQLITE_FULL, the kernel's ENOSPC), or
 * a write SQLite could not do (SQLITE_IOERR_*: what a full disk gives while its write-ahead log grows).
 */
function storageFailure(err: unknown): 'E_DISK_FULL' | 'E_STORAGE' | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') return 'E_DISK_FULL';
  return typeof code === 'string' && code.startsWith('SQLITE_IOERR') ? 'E_STORAGE' : undefined;
}

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`fatal: ${String(err)}\n`);
    process.exitCode = EXIT_FAILURE;
  },
);
