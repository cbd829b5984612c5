import { test } from 'node:test';
import assert from 'node:assert/strict';
import { budgetThreshold, countEpisodes } from '../../src/events/false-alarm-budget.js';

const s = (timeMs: number, score: number) => ({ timeMs, score });

test('episodes: hits closer than the gap are one episode', () => {
  const byTime = [s(0, 0.9), s(1000, 0.8), s(2000, 0.2), s(20_000, 0.7), s(60_000, 0.95)];
  assert.equal(countEpisodes(byTime, 0.5, 5000), 3);
  assert.equal(countEpisodes(byTime, 0.85, 5000), 2);
  assert.equal(countEpisodes(byTime, 0.99, 5000), 0);
});

test('the budget raises a camera threshold just enough, never lowers it, and reports what it costs', () => {
  // 2 hours of negatives; 0.3 is under the model threshold.
  const negatives = [s(0, 0.6), s(600_000, 0.7), s(1_200_000, 0.72), s(3_000_000, 0.9), s(3_001_000, 0.55), s(5_000_000, 0.3)];
  const base = { negatives, positives: [0.8, 0.95, 0.99, 0.4], hours: 2, floor: 0.5, episodeGapMs: 5000 };
  const loose = budgetThreshold({ ...base, budgetPerHour: 10 });
  assert.equal(loose.threshold, 0.5, 'within budget at the model threshold: unchanged');
  assert.equal(loose.falseAlarmsPerHourAtFloor, 2, '4 episodes in 2 h (0.9 and 0.55 one second apart are one)');
  const half = budgetThreshold({ ...base, budgetPerHour: 1 });
  assert.ok(half.threshold > 0.7 && half.threshold <= 0.72 + 1e-5, `2 episodes in 2 h allowed: just above 0.7, got ${half.threshold}`);
  assert.equal(half.falseAlarmsPerHour, 1);
  assert.equal(half.positivesLost, 0);
  const none = budgetThreshold({ ...base, budgetPerHour: 0 });
  assert.ok(none.threshold > 0.9 && none.threshold < 0.9001, `no false alarm at all: just above the highest negative, got ${none.threshold}`);
  assert.equal(none.falseAlarmsPerHour, 0);
  assert.equal(none.positivesLost, 1, 'the confirmed 0.8 frame is no longer accepted (0.4 never was)');
  assert.equal(budgetThreshold({ ...base, negatives: [], budgetPerHour: 0 }).threshold, 0.5, 'no negatives: the model threshold');
});

test('the budget finds the lowest threshold even where the rate is not monotonic, and a score of 1 can be excluded (issue 27.7)', () => {
  // At 0.55+ the 0.55 frame no longer joins the two 0.9 frames 8 s apart: 4 episodes; at 0.52+ only 3.
  const negatives = [s(0, 0.9), s(4000, 0.55), s(8000, 0.9), s(100_000, 0.52), s(200_000, 0.56), s(300_000, 0.57)];
  const result = budgetThreshold({ negatives, positives: [], hours: 1, budgetPerHour: 3, floor: 0.5, episodeGapMs: 5000 });
  assert.ok(result.threshold > 0.52 && result.threshold < 0.53, `threshold ${result.threshold}`);
  assert.equal(result.falseAlarmsPerHour, 3);
  const ones = budgetThreshold({ negatives: [s(0, 1), s(60_000, 1)], positives: [], hours: 1, budgetPerHour: 0, floor: 0.5, episodeGapMs: 5000 });
  assert.equal(ones.falseAlarmsPerHour, 0, `threshold ${ones.threshold} must exclude scores of exactly 1`);
});
