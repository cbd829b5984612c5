/**
 * Tracks: the scored regions of one camera associated across frames into objects, the way SORT and norfair do it
 * (a constant-velocity prediction of each track's box, then matching by overlap with a centroid fallback for small,
 * fast objects), so that a decision can be taken per object and not per frame: two hot frames from two different
 * places (IR noise here, a leaf there) are two tracks, and neither has the evidence of a cat that stays.
 *
 * Pure: time comes in with each call. A track that is not seen for `maxGapMs` is dropped; a track seen again after
 * that is a new track (a new id). Detections of one frame that overlap (the periodic full frame and a motion region
 * around the same animal) are merged first, keeping the higher score.
 */
import type { NormBox } from '../image/image.js';

export interface Detection {
  box: NormBox;
  /** Calibrated probability of the target for this region. */
  score: number;
}

export interface TrackOptions {
  /** Overlap (IoU with the predicted box) from which a detection continues a track. */
  minIou: number;
  /** A track not seen for this long is dropped. */
  maxGapMs: number;
  /** Scores kept per track (the decision reads the most recent ones). */
  historyLength: number;
  /** Live tracks per camera; beyond, the one seen least recently goes first. */
  maxTracks: number;
}

export const DEFAULT_TRACK_OPTIONS: TrackOptions = { minIou: 0.2, maxGapMs: 6000, historyLength: 8, maxTracks: 32 };

export interface Track {
  readonly id: number;
  /** Last matched box. */
  box: NormBox;
  /** Box centre velocity in box units per millisecond (0 until seen twice). */
  vx: number;
  vy: number;
  readonly firstMs: number;
  lastMs: number;
  /** Frames the track was seen in. */
  hits: number;
  /** The most recent scores, oldest first (at most historyLength). */
  scores: number[];
  bestScore: number;
  bestBox: NormBox;
}

export interface TrackUpdate {
  track: Track;
  detection: Detection;
}

export function iou(a: NormBox, b: NormBox): number {
  const ix = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  const inter = ix * iy;
  const union = a.w * a.h + b.w * b.h - inter;
  return union > 0 ? inter / union : 0;
}

const centre = (b: NormBox) => ({ cx: b.x + b.w / 2, cy: b.y + b.h / 2 });

function predicted(track: Track, atMs: number): NormBox {
  const dt = Math.min(atMs - track.lastMs, 2000);
  return { ...track.box, x: track.box.x + track.vx * dt, y: track.box.y + track.vy * dt };
}

/** How well a detection continues a track: IoU, or for boxes that do not overlap, a small credit when the centre is
 *  within one box size of the prediction (a small animal moves more than its own width between frames at 5 fps). */
function affinity(pred: NormBox, box: NormBox, minIou: number): number {
  const overlap = iou(pred, box);
  if (overlap >= minIou) return overlap;
  const p = centre(pred);
  const d = centre(box);
  const size = Math.max(pred.w, pred.h, box.w, box.h);
  const distance = Math.hypot(p.cx - d.cx, p.cy - d.cy);
  return distance < size ? minIou * 0.5 * (1 - distance / size) + 1e-6 : 0;
}

/** Keeps, of detections overlapping by more than half, the higher-scoring one; returns the indices kept. */
function mergeOverlapping(detections: readonly Detection[]): number[] {
  const order = detections.map((_, i) => i).sort((a, b) => detections[b].score - detections[a].score);
  const kept: number[] = [];
  for (const i of order) if (!kept.some((k) => iou(detections[k].box, detections[i].box) > 0.5)) kept.push(i);
  return kept;
}

export function createRegionTracks(options: TrackOptions = DEFAULT_TRACK_OPTIONS) {
  let tracks: Track[] = [];
  let nextId = 1;

  function record(track: Track, d: Detection, atMs: number): void {
    const dt = atMs - track.lastMs;
    if (dt > 0 && track.hits > 0) {
      const was = centre(track.box);
      const now = centre(d.box);
      // Smoothed velocity: a jittery box (the detector's anchor moving by a cell) should not fling the prediction.
      track.vx = 0.5 * track.vx + 0.5 * ((now.cx - was.cx) / dt);
      track.vy = 0.5 * track.vy + 0.5 * ((now.cy - was.cy) / dt);
    }
    track.box = d.box;
    track.lastMs = atMs;
    track.hits++;
    track.scores.push(d.score);
    if (track.scores.length > options.historyLength) track.scores.shift();
    if (d.score > track.bestScore) {
      track.bestScore = d.score;
      track.bestBox = d.box;
    }
  }

  function born(d: Detection, atMs: number): Track {
    const track: Track = { id: nextId++, box: d.box, vx: 0, vy: 0, firstMs: atMs, lastMs: atMs, hits: 0, scores: [], bestScore: -1, bestBox: d.box };
    record(track, d, atMs);
    return track;
  }

  return {
    /** One scored frame: associates its detections with the live tracks; returns the tracks seen in this frame. */
    update(atMs: number, detections: readonly Detection[]): TrackUpdate[] {
      this.prune(atMs);
      const kept = mergeOverlapping(detections);
      const pairs: Array<{ t: number; k: number; a: number }> = [];
      tracks.forEach((track, t) => {
        const pred = predicted(track, atMs);
        kept.forEach((index, k) => {
          const a = affinity(pred, detections[index].box, options.minIou);
          if (a > 0) pairs.push({ t, k, a });
        });
      });
      // Greedy by affinity: with the few objects of one camera it matches what an optimal assignment would.
      pairs.sort((p, q) => q.a - p.a);
      const usedTracks = new Set<number>();
      const usedDetections = new Set<number>();
      const out: TrackUpdate[] = [];
      for (const { t, k } of pairs) {
        if (usedTracks.has(t) || usedDetections.has(k)) continue;
        usedTracks.add(t);
        usedDetections.add(k);
        record(tracks[t], detections[kept[k]], atMs);
        out.push({ track: tracks[t], detection: detections[kept[k]] });
      }
      kept.forEach((index, k) => {
        if (usedDetections.has(k)) return;
        const track = born(detections[index], atMs);
        tracks.push(track);
        out.push({ track, detection: detections[index] });
      });
      if (tracks.length > options.maxTracks) {
        tracks.sort((a, b) => b.lastMs - a.lastMs);
        tracks = tracks.slice(0, options.maxTracks);
      }
      return out;
    },
    /** Drops the tracks not seen for maxGapMs. */
    prune(nowMs: number): void {
      tracks = tracks.filter((t) => nowMs - t.lastMs < options.maxGapMs);
    },
    live: (): readonly Track[] => tracks,
  };
}

export type RegionTracks = ReturnType<typeof createRegionTracks>;
