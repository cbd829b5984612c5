/**
 * `catwatch service install`: writes the hardened systemd unit (systemd/catwatch.service, with ExecStart= pointing
 * at the node and the catwatch of THIS installation) to /etc/systemd/system and a config skeleton to /etc/catwatch
 * when none exists, then prints the systemctl commands to run. It never runs systemctl itself: enabling a service
 * is the administrator's decision.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CatwatchError, EXIT_OK } from '../../util/errors.js';
import { packageRoot } from '../../util/package-root.js';
import { parseCommandArgs, type Command } from '../command.js';

const HELP = `Usage: catwatch service install [options]

Installs catwatch as a systemd service: writes <prefix>/etc/systemd/system/catwatch.service (ExecStart= runs this
installation with this node) and, when absent, a config skeleton <prefix>/etc/catwatch/catwatch.yml. Then prints
the systemctl commands to enable and start it. Needs root unless --prefix points somewhere writable.

Options:
      --prefix DIR    root of the target file system (default /), e.g. for packaging
      --dry-run       print what would be written, write nothing
  -h, --help          show this help
`;

export const UNIT_NAME = 'catwatch.service';

/** Where the service keeps its state and reads its config; the unit's StateDirectory= and ConfigurationDirectory=. */
const CONFIG_SKELETON = `# catwatch configuration (catwatch service install). Reference: catwatch config schema.
# Secrets such as the broker password go to /etc/catwatch/catwatch.env (mode 0600): CATWATCH_MQTT_PASSWORD=...
# Check this file with: catwatch config check --config /etc/catwatch/catwatch.yml

dataDir: /var/lib/catwatch   # the unit's StateDirectory

cameras: []
#  - name: garden
#    url: rtsp://user:password@192.168.1.20:554/stream1
#    detectFps: 5

mqtt:
  # url: mqtt://broker.local:1883   # absent: catwatch starts its own broker on 127.0.0.1:1883
  baseTopic: catwatch

model:
  label: cat
  backbone: auto

http:
  enabled: true
  host: 127.0.0.1
  port: 8089
`;

export function unitTemplatePath(): string {
  return join(packageRoot(), 'systemd', UNIT_NAME);
}

/** The CLI entry point of this installation (src/cli/index.js beside this command's folder). */
export function installedCliPath(): string {
  return fileURLToPath(new URL('../index.js', import.meta.url));
}

/** systemd splits ExecStart= at spaces; quote a path that has any (systemd.service(5), "Command lines"). */
function execArg(path: string): string {
  if (/["\\]/.test(path)) throw new CatwatchError('E_USAGE', `cannot put ${path} on a systemd command line: it contains a quote or backslash`);
  return /\s/.test(path) ? `"${path}"` : path;
}

/** The unit template with its ExecStart= line replaced: `<node> <cli> run`. */
export function renderUnit(template: string, paths: { nodePath: string; cliPath: string }): string {
  const lines = template.split('\n');
  const at = lines.findIndex((l) => l.startsWith('ExecStart='));
  if (at < 0) throw new Error(`unit template has no ExecStart= line`);
  lines[at] = `ExecStart=${execArg(paths.nodePath)} ${execArg(paths.cliPath)} run`;
  return lines.join('\n');
}

interface PlannedFile { path: string; content: string; mode: number; skipReason?: string }

export const serviceCommand: Command = {
  name: 'service',
  summary: 'install catwatch as a systemd service',
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { prefix: { type: 'string' }, 'dry-run': { type: 'boolean' } }, true);
    const [action, ...extra] = positionals;
    if (action !== 'install') throw new CatwatchError('E_USAGE', action ? `unknown service action ${action} (expected install)` : 'missing action: install');
    if (extra.length > 0) throw new CatwatchError('E_USAGE', `unexpected argument ${extra[0]}`);
    const prefix = resolve(values.prefix ?? '/');
    const nodePath = process.execPath;
    const cliPath = installedCliPath();
    const unitPath = join(prefix, 'etc', 'systemd', 'system', UNIT_NAME);
    const configPath = join(prefix, 'etc', 'catwatch', 'catwatch.yml');
    const files: PlannedFile[] = [
      { path: unitPath, content: renderUnit(readFileSync(unitTemplatePath(), 'utf8'), { nodePath, cliPath }), mode: 0o644 },
      // World-readable: the service runs as a transient user (DynamicUser=yes) that owns nothing under /etc.
      { path: configPath, content: CONFIG_SKELETON, mode: 0o644, skipReason: existsSync(configPath) ? 'exists, kept as it is' : undefined },
    ];

    for (const f of files) {
      if (f.skipReason) {
        io.stdout.write(`${values['dry-run'] ? 'would skip' : 'skipped'} ${f.path} (${f.skipReason})\n`);
        continue;
      }
      if (values['dry-run']) {
        io.stdout.write(`would write ${f.path} (mode ${f.mode.toString(8)}):\n${f.content.replace(/^/gm, '  | ')}\n`);
        continue;
      }
      try {
        mkdirSync(join(f.path, '..'), { recursive: true, mode: 0o755 });
        writeFileSync(f.path, f.content, { mode: f.mode });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EACCES' || code === 'EPERM') throw new CatwatchError('E_USAGE', `cannot write ${f.path}: permission denied; run as root (sudo), or use --dry-run or --prefix`);
        throw err;
      }
      io.stdout.write(`wrote ${f.path}\n`);
    }

    // ProtectHome=yes and DynamicUser=yes: a service user cannot read an installation under a home directory.
    const hidden = [nodePath, cliPath].filter((p) => /^\/(home|root|run\/user)(\/|$)/.test(p));
    if (hidden.length > 0) {
      io.stdout.write(`\nwarning: ${hidden.join(' and ')} lie(s) under a home directory, which the service cannot read (ProtectHome=yes,\n` +
        `DynamicUser=yes). Install node and catwatch system-wide (e.g. npm install -g catwatch) and run this again.\n`);
    }
    io.stdout.write(`\nThen, as root:\n  systemctl daemon-reload\n  systemctl enable --now ${UNIT_NAME}\n  systemctl status ${UNIT_NAME}\n  journalctl -u ${UNIT_NAME} -f\n` +
      `Check the unit with: systemd-analyze verify ${unitPath} && systemd-analyze security ${UNIT_NAME}\n`);
    return EXIT_OK;
  },
};
