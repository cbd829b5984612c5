import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { createWebAccess, hashPassword, SESSION_COOKIE, verifyPassword } from '../../src/web/ui/web-access.js';
import { escapeHtml, html } from '../../src/web/ui/html.js';

const req = (headers: Record<string, string>): IncomingMessage => ({ headers, socket: { remoteAddress: '10.0.0.9' } }) as unknown as IncomingMessage;

test('passwords: scrypt hashes verify the right password only', () => {
  const hash = hashPassword('correct horse');
  assert.match(hash, /^scrypt:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
  assert.equal(verifyPassword('correct horse', hash), true);
  assert.equal(verifyPassword('correct hors', hash), false);
  assert.equal(verifyPassword('x', 'md5:abc:def'), false);
});

test('without a password: loopback Host names only, one CSRF token, POSTs need it and this origin', () => {
  const access = createWebAccess({});
  assert.equal(access.hostAllowed(req({ host: '127.0.0.1:8089' })), true);
  assert.equal(access.hostAllowed(req({ host: 'localhost:8089' })), true);
  assert.equal(access.hostAllowed(req({ host: '[::1]:8089' })), true);
  assert.equal(access.hostAllowed(req({ host: 'attacker.example:8089' })), false, 'DNS rebinding');
  assert.equal(access.hostAllowed(req({})), false);
  const session = access.session(req({ host: '127.0.0.1:8089' }));
  assert.ok(session);
  const ok = req({ host: '127.0.0.1:8089', origin: 'http://127.0.0.1:8089', 'x-csrf-token': session.csrf });
  assert.equal(access.postRefusal(ok, session), undefined);
  assert.match(access.postRefusal(req({ host: '127.0.0.1:8089', origin: 'http://127.0.0.1:8089' }), session) ?? '', /CSRF/);
  assert.match(access.postRefusal(req({ host: '127.0.0.1:8089', origin: 'http://evil.example', 'x-csrf-token': session.csrf }), session) ?? '', /cross-origin/);
});

test('with a password: sessions by HttpOnly SameSite=Strict cookie, expiry, logout, and failed logins rate-limited', () => {
  let clock = 1_000_000;
  const access = createWebAccess({ passwordHash: hashPassword('s3cret'), now: () => clock, sessionTtlMs: 60_000 });
  assert.equal(access.session(req({ host: 'cam.lan' })), undefined, 'no cookie, no session');
  const s = access.login('10.0.0.9', 's3cret');
  assert.ok(typeof s === 'object' && s.token);
  const cookie = access.sessionCookie(s);
  assert.match(cookie, new RegExp(`^${SESSION_COOKIE}=${s.token}; HttpOnly; SameSite=Strict; Path=/`));
  assert.equal(access.session(req({ host: 'cam.lan', cookie: `other=1; ${SESSION_COOKIE}=${s.token}` }))?.csrf, s.csrf);
  assert.notEqual(access.session(req({ cookie: `${SESSION_COOKIE}=${s.token}` }))?.csrf, undefined);
  clock += 61_000;
  assert.equal(access.session(req({ cookie: `${SESSION_COOKIE}=${s.token}` })), undefined, 'expired');
  const s2 = access.login('10.0.0.9', 's3cret');
  assert.ok(typeof s2 === 'object');
  access.logout(s2);
  assert.equal(access.session(req({ cookie: `${SESSION_COOKIE}=${s2.token}` })), undefined, 'logged out');
  for (let i = 0; i < 5; i++) assert.equal(access.login('10.0.0.7', 'guess'), 'wrong');
  assert.equal(access.login('10.0.0.7', 's3cret'), 'rate-limited', 'even the right password, for a minute');
  assert.equal(typeof access.login('10.0.0.8', 's3cret'), 'object', 'another address is not affected');
  clock += 61_000;
  assert.equal(typeof access.login('10.0.0.7', 's3cret'), 'object', 'a minute later');
});

test('pages escape every text they interpolate', () => {
  assert.equal(escapeHtml(`<script>alert("x")</script>&'`), '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;');
  const name = '<img src=x onerror=alert(1)>';
  assert.equal(html`<b>${name}</b><i>${html`<u>${name}</u>`}</i>`.html, '<b>&lt;img src=x onerror=alert(1)&gt;</b><i><u>&lt;img src=x onerror=alert(1)&gt;</u></i>');
});
