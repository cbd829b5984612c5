/**
 * Per camera and label: the event state machine with hysteresis. An event starts when `minHits` of the last
 * `windowFrames` scored frames are at or above the threshold, and ends after `quietPeriodS` without a hit (or after
 * `maxEventS`). Pure: time comes in with each call, transitions go out as return values.
 */
import { randomBytes } from 'node:crypto';
import type { NormBox } from '../image/image.js';

export interface TrackerConfig {
  minHits: number;
  windowFrames: number;
  quietPeriodS: number;
  maxEventS: number;
}

export interface Observation {
  atMs: number;
  score: number;
  box: NormBox | null;
  threshold: number;
}

export interface TrackedEvent {
  id: string;
  startMs: number;
  endMs: number | null;
  score: number;
  topScore: number;
  box: NormBox | null;
  /** True when this observation is the new best (the caller keeps its frame as the snapshot). */
  best: boolean;
}

export type Transition = { type: 'new' | 'update' | 'end'; event: TrackedEvent };

export interface EventTracker {
  observe(obs: Observation): Transition[];
  /** Called on a timer: ends an event whose quiet period passed even when nothing is being scored. */
  tick(nowMs: number): Transition[];
  /** Ends an open event now (service stopping). */
  close(nowMs: number): Transition[];
  active(): boolean;
}

/** Event ids: second of the start, random suffix, camera. Replay passes its own, deterministic ones. */
export function randomEventId(startMs: number, camera: string): string {
  return `${Math.floor(startMs / 1000)}.${randomBytes(3).toString('hex')}-${camera}`;
}

export function createEventTracker(config: TrackerConfig, camera: string, newId: (startMs: number, camera: string) => string = randomEventId): EventTracker {
  const window: boolean[] = [];
  let current: (TrackedEvent & { lastHitMs: number }) | undefined;

  function end(nowMs: number): Transition[] {
    if (!current) return [];
    const ended = { ...current, endMs: nowMs, best: false };
    current = undefined;
    window.length = 0;
    return [{ type: 'end', event: strip(ended) }];
  }

  function strip(e: TrackedEvent & { lastHitMs?: number }): TrackedEvent {
    const { lastHitMs: _unused, ...rest } = e;
    return rest;
  }

  return {
    observe(obs) {
      const hit = obs.score >= obs.threshold;
      window.push(hit);
      if (window.length > config.windowFrames) window.shift();
      const out: Transition[] = [];
      if (current) {
        const quiet = obs.atMs - current.lastHitMs >= config.quietPeriodS * 1000;
        const tooLong = obs.atMs - current.startMs >= config.maxEventS * 1000;
        if ((quiet && !hit) || tooLong) return end(obs.atMs);
        current.score = obs.score;
        if (hit) current.lastHitMs = obs.atMs;
        if (hit && obs.score > current.topScore) {
          current.topScore = obs.score;
          current.box = obs.box;
          out.push({ type: 'update', event: strip({ ...current, best: true }) });
        }
        return out;
      }
      const hits = window.filter(Boolean).length;
      if (hit && hits >= config.minHits) {
        current = {
          id: newId(obs.atMs, camera),
          startMs: obs.atMs,
          endMs: null,
          score: obs.score,
          topScore: obs.score,
          box: obs.box,
          best: true,
          lastHitMs: obs.atMs,
        };
        out.push({ type: 'new', event: strip(current) });
      }
      return out;
    },
    tick(nowMs) {
      if (!current) return [];
      if (nowMs - current.lastHitMs >= config.quietPeriodS * 1000 || nowMs - current.startMs >= config.maxEventS * 1000) return end(nowMs);
      return [];
    },
    close: (nowMs) => end(nowMs),
    active: () => current !== undefined,
  };
}
