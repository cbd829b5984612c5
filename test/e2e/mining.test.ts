/**
 * Issue 5, mining end to end: a real `catwatch run` (real ffmpeg, the pulled MobileNetV2 backbone, real mosquitto)
 * on a clip without a cat, with a model that scores it above its (lowered) threshold, fills the sample store with
 * deduplicated hard negatives, no more than mine.maxPerCameraPerHour, and within mine.quotaMb.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { hammingDistance, hashFromHex } from '../../src/mine/perceptual-hash.js';
import { walkFiles } from '../../src/store/sample-files.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { startService, type ServiceHarness } from '../helpers/service.js';
import { pollUntil } from '../helpers/poll.js';
import { skipWithoutShared, videoDir } from '../helpers/paths.js';
import { BACKBONE, samplesList, storeIntegrity, weakModelSetup, type SamplesList, type WeakModelSetup } from '../helpers/training.js';

const CLIP = join(videoDir, 'nocat_bottles_table_intel.mp4');
/** The clip's length (it loops). */
const CLIP_MS = 20_000;
const MAX_PER_HOUR = 5;
/** Finer than the default (6): the clip is a mostly still table, so few frames differ by 6 bits or more. */
const DEDUP_BITS = 3;
const QUOTA_MB = 1;
const MIB = 1024 * 1024;

let broker: Mosquitto;
let setup: WeakModelSetup;
before(async () => {
  if (skipWithoutShared()) return;
  broker = await startMosquitto();
  setup = await weakModelSetup('cw-mining-');
});
after(async () => {
  await broker?.stop();
});

