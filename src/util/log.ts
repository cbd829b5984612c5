/**
 * Structured logging (pino). JSON to stdout; human-readable when stdout is a TTY. Fixed messages, data in fields:
 * `log.info({ camera, fps }, 'camera started')`. Secrets are redacted by path, RTSP credentials by `redactUrl`.
 */
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

const REDACT_PATHS = [
  'password', '*.password', 'mqtt.password', 'config.mqtt.password',
  'username', '*.username', 'mqtt.username', 'config.mqtt.username',
];

export interface CreateLoggerOptions {
  level?: LevelWithSilent;
  /** Force pretty output on/off; default: pretty when the destination is a TTY. */
  pretty?: boolean;
  /** File descriptor: 1 (stdout, the service) or 2 (stderr, for commands whose stdout is their result). */
  destination?: 1 | 2;
}

export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const fd = options.destination ?? 1;
  const pretty = options.pretty ?? Boolean((fd === 1 ? process.stdout : process.stderr).isTTY);
  return pino({
    level: options.level ?? (process.env.CATWATCH_LOG_LEVEL as LevelWithSilent | undefined) ?? 'info',
    base: { pid: process.pid },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', destination: fd } } } : {}),
  }, pretty ? undefined : pino.destination({ fd, sync: fd === 2 }));
}

/** A logger that writes nothing, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/**
 * Hides the secrets of every URL in a text: the password of `scheme://user:password@host` (an `@` or `/` inside it
 * included: the userinfo runs to the last `@` of the URL), a userinfo without `:` whole (a token), and the values of
 * `password=`, `token=`, `secret=`-like query parameters. `rtsp://user:secret@host/x` → `rtsp://user:***@host/x`.
 * Errs on the side of hiding: an `@` in a path hides what precedes it.
 */
export function redactUrl(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/)([^\s"'<>]*)@/gi, (_m, scheme: string, userinfo: string) => {
      const colon = userinfo.indexOf(':');
      return colon < 0 ? `${scheme}***@` : `${scheme}${userinfo.slice(0, colon)}:***@`;
    })
    .replace(/((?:password|passwd|pwd|pass|token|access_token|secret|api_?key|auth)=)[^&\s"'<>]+/gi, '$1***');
}
