/**
 * Who may use the web UI. On loopback without a password (the default), anyone on this machine, but only through a
 * loopback Host name (a DNS-rebinding page gets 403). With `http.passwordHash`: a login page, sessions in an HttpOnly,
 * SameSite=Strict cookie, failed logins rate-limited per address. Every state-changing request must be a POST whose
 * Origin is this server and whose `x-csrf-token` header matches the session's token.
 */
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isLoopbackName } from '../../util/loopback.js';

export const SESSION_COOKIE = 'cw_session';
const SCRYPT_KEY_BYTES = 32;
const LOGIN_FAILURES_PER_MINUTE = 5;

/** `scrypt:<salt base64>:<key base64>`, for `http.passwordHash` (`catwatch config hash-password`). */
export function hashPassword(password: string, salt: Buffer = randomBytes(16)): string {
  return `scrypt:${salt.toString('base64')}:${scryptSync(password, salt, SCRYPT_KEY_BYTES).toString('base64')}`;
}

export function verifyPassword(password: string, stored: string): boolean {
  const [kind, salt, key] = stored.split(':');
  if (kind !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const got = scryptSync(password, Buffer.from(salt, 'base64'), expected.length);
  return got.length === expected.length && timingSafeEqual(got, expected);
}

/** The name part of a Host header (`[::1]:8089` → `[::1]`). */
function hostName(host: string): string {
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
}

/** The request comes from a page of this server (its Origin header names this Host). */
export function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  return origin !== undefined && origin === `http://${req.headers.host ?? ''}`;
}

export interface WebSession { csrf: string; token?: string }

export interface WebAccessOptions {
  passwordHash?: string;
  now?: () => number;
  sessionTtlMs?: number;
}

export function createWebAccess(options: WebAccessOptions) {
  const now = options.now ?? Date.now;
  const ttlMs = options.sessionTtlMs ?? 7 * 24 * 3_600_000;
  const sessions = new Map<string, { csrf: string; expiresAtMs: number }>();
  const failures = new Map<string, number[]>();
  const openSession: WebSession = { csrf: randomBytes(24).toString('base64url') };

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

    /** A new session for the right password; 'rate-limited' after too many failures from one address in a minute. */
    login(address: string, password: string): WebSession | 'wrong' | 'rate-limited' {
      const recent = (failures.get(address) ?? []).filter((t) => t > now() - 60_000);
      failures.set(address, recent);
      if (recent.length >= LOGIN_FAILURES_PER_MINUTE) return 'rate-limited';
      if (!options.passwordHash || !verifyPassword(password, options.passwordHash)) {
        recent.push(now());
        return 'wrong';
      }
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

    sessionCookie(session: WebSession): string {
      return `${SESSION_COOKIE}=${session.token ?? ''}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${Math.round(ttlMs / 1000)}`;
    },
  };
}

export type WebAccess = ReturnType<typeof createWebAccess>;
