/**
 * A real RTSP server for integration tests: test/helpers/rtsp_server.py (GStreamer RTSP server, run by Debian's
 * /usr/bin/python3) serving one H.264 MP4 on rtsp://127.0.0.1:<port>/<path>, without re-encoding.
 *
 * Looping streams are shared, like a camera: a client that joins while others watch starts at the next keyframe
 * (every second in clips from makeClip; rarer in downloaded videos, so re-encode those with makeClip first when a
 * late joiner must see frames quickly). With `loop: false` every client gets the whole clip once, then the end.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { repoRoot } from './paths.js';
import { spawnTracked, stopProcess, tailOf } from './processes.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT_NAME = 'rtsp_server.py';
const DEFAULT_READY_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 5_000;

export interface RtspServerOptions {
  /** H.264 MP4 to serve. */
  file: string;
  /** Mount path without the leading slash; default `stream`. */
  path?: string;
  /** Default: a free port chosen by the server itself (no race with other tests). */
  port?: number;
  /** Default true: loop forever on one shared stream. False: each client gets the clip once. */
  loop?: boolean;
  /** How long to wait for the server to report READY; default 20 s (it demuxes the whole file first). */
  readyTimeoutMs?: number;
}

export interface RtspServer {
  url: string;
  port: number;
  /** SIGTERM (SIGKILL after 5 s) to the server's process group; resolves once it has exited. */
  stop(): Promise<void>;
}

function scriptPath(): string {
  // Beside this module when run from source; in the repository's test/helpers when run from a build folder.
  const candidates = [join(dirname(fileURLToPath(import.meta.url)), SCRIPT_NAME), join(repoRoot, 'test', 'helpers', SCRIPT_NAME)];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (found === undefined) throw new Error(`${SCRIPT_NAME} not found; looked at ${candidates.join(', ')}`);
  return found;
}

export async function startRtspServer(opts: RtspServerOptions): Promise<RtspServer> {
  if (!existsSync(PYTHON)) {
    throw new Error(`${PYTHON} not found: install Debian packages python3 python3-gi gir1.2-gst-rtsp-server-1.0`);
  }
  const path = (opts.path ?? 'stream').replace(/^\/+/, '');
  const args = [scriptPath(), '--file', opts.file, '--port', String(opts.port ?? 0), '--path', path];
  if (opts.loop === false) args.push('--once');
  // stdin stays an open pipe: the server exits when it closes, so it cannot outlive a crashed test process.
  const child = await spawnTracked(PYTHON, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin?.on('error', () => {
    // EPIPE after the server exited; its exit is reported through the 'exit' event instead.
  });
  const stderr = tailOf(child.stderr);
  const timeoutMs = opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;

  let port: number;
  try {
    port = await waitForReady(child, timeoutMs);
  } catch (error) {
    await stopProcess(child, STOP_GRACE_MS);
    throw new Error(
      `RTSP server for ${opts.file} did not start: ${(error as Error).message}\nstderr: ${stderr() || '(empty)'}`,
    );
  }
  // Keep draining stdout so the server can never block on a full pipe.
  child.stdout?.resume();
  return {
    url: `rtsp://127.0.0.1:${port}/${path}`,
    port,
    stop: () => stopProcess(child, STOP_GRACE_MS),
  };
}

/** Resolves with the port from the server's `READY <port>` line. */
function waitForReady(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    if (child.stdout === null) {
      reject(new Error('no stdout pipe'));
      return;
    }
    const lines = createInterface({ input: child.stdout });
    const finish = (error: Error | undefined, port?: number): void => {
      clearTimeout(timer);
      child.off('close', onClose);
      lines.off('line', onLine);
      lines.close();
      if (error !== undefined) reject(error);
      else resolve(port as number);
    };
    const timer = setTimeout(() => finish(new Error(`no READY within ${timeoutMs} ms`)), timeoutMs);
    // 'close' rather than 'exit': it comes after stderr has been read to the end, so the error shows all of it.
    const onClose = (code: number | null, signal: NodeJS.Signals | null): void =>
      finish(new Error(`server exited before READY (code ${code}, signal ${signal})`));
    const onLine = (line: string): void => {
      const match = /^READY (\d+)$/.exec(line.trim());
      if (match !== null) finish(undefined, Number(match[1]));
    };
    child.once('close', onClose);
    lines.on('line', onLine);
  });
}
