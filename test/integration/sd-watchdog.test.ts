/**
 * The systemd watchdog pings while the scoring pipeline answers its heartbeat, and only then: a real notification
 * socket, and the heartbeat of a real score pool (one objectron worker).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createScorePool } from '../../src/score/score-pool.js';
import { silentLogger } from '../../src/util/log.js';
import { createSdNotifier } from '../../src/util/sd-notify.js';
import { createSdWatchdog } from '../../src/web/sd-watchdog.js';
import { startNotifySocket } from '../helpers/notify-socket.js';
import { pollUntil } from '../helpers/poll.js';

test('a score pool answers its heartbeat while its workers run, and not after they stopped', async () => {
  const pool = createScorePool({ spec: { kind: 'objectron', engine: 'onnxruntime', executionProviders: ['cpu'], threads: 1 }, log: silentLogger(), workers: 1, batchSize: 4 });
  await pool.start();
  try {
    assert.equal(await pool.ping(5000), true);
  } finally {
    await pool.stop();
  }
  assert.equal(await pool.ping(500), false, 'no worker left: the pipeline is not alive');
});

test('watchdog pings while alive, withholds them while the pipeline does not answer, and resumes', async (t) => {
  const socket = await startNotifySocket();
  t.after(() => socket.stop());
  let alive = true;
  // Each time the watchdog asks whether the pipeline is alive: its ticks, observable without a clock.
  let checks = 0;
  const notifier = createSdNotifier({ log: silentLogger(), env: { NOTIFY_SOCKET: socket.path, WATCHDOG_USEC: '400000' } });
  const watchdog = createSdWatchdog({ notifier, alive: async () => (checks++, alive), log: silentLogger() });
  const pings = (): number => socket.messages.filter((m) => /^WATCHDOG=1$/m.test(m)).length;
  watchdog.start();
  t.after(() => watchdog.stop());
  await pollUntil('3 pings while alive', 10_000, () => (pings() >= 3 ? true : undefined));

  alive = false;
  // A tick that asked before the hang may still ping: count from the second tick that saw the pipeline hung (ticks
  // never overlap, so by then that ping was sent).
  const hungFrom = checks;
  await pollUntil('two ticks that saw the pipeline hung', 5000, () => (checks >= hungFrom + 2 ? true : undefined));
  const whileHung = pings();
  const countedFrom = checks;
  await pollUntil('four more ticks with the pipeline hung', 5000, () => (checks >= countedFrom + 4 ? true : undefined));
  assert.equal(pings(), whileHung, 'no WATCHDOG=1 while the pipeline does not answer');

  alive = true;
  await pollUntil('pings again', 10_000, () => (pings() >= whileHung + 2 ? true : undefined));
});
