/**
 * A camera's own threshold under a false-alarm budget. From the camera's negatives (frames known or taken not to
 * show the target, scored by the current model) over the hours they cover, the expected false alarms per hour at a
 * threshold t is the number of episodes with a negative scored ≥ t divided by those hours; an episode is a run of
 * such frames with gaps under `episodeGapMs` (the event tracker would merge them into one event). The threshold is
 * the smallest t, not under the model's own, that keeps the rate within the budget. Its cost is reported with it:
 * how many of the camera's confirmed target frames it would no longer accept. Pure.
 */
export interface TimedScore { timeMs: number; score: number }

export interface BudgetInput {
  negatives: readonly TimedScore[];
  /** Scores of the camera's confirmed target frames. */
  positives: readonly number[];
  hours: number;
  budgetPerHour: number;
  /** The model's own threshold: never go below it. */
  floor: number;
  episodeGapMs: number;
}

export interface BudgetThreshold {
  threshold: number;
  /** Expected false alarms per hour at `threshold` (from the negatives), and at the model's own threshold. */
  falseAlarmsPerHour: number;
  falseAlarmsPerHourAtFloor: number;
  hours: number;
  negatives: number;
  positives: number;
  /** Confirmed target frames at or above the model's threshold that `threshold` no longer accepts. */
  positivesLost: number;
}

/** Episodes among `byTime` (sorted by time) with a score ≥ threshold. */
export function countEpisodes(byTime: readonly TimedScore[], threshold: number, episodeGapMs: number): number {
  let episodes = 0;
  let lastHitMs = -Infinity;
  for (const s of byTime) {
    if (s.score < threshold) continue;
    if (s.timeMs - lastHitMs > episodeGapMs) episodes++;
    lastHitMs = s.timeMs;
  }
  return episodes;
}

/** Just above a score: a threshold that no longer accepts it (over 1 for a score of 1: nothing passes). */
function above(score: number): number {
  return score + 1e-6;
}

export function budgetThreshold(input: BudgetInput): BudgetThreshold {
  const byTime = [...input.negatives].sort((a, b) => a.timeMs - b.timeMs);
  const hours = Math.max(input.hours, 1e-9);
  const rate = (t: number) => countEpisodes(byTime, t, input.episodeGapMs) / hours;
  const atFloor = rate(input.floor);
  let threshold = input.floor;
  if (atFloor > input.budgetPerHour) {
    // Candidates: just above each negative's score, lowest first. Scanned in order, not bisected: the rate is not
    // monotonic (dropping a middle frame can split one episode into two). The highest candidate accepts no
    // negative, so one always fits.
    const candidates = [...new Set(byTime.map((s) => above(s.score)).filter((t) => t > input.floor))].sort((a, b) => a - b);
    threshold = candidates.find((t) => rate(t) <= input.budgetPerHour) ?? candidates[candidates.length - 1];
  }
  return {
    threshold,
    falseAlarmsPerHour: rate(threshold),
    falseAlarmsPerHourAtFloor: atFloor,
    hours: input.hours,
    negatives: byTime.length,
    positives: input.positives.length,
    positivesLost: input.positives.filter((p) => p >= input.floor && p < threshold).length,
  };
}
