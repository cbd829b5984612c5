import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createConfigStore } from '../../src/config/config-store.js';
import { parseConfig } from '../../src/config/load-config.js';
import type { Config } from '../../src/config/schema.js';
import { createStageRunner } from '../../src/service/stage-runner.js';
import { isCatwatchError } from '../../src/util/errors.js';
import { silentLogger } from '../../src/util/log.js';
import type { Stage } from '../../src/util/stage.js';

const config = (raw: Record<string, unknown> = {}): Config => parseConfig(raw, { baseDir: '/', env: {} });

function stage(name: string, critical: boolean, journal: string[], failStart?: Error): Stage<Config> {
  return {
    name,
    critical,
    start() {
      journal.push(`start ${name}`);
      if (failStart) throw failStart;
    },
    stop() {
      journal.push(`stop ${name}`);
    },
  };
}

test('stages start in order and stop in reverse; a failed optional stage is reported, released and skipped', async () => {
  const journal: string[] = [];
  const runner = createStageRunner({ store: createConfigStore(config(), silentLogger()), log: silentLogger() });
  await runner.start([stage('a', true, journal), stage('http', false, journal, new Error('listen EADDRINUSE')), stage('b', true, journal)]);
  assert.equal(runner.phase(), 'running');
  assert.deepEqual(runner.reports().map((r) => [r.name, r.state, r.error ?? null]), [['a', 'running', null], ['http', 'failed', 'listen EADDRINUSE'], ['b', 'running', null]]);
  await runner.stop();
  assert.deepEqual(journal, ['start a', 'start http', 'stop http', 'start b', 'stop b', 'stop a']);
  assert.equal(runner.phase(), 'stopped');
});

test('a failed critical stage fails the start with E_STAGE_FAILED naming it', async () => {
  const journal: string[] = [];
  const runner = createStageRunner({ store: createConfigStore(config(), silentLogger()), log: silentLogger() });
  await assert.rejects(runner.start([stage('a', true, journal), stage('score', true, journal, new Error('backbone failed to load'))]), (err) => isCatwatchError(err, 'E_STAGE_FAILED') && /score.*backbone failed to load/.test((err as Error).message));
  await runner.stop();
  assert.deepEqual(journal, ['start a', 'start score', 'stop score', 'stop a']);
});

test('a stage gets the config changes of its live paths only, until it stops', async () => {
  const store = createConfigStore(config(), silentLogger());
  const runner = createStageRunner({ store, log: silentLogger() });
  const seen: string[] = [];
  const events: Stage<Config> = { name: 'events', critical: true, livePaths: ['events'], start: () => undefined, stop: () => undefined, applyConfig: (next) => void seen.push(`minHits ${next.events.minHits}`) };
  await runner.start([events]);
  await store.apply(config({ mine: { bandLow: 0.3 } }));
  await store.apply(config({ mine: { bandLow: 0.3 }, events: { minHits: 4 } }));
  await runner.stop();
  await store.apply(config({ events: { minHits: 5 } }));
  assert.deepEqual(seen, ['minHits 4']);
});

test('the config store keeps restart-required settings, isolates a failing listener, and records reloads', async () => {
  const store = createConfigStore(config(), silentLogger());
  const calls: string[] = [];
  store.onChange(['stats'], () => {
    throw new Error('listener bug');
  }, 'broken');
  store.onChange(['stats.intervalS'], (next) => void calls.push(`interval ${next.stats.intervalS}`), 'stats');
  const diff = await store.apply(config({ stats: { intervalS: 9 }, http: { port: 9999 }, log: { level: 'debug' } }));
  assert.deepEqual(calls, ['interval 9'], 'the second listener ran although the first threw');
  assert.deepEqual(diff.restartRequired.sort(), ['http', 'log.level']);
  assert.equal(store.current().stats.intervalS, 9);
  assert.equal(store.current().http.port, 8089, 'http keeps its running value until a restart');
  assert.equal(store.current().log.level, 'info');
  assert.deepEqual(store.history().lastChange?.changed.sort(), ['http.port', 'log.level', 'stats.intervalS']);
  store.rejected('bogusKey: unknown key');
  assert.equal(store.history().lastRejected?.reason, 'bogusKey: unknown key');
});
