import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseOperatingPoint, thresholdAllowing } from '../../src/train/operating-point.js';

const rule = { minHits: 3, windowFrames: 5 };
const logit = (p: number) => Math.log(p / (1 - p));

test('thresholdAllowing: the lowest threshold with at most k values at or above it', () => {
  assert.ok(thresholdAllowing([0.1, 0.5, 0.9], 0) > 0.9);
  assert.ok(thresholdAllowing([0.1, 0.5, 0.9], 1) > 0.5 && thresholdAllowing([0.1, 0.5, 0.9], 1) <= 0.9);
  assert.equal(thresholdAllowing([0.1], 3), 0);
});

test('the footage sets the threshold above every false track of a short recording, raised by the margin', () => {
  const point = chooseOperatingPoint({
    nearPhotoScores: [0.1, 0.2, 0.3], nearPhotoFpr: 0.01, budgetPerHour: 0.5, marginLogit: 1, rule,
    negatives: [{ clip: 'dog.mp4', durationS: 60, mode: 'day', maxEvidence: [0.87, 0.2] }, { clip: 'yard.mp4', durationS: 40, mode: 'night', maxEvidence: [0.7] }],
  });
  // 1 minute allows 0 false tracks at 0.5/h: above 0.87 by 1 logit.
  assert.ok(Math.abs(logit(point.day) - (logit(0.87) + 1)) < 1e-9);
  assert.equal(point.night, point.day, 'night is never below day');
  assert.equal(point.calibration.footageDayTracks, 2);
});

test('a long recording spends its budget: 2 hours at 0.5/h lets the highest track through', () => {
  const point = chooseOperatingPoint({
    nearPhotoScores: [], nearPhotoFpr: 0.01, budgetPerHour: 0.5, marginLogit: 0, rule,
    negatives: [{ clip: 'long.mp4', durationS: 7200, mode: 'day', maxEvidence: [0.95, 0.6, 0.3] }],
  });
  assert.ok(point.day > 0.6 && point.day < 0.95);
});

test('near-class photos set the floor when the footage is quiet, and night rises above day on IR footage', () => {
  const point = chooseOperatingPoint({
    nearPhotoScores: Array.from({ length: 100 }, (_, i) => i / 100), nearPhotoFpr: 0.02, budgetPerHour: 0.5, marginLogit: 0.5, rule,
    negatives: [{ clip: 'road.mp4', durationS: 30, mode: 'day', maxEvidence: [0.1] }, { clip: 'ir.mp4', durationS: 30, mode: 'night', maxEvidence: [0.97] }],
  });
  assert.ok(point.day > 0.97 && point.day <= 0.98, 'two of 100 photos may pass: above 0.97');
  assert.ok(point.night > 0.97 && Math.abs(logit(point.night) - (logit(0.97) + 0.5)) < 1e-9);
});

test('the night threshold is held to the near-class photos under night IR too; the day one is not', () => {
  const base = { nearPhotoScores: Array.from({ length: 100 }, (_, i) => i / 200), nearPhotoFpr: 0.02, budgetPerHour: 0.5, marginLogit: 0, rule, negatives: [] };
  const without = chooseOperatingPoint(base);
  // The IR copies of the same dogs score higher: two of 100 may pass, so the night floor lands above 0.97.
  const withNight = chooseOperatingPoint({ ...base, nearNightPhotoScores: Array.from({ length: 100 }, (_, i) => i / 100) });
  assert.equal(withNight.day, without.day);
  assert.equal(without.night, without.day);
  assert.ok(withNight.night > 0.97 && withNight.night <= 0.98, `night ${withNight.night}`);
  assert.equal(withNight.calibration.nearNightPhotos, 100);
});
