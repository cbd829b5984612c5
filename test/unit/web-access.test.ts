import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { createWebAccess, hashPassword, SESSION_COOKIE, verifyPassword } from '../../src/web/ui/web-access.js';
import { escapeHtml, html } from '../../src/web/ui/html.js';

const req = (headers: Record<string, string>): IncomingMessage => ({ headers, socket: { remoteAddress: '10.0.0.9' } }) as unknown as IncomingMessage;

test('passwords: scrypt hashes verify the right password only', async () => {
  const hash = hashPassword('correct horse');
  assert.match(hash, /^scrypt:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
  assert.equal(await verifyPassword('correct horse', hash), true);
  assert.equal(await verifyPassword('correct hors', hash), false);
  assert.equal(await verifyPassword('x', 'md5:abc:def'), false);
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

test('with a password: sessions by HttpOnly SameSite=Strict cookie, expiry, logout, and failed logins rate-limited', async () => {
  let clock = 1_000_000;
  const access = createWebAccess({ passwordHash: hashPassword('s3cret'), now: () => clock, sessionTtlMs: 60_000 });
  assert.equal(access.session(req({ host: 'cam.lan' })), undefined, 'no cookie, no session');
  const s = await access.login('10.0.0.9', 's3cret');
  assert.ok(typeof s === 'object' && s.token);
  const cookie = access.sessionCookie(s);
  assert.match(cookie, new RegExp(`^${SESSION_COOKIE}=${s.token}; HttpOnly; SameSite=Strict; Path=/`));
  assert.equal(access.session(req({ host: 'cam.lan', cookie: `other=1; ${SESSION_COOKIE}=${s.token}` }))?.csrf, s.csrf);
  assert.notEqual(access.session(req({ cookie: `${SESSION_COOKIE}=${s.token}` }))?.csrf, undefined);
  clock += 61_000;
  assert.equal(access.session(req({ cookie: `${SESSION_COOKIE}=${s.token}` })), undefined, 'expired');
  const s2 = await access.login('10.0.0.9', 's3cret');
  assert.ok(typeof s2 === 'object');
  access.logout(s2);
  assert.equal(access.session(req({ cookie: `${SESSION_COOKIE}=${s2.token}` })), undefined, 'logged out');
  for (let i = 0; i < 5; i++) assert.equal(await access.login('10.0.0.7', 'guess'), 'wrong');
  assert.equal(await access.login('10.0.0.7', 's3cret'), 'rate-limited', 'even the right password, for a minute');
  assert.equal(typeof (await access.login('10.0.0.8', 's3cret')), 'object', 'another address is not affected');
  clock += 61_000;
  assert.equal(typeof (await access.login('10.0.0.7', 's3cret')), 'object', 'a minute later');
});

test('behind an HTTPS proxy (issue 27.6): https origins pass, trustProxy counts failures per forwarded client, the cookie is Secure, the failure map is bounded', async () => {
  const access = createWebAccess({ passwordHash: hashPassword('s3cret'), trustProxy: true });
  const session = { csrf: 'c', token: 't' };
  const post = (origin: string) => req({ host: 'cam.example.org', origin, 'x-csrf-token': 'c' });
  assert.equal(access.postRefusal(post('https://cam.example.org'), session), undefined, 'https origin of this host');
  assert.match(access.postRefusal(post('https://evil.example'), session) ?? '', /cross-origin/);
  // Everyone reaches catwatch from the proxy's address; the proxy appends the client it saw.
  const from = (client: string) => req({ host: 'cam.example.org', 'x-forwarded-for': `1.2.3.4, ${client}`, 'x-forwarded-proto': 'https' });
  for (let i = 0; i < 5; i++) assert.equal(await access.login(access.clientAddress(from('203.0.113.7')), 'guess'), 'wrong');
  assert.equal(await access.login(access.clientAddress(from('203.0.113.7')), 's3cret'), 'rate-limited');
  const other = await access.login(access.clientAddress(from('198.51.100.2')), 's3cret');
  assert.ok(typeof other === 'object', 'another client behind the same proxy is not locked out');
  assert.match(access.sessionCookie(other, from('198.51.100.2')), /; Secure$/);
  // Without trustProxy the headers are the client's own say: the socket address counts.
  const direct = createWebAccess({ passwordHash: hashPassword('s3cret') });
  assert.equal(direct.clientAddress(from('203.0.113.7')), '10.0.0.9');
  assert.doesNotMatch(direct.sessionCookie(session, from('x')), /Secure/);
  // Many addresses guessing (no hash configured: every guess is wrong without the cost of scrypt).
  const flooded = createWebAccess({});
  for (let i = 0; i < 10_050; i++) await flooded.login(`10.1.${i >> 8}.${i & 255}`, '');
  assert.ok(flooded.trackedAddresses() <= 10_000 && flooded.trackedAddresses() > 0, `${flooded.trackedAddresses()} addresses remembered`);
});

test('pages escape every text they interpolate', () => {
  assert.equal(escapeHtml(`<script>alert("x")</script>&'`), '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;');
  const name = '<img src=x onerror=alert(1)>';
  assert.equal(html`<b>${name}</b><i>${html`<u>${name}</u>`}</i>`.html, '<b>&lt;img src=x onerror=alert(1)&gt;</b><i><u>&lt;img src=x onerror=alert(1)&gt;</u></i>');
});
