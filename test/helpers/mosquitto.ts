/**
 * A real mosquitto broker (Debian package `mosquitto`) for integration tests: its own config, password file and
 * persistence folder in a temp dir, listening on 127.0.0.1 only. Persistence is on so that QoS 1 messages queued for
 * persistent sessions (clean: false) survive `restart()`, like a real broker outage.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, isPortOpen, waitForPort } from './free-port.js';
import { findProgram, spawnTracked, stopProcess, tailOf } from './processes.js';

const READY_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 5_000;

export interface MosquittoOptions {
  /** Default: a free port. */
  port?: number;
  /** When given, anonymous clients are refused and this user/password is the only login. */
  username?: string;
  password?: string;
}

export interface Mosquitto {
  /** `mqtt://127.0.0.1:<port>`, without credentials. */
  url: string;
  port: number;
  /** Stops the broker and deletes its temp dir; it cannot be started again. */
  stop(): Promise<void>;
  /** `down()` then `up()`: same port, same persisted sessions and queued messages. */
  restart(): Promise<void>;
  /** Stops the broker process (it saves its persistence file) but keeps port and state for `up()`. */
  down(): Promise<void>;
  /** Starts the broker again after `down()`, on the same port. */
  up(): Promise<void>;
}

function requireProgram(name: string): string {
  const path = findProgram(name, ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin']);
  if (path === undefined) {
    throw new Error(`${name} not found on PATH or in /usr/sbin: install Debian package mosquitto (apt-get install mosquitto)`);
  }
  return path;
}

function configText(opts: { port: number; dir: string; passwordFile?: string }): string {
  return [
    `listener ${opts.port} 127.0.0.1`,
    opts.passwordFile === undefined ? 'allow_anonymous true' : `allow_anonymous false\npassword_file ${opts.passwordFile}`,
    'persistence true',
    `persistence_location ${opts.dir}/`,
    // Started as root, mosquitto switches to the user named here; staying the current user keeps the temp dir readable.
    `user ${userInfo().username}`,
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
    '',
  ].join('\n');
}

export async function startMosquitto(opts: MosquittoOptions = {}): Promise<Mosquitto> {
  const binary = requireProgram('mosquitto');
  if ((opts.username === undefined) !== (opts.password === undefined)) {
    throw new Error('startMosquitto: give both username and password, or neither');
  }
  const port = opts.port ?? (await freePort());
  const dir = await mkdtemp(join(tmpdir(), 'catwatch-mosquitto-'));
  let passwordFile: string | undefined;
  if (opts.username !== undefined && opts.password !== undefined) {
    passwordFile = join(dir, 'passwd');
    await writeFile(passwordFile, '', { mode: 0o600 });
    // -b takes the password on the command line: fine for throwaway test credentials.
    await promisify(execFile)(requireProgram('mosquitto_passwd'), ['-b', passwordFile, opts.username, opts.password], {
      timeout: 10_000,
    });
    await chmod(passwordFile, 0o600);
  }
  const configFile = join(dir, 'mosquitto.conf');
  await writeFile(configFile, configText({ port, dir, passwordFile }));

  let child: ChildProcess | undefined;
  let stopped = false;

  async function up(): Promise<void> {
    if (stopped) throw new Error('mosquitto was stopped; start a new one');
    if (child !== undefined) throw new Error('mosquitto is already running');
    // Otherwise waitForPort below could be answered by whoever holds the port while mosquitto fails to bind.
    if (await isPortOpen(port)) throw new Error(`cannot start mosquitto: 127.0.0.1:${port} is already in use`);
    const started = await spawnTracked(binary, ['-c', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    const stderr = tailOf(started.stderr);
    const stdout = tailOf(started.stdout);
    const exited = new AbortController();
    // 'close' comes after stderr is read to the end, so a failed start reports all of it.
    started.once('close', (code, signal) => exited.abort(new Error(`mosquitto exited (code ${code}, signal ${signal})`)));
    try {
      await waitForPort(port, READY_TIMEOUT_MS, exited.signal);
    } catch (error) {
      await down();
      throw new Error(
        `mosquitto did not start on 127.0.0.1:${port}: ${(error as Error).message}\n` +
          `stderr: ${stderr() || '(empty)'}\nstdout: ${stdout() || '(empty)'}\nconfig ${configFile}`,
      );
    }
  }

  async function down(): Promise<void> {
    const running = child;
    child = undefined;
    if (running !== undefined) await stopProcess(running, STOP_GRACE_MS);
  }

  try {
    await up();
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    down,
    up,
    async restart() {
      await down();
      await up();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await down();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
