/** `catwatch config check|schema|show|docs|hash-password`. */
import { readFileSync } from 'node:fs';
import { configJsonSchema } from '../../config/schema.js';
import { configReferenceMarkdown } from '../../config/config-docs.js';
import { loadConfig, resolveConfigPath } from '../../config/load-config.js';
import { CatwatchError, EXIT_OK } from '../../util/errors.js';
import { hashPassword } from '../../web/ui/web-access.js';
import { redactConfig } from '../../config/redact-config.js';
import { CONFIG_HELP, CONFIG_OPTION, parseCommandArgs, type Command } from '../command.js';

const HELP = `Usage: catwatch config <check|schema|show|docs|hash-password> [options]

  check    validate the config file; exit 0 when valid, 2 naming every bad key otherwise
  schema   print the JSON schema of the config file
  show     print the effective config (defaults filled in, secrets hidden) as JSON
  docs     print the configuration reference (Markdown, as in README.md)
  hash-password
           read a password from standard input, print its hash for http.passwordHash

Options:
${CONFIG_HELP}
  -h, --help          show this help
`;

export const configCommand: Command = {
  name: 'config',
  summary: 'check the config file, print its JSON schema or the effective config',
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { ...CONFIG_OPTION }, true);
    const [action, ...extra] = positionals;
    if (extra.length > 0) throw new CatwatchError('E_USAGE', `unexpected argument ${extra[0]}`);
    switch (action) {
      case 'schema':
        io.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
        return EXIT_OK;
      case 'docs':
        io.stdout.write(configReferenceMarkdown());
        return EXIT_OK;
      case 'hash-password': {
        const password = readFileSync(0, 'utf8').split(/\r?\n/)[0];
        if (!password) throw new CatwatchError('E_USAGE', 'give the password on standard input, e.g. `read -rs P; echo "$P" | catwatch config hash-password`');
        io.stdout.write(`${hashPassword(password)}\n`);
        return EXIT_OK;
      }
      case 'check': {
        const path = resolveConfigPath(values.config);
        const config = loadConfig(path);
        io.stdout.write(`${path}: OK (${config.cameras.length} camera(s))\n`);
        return EXIT_OK;
      }
      case 'show': {
        const config = loadConfig(resolveConfigPath(values.config));
        // Every setting the schema marks as a secret is hidden (passwords, keys, the UI's hash, credentials in URLs).
        io.stdout.write(`${JSON.stringify(redactConfig(config), null, 2)}\n`);
        return EXIT_OK;
      }
      default:
        throw new CatwatchError('E_USAGE', action ? `unknown config action ${action} (expected check, schema, show, docs or hash-password)` : 'missing action: check, schema, show, docs or hash-password');
    }
  },
};