/** Frames the service has read from a camera, from GET /api/status. */
async function framesOf(svc: ServiceHarness, camera: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${svc.httpPort}/api/status`);
  const frames = ((await res.json()) as { cameras: Record<string, { frames: number }> }).cameras[camera]?.frames;
  if (typeof frames !== 'number') throw new Error(`no frame count for ${camera}`);
  return frames;
}

/** Samples the quota deleted, from the service's log. */
function start(mine: Record<string, unknown>, size: { width: number; height: number }): Promise<ServiceHarness> {
  return startService({
    brokerUrl: broker.url,
    config: {
      dataDir: setup.dataDir,
      // The weak model scores the clip at about 0.03-0.2: this threshold gives false events, the band under it
      // uncertain frames.
      model: { backbone: BACKBONE, positives: setup.set.positives, workers: 1, threshold: 0.1 },
      train: { minNewSamples: 0 },
      cameras: [{ name: 'table', url: CLIP, detectFps: 5, ...size, motion: { enabled: false } }],
      mine: { bandLow: 0.02, ...mine },
      // Every run of frames above the threshold is an event of its own.
      events: { minHits: 1, windowFrames: 1, quietPeriodS: 0 },
    },
  });
}

async function waitForSamples(svc: ServiceHarness, atLeast: number, timeoutMs: number): Promise<SamplesList> {
  return pollUntil(`${atLeast} samples mined`, timeoutMs, async () => {
    const list = await samplesList(setup.dataDir);
    return list.total >= atLeast ? list : undefined;
  }, () => svc.output());
}

test('a clip the model fires on fills the store with deduplicated samples, at most maxPerCameraPerHour', { skip: skipWithoutShared(), timeout: 120_000 }, async (t) => {
  const svc = await start({ maxPerCameraPerHour: MAX_PER_HOUR, dedupBits: DEDUP_BITS }, { width: 640, height: 360 });
  let list: SamplesList;
  try {
    await waitForSamples(svc, MAX_PER_HOUR, 60_000);
    // One more loop of the clip: the model keeps firing (events), but the hour's allowance is used up.
    const eventsBefore = svc.events().length;
    const framesBefore = await framesOf(svc, 'table');
    // A whole loop of the clip read (detectFps 5) and new events, polled with a deadline.
    await pollUntil('one more loop of the clip, with new events', CLIP_MS + 30_000, async () =>
      (await framesOf(svc, 'table')) >= framesBefore + (CLIP_MS / 1000) * 5 && svc.events().length > eventsBefore ? true : undefined,
      () => svc.output());
    assert.ok(svc.events().length > eventsBefore, 'the model keeps firing on the clip');
    list = await samplesList(setup.dataDir);
  } finally {
    await svc.stop();
  }
  t.diagnostic(`mined with maxPerCameraPerHour ${MAX_PER_HOUR}: ${list.total} (${list.samples.map((s) => `${s.reason} ${s.score.toFixed(3)}`).join(', ')})`);
  assert.equal(list.total, MAX_PER_HOUR);
  for (const s of list.samples) {
    assert.equal(s.state, 'mined');
    assert.equal(s.camera, 'table');
    assert.ok(['uncertain', 'isolated-positive'].includes(s.reason), s.reason);
    assert.ok(existsSync(s.cropPath) && existsSync(s.framePath), `files of sample ${s.id}`);
    assert.equal(statSync(s.cropPath).size + statSync(s.framePath).size, s.bytes);
    for (const file of [s.cropPath, s.framePath]) assert.equal(readFileSync(file).subarray(0, 2).toString('hex'), 'ffd8', `${file} is a JPEG`);
  }
  // Deduplicated: every two kept samples differ by at least dedupBits bits of their perceptual hash.
  for (let i = 0; i < list.samples.length; i++) {
    for (let j = i + 1; j < list.samples.length; j++) {
      const d = hammingDistance(hashFromHex(list.samples[i].phash), hashFromHex(list.samples[j].phash));
      assert.ok(d >= DEDUP_BITS, `samples ${list.samples[i].id} and ${list.samples[j].id} differ by ${d} bits only`);
    }
  }
  // On disk: exactly the two JPEGs of each sample, nothing else.
  assert.equal(walkFiles(join(setup.dataDir, 'samples'), setup.dataDir, false).length, 2 * list.total);
  assert.deepEqual(storeIntegrity(setup.dataDir).problems, []);
});

test('a second run with a tiny mine.quotaMb keeps the store within the quota, oldest unreviewed samples deleted first', { skip: skipWithoutShared(), timeout: 120_000 }, async (t) => {
  const earlier = await samplesList(setup.dataDir);
  assert.ok(earlier.total > 0, 'the first test left samples');
  // Larger frames and no dedup: about 80 KB per sample, so the quota is reached within seconds.
  const svc = await start({ maxPerCameraPerHour: 10_000, dedupBits: 0, quotaMb: QUOTA_MB }, { width: 1280, height: 720 });
  let list: SamplesList;
  try {
    // Until the quota has deleted every sample the first run left (oldest first) and the store holds new ones.
    const earlierIds = new Set(earlier.samples.map((s) => s.id));
    list = await pollUntil('the quota to delete the first run\'s samples', 60_000, async () => {
      const now = await samplesList(setup.dataDir);
      return now.total > 0 && now.samples.every((s) => !earlierIds.has(s.id)) ? now : undefined;
    }, () => svc.output());
    const bytes = list.samples.reduce((sum, s) => sum + s.bytes, 0);
    assert.ok(bytes <= QUOTA_MB * MIB, `${bytes} bytes in ${list.total} samples while running`);
  } finally {
    await svc.stop();
  }
  const after = await samplesList(setup.dataDir);
  const bytes = after.samples.reduce((sum, s) => sum + s.bytes, 0);
  const onDisk = walkFiles(join(setup.dataDir, 'samples'), setup.dataDir, false).reduce((sum, f) => sum + statSync(join(setup.dataDir, f)).size, 0);
  t.diagnostic(`quota ${QUOTA_MB} MiB: ${after.total} samples, ${bytes} bytes (${onDisk} on disk)`);
  assert.ok(bytes <= QUOTA_MB * MIB && onDisk === bytes, `rows count ${bytes} bytes, files hold ${onDisk}`);
  // The quota deletes the oldest unreviewed samples first: the first run's are gone, the newest are kept.
  const ids = new Set(after.samples.map((s) => s.id));
  assert.ok(earlier.samples.every((s) => !ids.has(s.id)), 'the first run\'s samples went first');
  assert.ok(Math.min(...after.samples.map((s) => s.id)) > Math.max(...earlier.samples.map((s) => s.id)));
  assert.deepEqual(storeIntegrity(setup.dataDir).problems, []);
});
