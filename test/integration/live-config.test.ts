/**
 * Every config setting is either applied live by a running stage or listed as needing a restart — never both,
 * never neither. The live side is read from a real started service (the paths its stages subscribed to), the
 * settings from the zod schema itself, so a new setting that nobody applies fails here.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSettingPaths } from '../../src/config/config-paths.js';
import { parseConfig } from '../../src/config/load-config.js';
import { RESTART_REQUIRED_PATHS, type Config } from '../../src/config/schema.js';
import { createService } from '../../src/main.js';
import type { Service } from '../../src/service/service.js';
import { silentLogger } from '../../src/util/log.js';
import { pathsOverlap } from '../../src/util/stage.js';
import { cliPath } from '../helpers/cli.js';

const covers = (path: string, setting: string): boolean => setting === path || setting.startsWith(`${path}.`);

function serviceConfig(dataDir: string, extra: Record<string, unknown> = {}): Config {
  return parseConfig(
    { dataDir, mqtt: { embedded: { port: 0 } }, http: { port: 0 }, model: { backbone: 'objectron', workers: 1 }, ...extra },
    { baseDir: dataDir, env: {} },
  );
}

/** A real service on a fresh data folder (embedded broker, HTTP on free ports), stopped and removed after the test. */
async function startedService(t: TestContext): Promise<{ dataDir: string; service: Service }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cw-live-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const service = createService({ config: serviceConfig(dataDir), configPath: join(dataDir, 'none.yml'), cliPath, log: silentLogger() });
  await service.start();
  t.after(() => service.stop());
  return { dataDir, service };
}

test('every setting is applied live or restart-required, exactly one of the two', async (t) => {
  const { service } = await startedService(t);
  const live = service.config.livePaths();
  const settings = configSettingPaths();
  assert.ok(settings.length > 50, `the schema walk found ${settings.length} settings`);
  assert.ok(settings.includes('events.minHits') && settings.includes('mqtt.embedded.port') && settings.includes('cameras'));
  const unclassified = settings.filter((s) => !live.some((p) => covers(p, s)) && !RESTART_REQUIRED_PATHS.some((p) => covers(p, s)));
  const both = settings.filter((s) => live.some((p) => covers(p, s)) && RESTART_REQUIRED_PATHS.some((p) => covers(p, s)));
  assert.deepEqual(unclassified, [], 'settings neither applied live nor listed as restart-required');
  assert.deepEqual(both, [], 'settings both live and restart-required');
  assert.deepEqual(live.filter((p) => !settings.some((s) => pathsOverlap(p, s))), [], 'live paths that are no setting');
  assert.equal(service.status()?.stages.every((s) => s.state === 'running'), true, JSON.stringify(service.status()?.stages));
});

test('a reload applies live settings at once and keeps restart-required ones at their running values', async (t) => {
  const { dataDir, service } = await startedService(t);
  const seen: Array<[number, number]> = [];
  service.config.onChange(['events'], (next, previous) => void seen.push([previous.events.minHits, next.events.minHits]), 'test');
  await service.applyConfig(serviceConfig(dataDir, { events: { minHits: 4 }, stats: { intervalS: 7 }, mqtt: { baseTopic: 'other', embedded: { port: 0 } }, model: { backbone: 'objectron', workers: 1, batchSize: 4 } }));
  const current = service.config.current();
  assert.equal(current.events.minHits, 4);
  assert.equal(current.stats.intervalS, 7);
  assert.deepEqual(seen, [[3, 4]]);
  assert.equal(current.mqtt.baseTopic, 'catwatch', 'mqtt needs a restart: the running value stays');
  assert.equal(current.model.batchSize, 8, 'model.batchSize needs a restart');
});
