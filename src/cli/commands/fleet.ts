/** `catwatch fleet keygen DIR`: the Ed25519 key pair that signs (trainer) and verifies (nodes) the fleet model pointer. */
import { resolve } from 'node:path';
import { writeFleetKeyPair } from '../../fleet/keygen.js';
import { CatwatchError, EXIT_OK } from '../../util/errors.js';
import { parseCommandArgs, type Command } from '../command.js';

const HELP = `Usage: catwatch fleet keygen DIR

  keygen DIR   write DIR/fleet-signing.pem (Ed25519 private key, mode 0600: the trainer's fleet.signingKey) and
               DIR/fleet-public.pem (every node's fleet.publicKey); never overwrites an existing key

Options:
      --json      machine-readable output
  -h, --help      show this help
`;

export const fleetCommand: Command = {
  name: 'fleet',
  summary: 'keys for training across many nodes',
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' } } as const, true);
    const [action, dir, ...extra] = positionals;
    if (extra.length > 0) throw new CatwatchError('E_USAGE', `unexpected argument ${extra[0]}`);
    if (action !== 'keygen') throw new CatwatchError('E_USAGE', action ? `unknown fleet action ${action}: expected keygen` : 'missing action: keygen DIR');
    if (!dir) throw new CatwatchError('E_USAGE', 'fleet keygen needs a DIR to write the key pair to');
    const paths = writeFleetKeyPair(resolve(dir));
    if (values.json) io.stdout.write(`${JSON.stringify(paths)}\n`);
    else io.stdout.write(`signing key (trainer, keep secret): ${paths.privateKeyPath}\npublic key (nodes): ${paths.publicKeyPath}\n`);
    return EXIT_OK;
  },
};
