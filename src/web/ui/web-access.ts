/**
 * Who may use the web UI. On loopback without a password (the default), anyone on this machine, but only through a
 * loopback Host name (a DNS-rebinding page gets 403). With `http.passwordHash`: a login page, sessions in an HttpOnly,
 * SameSite=Strict cookie, failed logins rate-limited per client address (behind a proxy with `http.trustProxy`, the
 * address the proxy saw). Every state-changing request must be a POST whose Origin is this server (http or https, for
 * a TLS proxy in front) and whose `x-csrf-token` header matches the session's token.
 */
import { randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { IncomingMessage } from 'node:http';
import { isLoopbackName } from '../../util/loopback.js';

export const SESSION_COOKIE = 'cw_session';
const SCRYPT_KEY_BYTES = 32;
const LOGIN_FAILURES_PER_MINUTE = 5;
/** Addresses with failed logins kept at most (an attacker with many addresses cannot grow the map without bound). */
const MAX_TRACKED_ADDRESSES = 10_000;
const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

/** `scrypt:<salt base64>:<key base64>`, for `http.passwordHash` (`catwatch config hash-password`). */
export function hashPassword(password: string, salt: Buffer = randomBytes(16)): string {
  return `scrypt:${salt.toString('base64')}:${scryptSync(password, salt, SCRYPT_KEY_BYTES).toString('base64')}`;
}

/** Asynchronous: scrypt takes tens of milliseconds, which must not stop the event loop (and the cameras) per guess. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, salt, key] = stored.split(':');
  if (kind !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const got = await scryptAsync(password, Buffer.from(salt, 'base64'), expected.length);
  return got.length === expected.length && timingSafeEqual(got, expected);
}

/** The name part of a Host header (`[::1]:8089` → `[::1]`). */
function hostName(host: string): string {
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
}

/** The request comes from a page of this server: its Origin names this Host, over http or (a TLS proxy) https. */
export function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  const host = req.headers.host;
  return origin !== undefined && host !== undefined && (origin === `http://${host}` || origin === `https://${host}`);
}

/** The last X-Forwarded-For entry: the address the (trusted) proxy itself saw; earlier entries are the client's say. */
function forwardedFor(req: IncomingMessage): string | undefined {
  const header = req.headers['x-forwarded-for'];
  const value = Array.isArray(header) ? header.at(-1) : header;
  return value?.split(',').at(-1)?.trim() || undefined;
}

export interface WebSession { csrf: string; token?: string }

export interface WebAccessOptions {
  passwordHash?: string;
  trustProxy?: boolean;
  now?: () => number;
  sessionTtlMs?: number;
}

export function createWebAccess(options: WebAccessOptions) {
  const now = options.now ?? Date.now;
  const ttlMs = options.sessionTtlMs ?? 7 * 24 * 3_600_000;
  const sessions = new Map<string, { csrf: string; expiresAtMs: number }>();
  const failures = new Map<string, number[]>();
  const openSession: WebSession = { csrf: randomBytes(24).toString('base64url') };

  /** Addresses whose failures are over a minute old are forgotten; beyond the cap, the oldest go first. */
  function forgetOldFailures(): void {
    if (failures.size <= MAX_TRACKED_ADDRESSES) return;
    for (const [address, times] of failures) if (!times.some((t) => t > now() - 60_000)) failures.delete(address);
    for (const address of failures.keys()) {
      if (failures.size <= MAX_TRACKED_ADDRESSES) break;
      failures.delete(address);
    }
  }

  function cookie(req: IncomingMessage, name: string): string | undefined {
    for (const part of (req.headers.cookie ?? '').split(';')) {
      const [k, ...v] = part.trim().split('=');
      if (k === name) return v.join('=');
    }
    return undefined;
  }

  return {
    requiresLogin: options.passwordHash !== undefined,

    /** Without a password only loopback Host names are served: a rebinding attacker's name is refused. */
    hostAllowed(req: IncomingMessage): boolean {
      const host = req.headers.host;
      if (!host) return false;
      return options.passwordHash !== undefined || isLoopbackName(hostName(host));
    },

    session(req: IncomingMessage): WebSession | undefined {
      if (options.passwordHash === undefined) return openSession;
      const token = cookie(req, SESSION_COOKIE);
      const s = token ? sessions.get(token) : undefined;
      if (!token || !s || s.expiresAtMs < now()) return undefined;
      return { csrf: s.csrf, token };
    },

    /** Who is logging in, for the rate limit: the socket's address, or behind a trusted proxy the one it saw. */
    clientAddress(req: IncomingMessage): string {
      return (options.trustProxy ? forwardedFor(req) : undefined) ?? req.socket.remoteAddress ?? '?';
    },

    /** A new session for the right password; 'rate-limited' after too many failures from one address in a minute. */
    async login(address: string, password: string): Promise<WebSession | 'wrong' | 'rate-limited'> {
      const recent = (failures.get(address) ?? []).filter((t) => t > now() - 60_000);
      if (recent.length >= LOGIN_FAILURES_PER_MINUTE) return 'rate-limited';
      if (!options.passwordHash || !(await verifyPassword(password, options.passwordHash))) {
        recent.push(now());
        failures.set(address, recent);
        forgetOldFailures();
        return 'wrong';
      }
      failures.delete(address);
      const token = randomBytes(32).toString('base64url');
      const csrf = randomBytes(24).toString('base64url');
      for (const [t, s] of sessions) if (s.expiresAtMs < now()) sessions.delete(t);
      sessions.set(token, { csrf, expiresAtMs: now() + ttlMs });
      return { csrf, token };
    },

    logout(session: WebSession): void {
      if (session.token) sessions.delete(session.token);
    },

    /** Why a state-changing request is refused, or undefined when it may go ahead. */
    postRefusal(req: IncomingMessage, session: WebSession): string | undefined {
      if (!sameOrigin(req)) return 'cross-origin request refused';
      if (req.headers['x-csrf-token'] !== session.csrf) return 'missing or wrong CSRF token';
      return undefined;
    },

    sessionCookie(session: WebSession, req?: IncomingMessage): string {
      const secure = options.trustProxy && req?.headers['x-forwarded-proto'] === 'https' ? '; Secure' : '';
      return `${SESSION_COOKIE}=${session.token ?? ''}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${Math.round(ttlMs / 1000)}${secure}`;
    },
    /** Addresses with failed logins remembered (bounded). */
    trackedAddresses: (): number => failures.size,
  };
}

export type WebAccess = ReturnType<typeof createWebAccess>;
