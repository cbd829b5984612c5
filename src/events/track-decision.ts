/**
 * The decision rule, per track: its evidence is the median of its last `windowFrames` scores once it has been seen in
 * `minHits` frames; a track younger than `windowFrames` counts its missing frames as 0, so it needs more than half
 * of a full window at the threshold (3 of 5 by default) whatever its age. An event starts when a track's evidence reaches the operating point. A median needs most of the
 * recent frames to agree, so one or two hot frames of a passing dog, a leaf or IR noise never start an event, while
 * a cat that stays in view does within `minHits` frames. Frigate decides the same way per tracked object (the
 * median of its score history); the threshold here is calibrated on footage (src/train/operating-point.ts).
 */
import type { Track } from './region-tracks.js';

export interface TrackRule {
  /** Frames a track must have been seen in before it can start an event. */
  minHits: number;
  /** Recent scores the median is taken over. */
  windowFrames: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The track's evidence, or undefined while it is too young to decide. */
export function trackEvidence(track: Pick<Track, 'hits' | 'scores'>, rule: TrackRule): number | undefined {
  if (track.hits < rule.minHits || track.scores.length === 0) return undefined;
  const recent = track.scores.slice(-rule.windowFrames);
  const missing = rule.windowFrames - recent.length;
  return median([...recent, ...new Array<number>(missing).fill(0)]);
}
