/**
 * Issue 5, labels end to end: samples mined by a real `catwatch run` are labelled by a person through the CLI and
 * through MQTT (`<base>/samples/set`, sent with a real mqtt.js client to the service's broker), and the next
 * `catwatch train --json` uses them accordingly: positives join the positives, rejected ones are left out.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { parse, stringify } from 'yaml';
import { runCli } from '../helpers/cli.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { startService } from '../helpers/service.js';
import { pollUntil } from '../helpers/poll.js';
import { skipWithoutShared, videoDir } from '../helpers/paths.js';
import { BACKBONE, samplesList, trainCli, weakModelSetup } from '../helpers/training.js';

let broker: Mosquitto;
before(async () => {
  if (skipWithoutShared()) return;
  broker = await startMosquitto();
});
after(async () => {
  await broker?.stop();
});

test('labelling samples positive via the CLI and via MQTT changes the counts of the next training', { skip: skipWithoutShared(), timeout: 180_000 }, async (t) => {
  const setup = await weakModelSetup('cw-labels-');
  const svc = await startService({
    brokerUrl: broker.url,
    config: {
      dataDir: setup.dataDir,
      model: { backbone: BACKBONE, positives: setup.set.positives, workers: 1, threshold: 0.1 },
      train: { negatives: [setup.set.negatives], syntheticNegatives: 20, minNewSamples: 0 },
      mine: { bandLow: 0.02, dedupBits: 3, maxPerCameraPerHour: 1000 },
      cameras: [{ name: 'table', url: join(videoDir, 'nocat_bottles_table_intel.mp4'), detectFps: 5, motion: { enabled: false } }],
    },
  });
  const client = mqtt.connect(broker.url, { clientId: `test-labels-${process.pid}` });
  try {
    await pollUntil('6 samples mined', 60_000, async () => ((await samplesList(setup.dataDir)).total >= 6 ? true : undefined), () => svc.output());
    // Stop mining (a live config change) so the counts below are exact; undecided candidates settle within ~3 s.
    const config = parse(readFileSync(svc.configPath, 'utf8')) as Record<string, Record<string, unknown>>;
    writeFileSync(svc.configPath, stringify({ ...config, mine: { ...config.mine, enabled: false } }));
    await svc.waitForStatus((s) => s.config.lastChange?.changed.includes('mine.enabled') === true, 10_000, 'mining to be switched off');
    // Undecided candidates settle within ~3 s of the switch: poll until the count has stopped moving (unchanged for
    // 2 s, at least 4 s after the reload). If mining went on, it never settles and this times out.
    const reloadedAt = Date.now();
    let last = -1;
    let lastChangeAt = reloadedAt;
    const mined = await pollUntil('the sample count to settle after mining was switched off', 30_000, async () => {
      const list = await samplesList(setup.dataDir);
      if (list.total !== last) {
        last = list.total;
        lastChangeAt = Date.now();
        return undefined;
      }
      return Date.now() - lastChangeAt >= 2000 && Date.now() - reloadedAt >= 4000 ? list : undefined;
    }, () => svc.output());
    assert.equal((await samplesList(setup.dataDir)).total, mined.total, 'no more samples after mining was switched off');
    const n = mined.total;

    const baseline = await trainCli(svc.configPath, ['--reason', 'before labels']);
    assert.equal(baseline.counts.mined, n, JSON.stringify(baseline.counts));
    assert.equal(baseline.counts.confirmedPositives, 0);

    const [viaCli, viaMqtt, rejected] = mined.samples.map((s) => s.id);
    const labelled = await runCli(['samples', 'label', String(viaCli), 'positive', '--data-dir', setup.dataDir, '--json'], { timeoutMs: 15_000 });
    assert.equal(labelled.code, 0, labelled.stderr);
    assert.deepEqual(JSON.parse(labelled.stdout), { updated: 1, state: 'positive', ids: [viaCli] });

    if (!client.connected) {
      await new Promise<void>((resolve, reject) => {
        client.once('connect', () => resolve());
        client.once('error', reject);
      });
    }
    await client.publishAsync('catwatch/samples/set', JSON.stringify({ id: viaMqtt, label: 'positive' }), { qos: 1 });
    await client.publishAsync('catwatch/samples/set', JSON.stringify({ id: rejected, label: 'rejected' }), { qos: 1 });
    const states = await pollUntil('the MQTT labels in the sample store', 10_000, async () => {
      const now = new Map((await samplesList(setup.dataDir)).samples.map((s) => [s.id, s.state]));
      return now.get(viaMqtt) === 'positive' && now.get(rejected) === 'rejected' ? now : undefined;
    });
    assert.equal(states.get(viaCli), 'positive');
    assert.equal(states.get(viaMqtt), 'positive');
    assert.equal(states.get(rejected), 'rejected');

    const next = await trainCli(svc.configPath, ['--reason', 'after labels']);
    t.diagnostic(`labels: ${n} mined; counts before labels ${JSON.stringify(baseline.counts)}; after ${JSON.stringify(next.counts)}`);
    assert.equal(next.counts.confirmedPositives, 2, JSON.stringify(next.counts));
    assert.equal(next.counts.mined, n - 3, 'the two positives and the rejected one are no mined negatives any more');
    assert.equal(next.counts.positives, baseline.counts.positives);
    assert.equal(next.counts.synthetic, baseline.counts.synthetic);
  } finally {
    client.end(true);
    await svc.stop();
  }
});
