import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createScoreStage, type ScoredFrame } from '../../src/score/score-stage.js';
import type { TargetModel } from '../../src/model/target-model.js';
import type { BackboneOutput } from '../../src/model/backbone.js';
import type { RgbImage } from '../../src/image/image.js';
import type { Frame } from '../../src/ingest/frame.js';
import { silentLogger } from '../../src/util/log.js';

// The scheduling logic is tested with an injected embed function whose completion the test controls; the real
// backbones behind it are tested in test/integration and end to end.
const model: TargetModel = { version: 'v1', backboneId: 'b', label: 'cat', threshold: 0.5, eventThreshold: () => 0.5, bundled: false, score: (o) => o.prior ?? 0, explain: (o) => ({ score: o.prior ?? 0, prior: o.prior ?? 0, head: 0, trust: 1 }) };

function frame(camera: string, seq: number): Frame {
  return { camera, seq, capturedAtMs: seq, width: 8, height: 8, data: new Uint8Array(8 * 8 * 3) };
}

test('cameras take turns, one job each in flight, the newest waiting frame wins and drops are counted', async () => {
  const pending: Array<() => void> = [];
  const embed = (images: RgbImage[]) =>
    new Promise<BackboneOutput[]>((resolve) => pending.push(() => resolve(images.map(() => ({ embedding: new Float32Array(1), prior: 0.9 })))));
  const scored: ScoredFrame[] = [];
  const stage = createScoreStage({ embed, log: silentLogger(), onScored: (s) => scored.push(s), maxInFlightJobs: () => 1 });
  stage.setModel(model);
  stage.start();
  const full = (f: Frame) => ({ frame: f, regions: [], fullFrame: true });
  stage.submit(full(frame('a', 1)));
  stage.submit(full(frame('a', 2)));
  stage.submit(full(frame('b', 1)));
  stage.submit(full(frame('a', 3))); // replaces a/2
  stage.submit(full(frame('c', 1)));
  const settle = async () => {
    pending.shift()?.();
    await new Promise((r) => setImmediate(r));
  };
  await settle(); // a/1 done → a/3 (queued before b and c) goes next
  stage.submit(full(frame('a', 4))); // a's next frame waits behind b and c
  for (let i = 0; i < 4; i++) await settle();
  assert.deepEqual(scored.map((s) => `${s.frame.camera}/${s.frame.seq}`), ['a/1', 'a/3', 'b/1', 'c/1', 'a/4']);
  assert.equal(stage.stats('a').dropped, 1, 'a/2 was replaced by a/3 while waiting');
  assert.equal(stage.stats('b').dropped, 0);
});
