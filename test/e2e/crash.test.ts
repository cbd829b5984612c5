/**
 * Issue 5, crash safety end to end: `catwatch run` is killed with SIGKILL while it writes mined samples, and while
 * its training child runs. After a restart the sample store passes its integrity check, the previous model is still
 * current, and no training process outlives the service.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { startService, type ServiceHarness } from '../helpers/service.js';
import { skipWithoutShared, videoDir } from '../helpers/paths.js';
import { pollUntil } from '../helpers/poll.js';
import { BACKBONE, modelsList, samplesList, storeIntegrity, trainStates, weakModelSetup, type WeakModelSetup } from '../helpers/training.js';

const CLIP = join(videoDir, 'nocat_bottles_table_intel.mp4');

let broker: Mosquitto;
let setup: WeakModelSetup;
before(async () => {
  if (skipWithoutShared()) return;
  broker = await startMosquitto();
  setup = await weakModelSetup('cw-crash-');
});
after(async () => {
  await broker?.stop();
});


/** Live (not zombie) processes running `catwatch train` on this test's data (found by their config path). */
function trainingProcesses(configPath: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (cmdline.includes('train') && cmdline.includes(configPath) && !/\) Z /.test(stat)) pids.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return pids;
}

/** The files a process holds open. */
function openFiles(pid: number): string[] {
  try {
    return readdirSync(`/proc/${pid}/fd`).map((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        return '';
      }
    });
  } catch {
    return [];
  }
}

function start(extra: Record<string, unknown> = {}): Promise<ServiceHarness> {
  return startService({
    brokerUrl: broker.url,
    config: {
      dataDir: setup.dataDir,
      model: { backbone: BACKBONE, positives: setup.set.positives, workers: 1, threshold: 0.1 },
      train: { negatives: [setup.set.negatives], syntheticNegatives: 20, minNewSamples: 0 },
      // No dedup, no rate limit: nearly every frame of the clip is written as a sample, so a kill lands mid-write.
      mine: { bandLow: 0.001, dedupBits: 0, maxPerCameraPerHour: 100_000 },
      cameras: [{ name: 'table', url: CLIP, detectFps: 10, width: 640, height: 360, motion: { enabled: false } }],
      ...extra,
    },
  });
}

test('kill -9 during sample writes: after a restart the store passes its integrity check', { skip: skipWithoutShared(), timeout: 120_000 }, async (t) => {
  const reports: string[] = [];
  for (let round = 1; round <= 3; round++) {
    // Counted before the service starts, so samples it writes early are not taken as already there.
    const before = (await samplesList(setup.dataDir)).total;
    const svc = await start();
    try {
      await svc.waitForStatus((s) => s.stages.some((st) => st.name === 'mine' && st.state === 'running'), 60_000, 'the sample store (mine stage running)');
      // Writes go on continuously; kill at a different point each round: after 5, 6 and 7 samples.
      await pollUntil(`${4 + round} samples written`, 30_000, async () => ((await samplesList(setup.dataDir)).total >= before + 4 + round ? true : undefined), () => svc.output());
    } finally {
      await svc.kill9();
    }
    // Right after the kill: rows and files may disagree only by files without a row (or temp files).
    const crashed = storeIntegrity(setup.dataDir);
    const rowWithoutFiles = crashed.problems.filter((p) => / is missing$| bytes, the row counts /.test(p));
    assert.deepEqual(rowWithoutFiles, [], 'never a row without its complete files');
    reports.push(`round ${round}: ${crashed.count} rows, ${crashed.problems.length} leftovers after kill (${crashed.problems.slice(0, 2).join('; ')})`);
  }
  // A restart recovers (deletes leftovers) before mining again; then a clean stop.
  const svc = await start();
  try {
    await svc.waitForStatus((s) => s.stages.some((st) => st.name === 'mine' && st.state === 'running'), 60_000, 'the sample store (mine stage running)');
    // Mining goes on after the recovery: the store grows past what it held once the recovery was done.
    const kept = (await samplesList(setup.dataDir)).total;
    await pollUntil('new samples after the recovery', 30_000, async () => ((await samplesList(setup.dataDir)).total > kept ? true : undefined), () => svc.output());
  } finally {
    await svc.stop();
  }
  const ready = /"orphanFiles":(\d+),"tempFiles":(\d+),"missingRows":(\d+),"msg":"sample store ready"/.exec(svc.output());
  const integrity = storeIntegrity(setup.dataDir);
  t.diagnostic(`crash during writes: ${reports.join(' | ')}; recovery ${ready?.[0] ?? '?'}; after restart ${integrity.count} rows, problems ${JSON.stringify(integrity.problems)}`);
  assert.deepEqual(integrity.problems, []);
  assert.ok(integrity.count > 0);
});

test('kill -9 during a training: the previous model stays current and the training child dies with the service', { skip: skipWithoutShared(), timeout: 120_000 }, async () => {
  const previous = (await modelsList(setup.cliConfig)).current;
  assert.ok(previous);
  // Many synthetic negatives (not in the embedding cache yet) make the training last long enough to be killed in.
  const svc = await start({ cameras: [], train: { negatives: [setup.set.negatives], syntheticNegatives: 1500, minNewSamples: 0 } });
  let children: number[] = [];
  try {
    await svc.waitForRunning();
    const client = mqtt.connect(broker.url, { clientId: `test-crash-${process.pid}` });
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    await client.publishAsync('catwatch/train/set', '', { qos: 1 });
    await client.endAsync();
    await svc.waitFor(() => trainStates(svc.messages).some((s) => s.state === 'running'), 30_000, 'train/state running');
    // The state is published at the spawn, before the child has even started up: wait (not a fixed time, in which
    // a fast training could already have finished) for the child to be training, i.e. holding its embedding cache
    // open, then kill at once.
    const cache = join(setup.dataDir, 'embeddings.db');
    children = await pollUntil('the training child to be training (its embedding cache open)', 30_000, () => {
      const pids = trainingProcesses(svc.configPath);
      return pids.length > 0 && pids.every((pid) => openFiles(pid).includes(cache)) ? pids : undefined;
    });
    assert.equal(children.length, 1, 'the training child runs');
    assert.ok(!trainStates(svc.messages).some((s) => s.state !== 'running'), 'still training when killed');
  } finally {
    await svc.kill9();
  }
  // Not vacuous: the service died before the training finished (no result was published).
  assert.ok(!trainStates(svc.messages).some((s) => s.state !== 'running'), 'no training result was published before the kill');
  await pollUntil('the training child to die with the service', 10_000, () => (trainingProcesses(svc.configPath).length === 0 ? true : undefined)).catch(() => undefined);
  assert.deepEqual(trainingProcesses(svc.configPath), [], `training child ${children.join(',')} outlived the service`);
  const list = await modelsList(setup.cliConfig);
  assert.equal(list.current, previous, 'the previous model is still current');

  // A restart loads the previous model and cleans any half-written version folder.
  const again = await start({ cameras: [] });
  try {
    const status = await again.waitForStatus((s) => s.model.version !== null, 60_000, 'the model loaded');
    assert.equal(status.model.version, previous);
  } finally {
    await again.stop();
  }
  assert.equal((await modelsList(setup.cliConfig)).current, previous);
  assert.deepEqual(readdirSync(join(setup.dataDir, 'models')).filter((d) => d.startsWith('.tmp-')), [], 'no half-written version left');
  assert.deepEqual(storeIntegrity(setup.dataDir).problems, []);
});
