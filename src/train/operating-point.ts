/**
 * Choosing the operating point (src/model/operating-point.ts) for a false-alarm rate per camera-hour, not per photo.
 * A camera scores ~18,000 frames an hour, so a threshold that lets 1% of photos through is dozens of alarms a day.
 * Two sources of negatives set it, and the higher threshold wins:
 *   - near-class photos (dogs, other animals): the threshold above which at most `nearPhotoFpr` of them score. An event
 *     needs a track's median, so a dog must be in that tail on most of its recent frames, not once;
 *   - cat-free camera footage replayed through the pipeline (tracks as the service makes them): per light mode, the
 *     lowest threshold that keeps the footage's false events within `budgetPerHour`, raised by `marginLogit` (footage
 *     from another camera scores somewhat differently; the `footage` bench measures that margin leaving each source out).
 * Night is never below day: greyscale frames carry less evidence, not more. It is also held to the near-class photos
 * under the night-IR condition (src/train/camera-conditions.ts): a dog lit by an IR lamp must be in the same tail.
 */
import type { LightMode, OperatingPoint } from '../model/operating-point.js';
import { nextUp } from './threshold.js';

/** The tracks of one replayed clip with no target in it. */
export interface NegativeClipTracks {
  clip: string;
  durationS: number;
  /** The light mode most of the clip was in. */
  mode: LightMode;
  /** Each track's highest evidence. */
  maxEvidence: number[];
}

export interface OperatingPointInput {
  nearPhotoScores: readonly number[];
  /** The same near-class photos under the night-IR condition: the night threshold is held to them as well. */
  nearNightPhotoScores?: readonly number[];
  nearPhotoFpr: number;
  negatives: readonly NegativeClipTracks[];
  budgetPerHour: number;
  marginLogit: number;
  rule: OperatingPoint['rule'];
}

const logit = (p: number): number => Math.log(p) - Math.log1p(-p);
const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));
const clampUnit = (p: number): number => Math.min(1 - 1e-6, Math.max(1e-6, p));

/** The lowest threshold at which at most `allowed` of the values are at or above it, raised by `marginLogit`. */
export function thresholdAllowing(values: readonly number[], allowed: number, marginLogit = 0): number {
  const sorted = [...values].sort((a, b) => b - a);
  if (sorted.length <= allowed) return 0;
  return nextUp(marginLogit === 0 ? sorted[allowed] : sigmoid(logit(clampUnit(sorted[allowed])) + marginLogit));
}

/** The near-class photo threshold: at most `fpr` of the photos at or above it. */
export const nearPhotoThreshold = (scores: readonly number[], fpr: number): number => thresholdAllowing(scores, Math.floor(fpr * scores.length));

/** Footage threshold for one light mode: the budget's allowance of false tracks, then the margin. */
function footageThreshold(clips: readonly NegativeClipTracks[], budgetPerHour: number, marginLogit: number): { threshold: number; hours: number; tracks: number } {
  const hours = clips.reduce((sum, c) => sum + c.durationS, 0) / 3600;
  const evidence = clips.flatMap((c) => c.maxEvidence);
  return { threshold: thresholdAllowing(evidence, Math.floor(budgetPerHour * hours), marginLogit), hours, tracks: evidence.length };
}

export function chooseOperatingPoint(input: OperatingPointInput): OperatingPoint {
  const near = nearPhotoThreshold(input.nearPhotoScores, input.nearPhotoFpr);
  const day = footageThreshold(input.negatives.filter((c) => c.mode === 'day'), input.budgetPerHour, input.marginLogit);
  const night = footageThreshold(input.negatives.filter((c) => c.mode === 'night'), input.budgetPerHour, input.marginLogit);
  // No night photos: the threshold of an empty list is 0, and night is held to day and the night footage only.
  const nearNight = nearPhotoThreshold(input.nearNightPhotoScores ?? [], input.nearPhotoFpr);
  const dayThreshold = Math.max(near, day.threshold);
  return {
    day: dayThreshold,
    night: Math.max(dayThreshold, night.threshold, nearNight),
    rule: input.rule,
    calibration: {
      nearPhotos: input.nearPhotoScores.length,
      nearPhotoFpr: input.nearPhotoFpr,
      nearPhotoThreshold: near,
      nearNightPhotos: input.nearNightPhotoScores?.length ?? 0,
      nearNightPhotoThreshold: nearNight,
      budgetPerHour: input.budgetPerHour,
      marginLogit: input.marginLogit,
      footageDayHours: day.hours,
      footageDayTracks: day.tracks,
      footageDayThreshold: day.threshold,
      footageNightHours: night.hours,
      footageNightTracks: night.tracks,
      footageNightThreshold: night.threshold,
      footageClips: input.negatives.map((c) => c.clip).join(' '),
    },
  };
}
