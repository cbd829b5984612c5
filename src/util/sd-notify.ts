/**
 * sd_notify(3) for systemd `Type=notify` services: READY=1 after start, STOPPING=1 on stop, WATCHDOG=1 pings.
 *
 * Why a child process: the protocol is one datagram on the AF_UNIX SOCK_DGRAM socket named by $NOTIFY_SOCKET, and
 * Node has no unix datagram sockets (nodejs/node#29339); every npm package that sends them (sd-notify, unix-dgram)
 * is a native addon, which catwatch avoids. So each message is sent by `systemd-notify` (package systemd, present
 * wherever systemd is). It does not need privileges: unable to claim our PID, it sends under its own PID, which the
 * unit accepts with NotifyAccess=all, and by default it waits (a BARRIER=1 round trip) until the manager has read
 * the message, so the message is never lost because the short-lived sender exited first. Never `--no-block`.
 * Without $NOTIFY_SOCKET (not started by systemd) every call does nothing.
 */
import { execFile } from 'node:child_process';
import type { Logger } from './log.js';

const SEND_TIMEOUT_MS = 10_000;

export interface SdNotifierDeps {
  log: Logger;
  /** Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Default: `systemd-notify` on PATH. */
  command?: string;
  /** Default: process.pid; compared with $WATCHDOG_PID. */
  pid?: number;
}

export interface SdNotifier {
  /** True when $NOTIFY_SOCKET is set. */
  readonly enabled: boolean;
  /** Half of $WATCHDOG_USEC (sd_watchdog_enabled(3)), when systemd expects pings from this process; else undefined. */
  readonly watchdogIntervalMs: number | undefined;
  /** Sends `KEY=value` assignments; resolves false (and logs) when the message could not be sent. */
  notify(...assignments: string[]): Promise<boolean>;
  ready(): Promise<boolean>;
  stopping(): Promise<boolean>;
  watchdog(): Promise<boolean>;
}

export function createSdNotifier(deps: SdNotifierDeps): SdNotifier {
  const env = deps.env ?? process.env;
  const socket = env.NOTIFY_SOCKET;
  const enabled = socket !== undefined && socket !== '';
  const command = deps.command ?? 'systemd-notify';
  let warned = false;

  function notify(...assignments: string[]): Promise<boolean> {
    if (!enabled || assignments.length === 0) return Promise.resolve(false);
    for (const a of assignments) if (!/^[A-Z_]+=[^\n]*$/.test(a)) throw new Error(`sd_notify: not a KEY=value assignment: ${a}`);
    return new Promise((resolve) => {
      execFile(command, assignments, { env: { ...process.env, ...env }, timeout: SEND_TIMEOUT_MS }, (err, _stdout, stderr) => {
        if (!err) return resolve(true);
        // A missing systemd-notify is worth one warning, not one per watchdog ping.
        if (!warned || (err as NodeJS.ErrnoException).code !== 'ENOENT') {
          deps.log.warn({ command, assignments, err: err.message, stderr: stderr.trim() }, 'sd_notify failed');
        }
        warned = true;
        resolve(false);
      });
    });
  }

  return {
    enabled,
    watchdogIntervalMs: enabled ? watchdogIntervalMs(env, deps.pid ?? process.pid) : undefined,
    notify,
    ready: () => notify('READY=1'),
    stopping: () => notify('STOPPING=1'),
    watchdog: () => notify('WATCHDOG=1'),
  };
}

/** sd_watchdog_enabled(3): $WATCHDOG_USEC set (and $WATCHDOG_PID, when set, is us) → ping every half of it. */
export function watchdogIntervalMs(env: NodeJS.ProcessEnv, pid: number): number | undefined {
  const usec = Number(env.WATCHDOG_USEC);
  if (!Number.isFinite(usec) || usec <= 0) return undefined;
  if (env.WATCHDOG_PID !== undefined && env.WATCHDOG_PID !== '' && Number(env.WATCHDOG_PID) !== pid) return undefined;
  return Math.max(1, Math.floor(usec / 1000 / 2));
}
