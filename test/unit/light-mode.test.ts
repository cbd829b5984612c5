import { test } from 'node:test';
import assert from 'node:assert/strict';
import { colourSpreadPercentile } from '../../src/image/colour-spread.js';
import { createLightMode } from '../../src/events/light-mode.js';
import type { RgbImage } from '../../src/image/image.js';
import { rng as mulberry32 } from '../helpers/synthetic-frames.js';

const W = 64;
const H = 36;

function frame(colour: boolean, seed: number): RgbImage {
  const rand = mulberry32(seed);
  const data = new Uint8Array(W * H * 3);
  for (let i = 0; i < W * H; i++) {
    const grey = 40 + Math.floor(rand() * 160);
    // IR frames: equal channels plus compression noise of a few levels; colour frames: a green lawn and a red car.
    const noise = () => Math.floor(rand() * 5) - 2;
    const tint = colour ? (i % 7 === 0 ? [60, -20, -20] : [-10, 25, -15]) : [0, 0, 0];
    data.set([grey + tint[0] + noise(), grey + tint[1] + noise(), grey + tint[2] + noise()].map((v) => Math.max(0, Math.min(255, v))), i * 3);
  }
  return { data, width: W, height: H };
}

test('colour spread: greyscale frames with compression noise stay low, colour frames are high', () => {
  assert.ok(colourSpreadPercentile(frame(false, 1)) < 16);
  assert.ok(colourSpreadPercentile(frame(true, 1)) > 30);
});

test('light mode: the first frame decides, a switch needs the new mode for switchAfterS, a blip does not flip it', () => {
  const mode = createLightMode({ switchAfterS: 3, measureEveryMs: 1000 });
  assert.equal(mode.observe(frame(true, 1), 0), 'day');
  assert.equal(mode.observe(frame(false, 2), 1000), 'day', 'one grey second is not night');
  assert.equal(mode.observe(frame(true, 3), 2000), 'day');
  for (let s = 3; s <= 5; s++) assert.equal(mode.observe(frame(false, s), s * 1000), 'day');
  assert.equal(mode.observe(frame(false, 6), 6000), 'night', 'grey for 3 s: the camera is in IR');
  assert.equal(mode.current(), 'night');
  assert.equal(mode.observe(frame(true, 7), 6500), 'night', 'measured at most once a second');
});
