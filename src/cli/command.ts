/** What every `catwatch <subcommand>` module exports. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CatwatchError } from '../util/errors.js';

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Full help text shown by `catwatch <name> --help`. */
  readonly help: string;
  /** Returns the exit code. Throws CatwatchError for expected failures. */
  run(argv: string[], io: CliIo): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs with errors turned into E_USAGE (exit 2) instead of a stack trace. */
export function parseCommandArgs<O extends Options>(argv: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    throw new CatwatchError('E_USAGE', (err as Error).message.replace(/\. To specify a positional.*$/s, ''));
  }
}

export const CONFIG_OPTION = { config: { type: 'string', short: 'c' } } as const;
export const CONFIG_HELP = '  -c, --config FILE   config file (default /etc/catwatch/catwatch.yml, else ./config/catwatch.yml; env CATWATCH_CONFIG)';

export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}
