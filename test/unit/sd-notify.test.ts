import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../src/util/log.js';
import { createSdNotifier, watchdogIntervalMs } from '../../src/util/sd-notify.js';
import { startNotifySocket } from '../helpers/notify-socket.js';

test('watchdog interval is half of WATCHDOG_USEC, and only for the process WATCHDOG_PID names', () => {
  assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: '30000000' }, 42), 15_000);
  assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '42' }, 42), 15_000);
  assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '7' }, 42), undefined);
  assert.equal(watchdogIntervalMs({}, 42), undefined);
  assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: 'x' }, 42), undefined);
});

test('without NOTIFY_SOCKET nothing is sent and no watchdog is asked for', async () => {
  const n = createSdNotifier({ log: silentLogger(), env: { WATCHDOG_USEC: '1000000' } });
  assert.equal(n.enabled, false);
  assert.equal(n.watchdogIntervalMs, undefined);
  assert.equal(await n.ready(), false);
});

test('READY=1, WATCHDOG=1 and STOPPING=1 arrive on a real notification socket through systemd-notify', async (t) => {
  const socket = await startNotifySocket();
  t.after(() => socket.stop());
  const n = createSdNotifier({ log: silentLogger(), env: { NOTIFY_SOCKET: socket.path, WATCHDOG_USEC: '2000000' } });
  assert.equal(n.enabled, true);
  assert.equal(n.watchdogIntervalMs, 1000);
  assert.equal(await n.ready(), true);
  assert.equal(await n.watchdog(), true);
  assert.equal(await n.stopping(), true);
  assert.equal(await n.notify('STATUS=watching 2 cameras'), true);
  const payloads = socket.messages.filter((m) => !m.startsWith('BARRIER=1'));
  assert.deepEqual(payloads.map((m) => m.split('\n').find((l) => /^(READY|WATCHDOG|STOPPING|STATUS)=/.test(l))), ['READY=1', 'WATCHDOG=1', 'STOPPING=1', 'STATUS=watching 2 cameras']);
  assert.throws(() => n.notify('READY=1\nSTOPPING=1'), /not a KEY=value/);
});

test('a missing systemd-notify resolves false instead of throwing', async () => {
  const n = createSdNotifier({ log: silentLogger(), env: { NOTIFY_SOCKET: '/nonexistent/notify' }, command: '/nonexistent/systemd-notify' });
  assert.equal(await n.ready(), false);
});
