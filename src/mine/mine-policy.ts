/**
 * Which scored frames become candidate hard negatives, and why. Pure: no I/O, time from an injected clock.
 *
 * - 'uncertain': threshold > score ≥ bandLow (calibrated scores; an empty band when bandLow ≥ threshold).
 * - 'isolated-positive': score ≥ threshold, but fewer than MIN_SUPPORT of the neighbouring scored frames
 *   (within ±windowMs) were above threshold too: a blip, a likely false alarm.
 *
 * Decisions wait for the frames AFTER the candidate (decide with a delay of windowMs), because judging a positive
 * from the past alone would call the first frame of every real sighting "isolated" and teach the model that the
 * target is a negative. The same look-around protects the band: an uncertain frame amid confirmed positives is most
 * likely the target half in view, so it is not mined either. A positive is only called isolated when at least
 * MIN_NEIGHBOURS frames around it were scored: a still target scored only by the periodic full-frame pass has no
 * neighbours, and no neighbours is no evidence of a false alarm.
 *
 * A candidate is decided as soon as a frame later than its window arrives (`observe`), or once the clock passes the
 * window plus a grace for scoring latency (`flush`, when motion stopped and no more frames come). Support counts are
 * kept per pending candidate, so only the last windowMs of frames is remembered. Then `admit` applies the per-camera
 * rate limit (sliding hour) and the perceptual-hash dedup against the camera's recently kept samples.
 */
import { hammingDistance } from './perceptual-hash.js';

/** 'event': a frame of an event (event-samples.ts), kept for review. */
export type MineReason = 'uncertain' | 'isolated-positive' | 'event';

export interface MinePolicyOptions {
  bandLow: number;
  maxPerCameraPerHour: number;
  /** Hash distance below which a sample duplicates a recent one; 0 turns dedup off. */
  dedupBits: number;
}

export interface ScoreObservation {
  camera: string;
  /** Capture time of the frame (ms since epoch). */
  timeMs: number;
  score: number;
  /** The model's threshold for this frame (it may change with a model swap). */
  threshold: number;
}

export interface Candidate<T> extends ScoreObservation {
  reason: MineReason;
  item: T;
}

export type AdmitResult = 'kept' | 'rate-limited' | 'duplicate';

export interface MinePolicyDeps {
  options: () => MinePolicyOptions;
  now?: () => number;
  /** Neighbourhood of a frame: ±windowMs. */
  windowMs?: number;
  /** Extra wait in `flush` for frames still being scored. */
  graceMs?: number;
  /** Undecided candidates kept per camera; later ones are skipped (counted) while full. */
  maxPendingPerCamera?: number;
  /** Recently kept hashes per camera that new candidates are compared with. */
  dedupHistory?: number;
}

export const MIN_SUPPORT = 2;
export const MIN_NEIGHBOURS = 2;
const HOUR_MS = 3_600_000;

interface Pending<T> {
  candidate: Candidate<T>;
  neighbours: number;
  support: number;
}

interface Seen { timeMs: number; positive: boolean }

interface CameraState<T> {
  recent: Seen[];
  pending: Array<Pending<T>>;
  keptAtMs: number[];
  hashes: bigint[];
}

export interface MinePolicyCounters { candidates: number; supported: number; overflow: number; rateLimited: number; duplicates: number; kept: number }

function reasonFor(obs: ScoreObservation, bandLow: number): MineReason | undefined {
  if (obs.score >= obs.threshold) return 'isolated-positive';
  if (obs.score >= bandLow) return 'uncertain';
  return undefined;
}

/** Decides the candidates selected by `done`; returns those worth keeping. */
function settle<T>(s: CameraState<T>, done: (p: Pending<T>) => boolean): Array<Candidate<T>> {
  const out: Array<Candidate<T>> = [];
  s.pending = s.pending.filter((p) => {
    if (!done(p)) return true;
    const isolatedEnough = p.candidate.reason === 'uncertain' || p.neighbours >= MIN_NEIGHBOURS;
    if (p.support < MIN_SUPPORT && isolatedEnough) out.push(p.candidate);
    return false;
  });
  return out;
}

/** A frame at `timeMs` is a neighbour of every pending candidate within the window (a supporter when positive). */
function countNeighbour<T>(s: CameraState<T>, timeMs: number, positive: boolean, windowMs: number): void {
  for (const p of s.pending) {
    if (Math.abs(timeMs - p.candidate.timeMs) > windowMs) continue;
    p.neighbours++;
    if (positive) p.support++;
  }
}

export function createMinePolicy<T>(deps: MinePolicyDeps) {
  const now = deps.now ?? Date.now;
  const windowMs = deps.windowMs ?? 2000;
  const graceMs = deps.graceMs ?? 1000;
  const maxPending = deps.maxPendingPerCamera ?? 8;
  const dedupHistory = deps.dedupHistory ?? 256;
  const cameras = new Map<string, CameraState<T>>();
  const counters: MinePolicyCounters = { candidates: 0, supported: 0, overflow: 0, rateLimited: 0, duplicates: 0, kept: 0 };

  function state(camera: string): CameraState<T> {
    let s = cameras.get(camera);
    if (!s) {
      s = { recent: [], pending: [], keptAtMs: [], hashes: [] };
      cameras.set(camera, s);
    }
    return s;
  }

  function rateLimited(s: CameraState<T>): boolean {
    const since = now() - HOUR_MS;
    while (s.keptAtMs.length > 0 && s.keptAtMs[0] <= since) s.keptAtMs.shift();
    return s.keptAtMs.length >= deps.options().maxPerCameraPerHour;
  }

  return {
    /** Records a scored frame; returns the earlier candidates whose neighbourhood is now complete and that qualify. */
    observe(obs: ScoreObservation, item: T): Array<Candidate<T>> {
      const s = state(obs.camera);
      const positive = obs.score >= obs.threshold;
      const ready = settle(s, (p) => obs.timeMs > p.candidate.timeMs + windowMs);
      countNeighbour(s, obs.timeMs, positive, windowMs);
      // Enough support already decides "not a candidate"; no need to hold the frame until its window closes.
      const before = s.pending.length;
      s.pending = s.pending.filter((p) => p.support < MIN_SUPPORT);
      counters.supported += before - s.pending.length;

      while (s.recent.length > 0 && s.recent[0].timeMs < obs.timeMs - windowMs) s.recent.shift();
      const reason = reasonFor(obs, deps.options().bandLow);
      if (reason !== undefined && !rateLimited(s)) {
        counters.candidates++;
        const past = s.recent;
        const support = past.filter((r) => r.positive).length;
        if (support >= MIN_SUPPORT) counters.supported++;
        else if (s.pending.length >= maxPending) counters.overflow++;
        else s.pending.push({ candidate: { ...obs, reason, item }, neighbours: past.length, support });
      }
      s.recent.push({ timeMs: obs.timeMs, positive });
      return ready;
    },

    /** Candidates whose window closed by the clock (no later frame came); call periodically. */
    flush(): Array<Candidate<T>> {
      const cutoff = now() - windowMs - graceMs;
      const out: Array<Candidate<T>> = [];
      for (const s of cameras.values()) out.push(...settle(s, (p) => p.candidate.timeMs <= cutoff));
      return out;
    },

    /** Rate limit, then dedup; a kept sample takes a slot of the hour and joins the recent hashes. */
    admit(camera: string, hash: bigint): AdmitResult {
      const s = state(camera);
      if (rateLimited(s)) {
        counters.rateLimited++;
        return 'rate-limited';
      }
      const { dedupBits } = deps.options();
      if (dedupBits > 0 && s.hashes.some((h) => hammingDistance(h, hash) < dedupBits)) {
        counters.duplicates++;
        return 'duplicate';
      }
      s.keptAtMs.push(now());
      s.hashes.push(hash);
      if (s.hashes.length > dedupHistory) s.hashes.shift();
      counters.kept++;
      return 'kept';
    },

    /** Forgets a camera's undecided candidates and neighbourhood (reconnect: the frames before are not neighbours). */
    reset(camera: string): void {
      const s = cameras.get(camera);
      if (!s) return;
      s.pending = [];
      s.recent = [];
    },

    pendingCount(): number {
      let n = 0;
      for (const s of cameras.values()) n += s.pending.length;
      return n;
    },

    counters: (): Readonly<MinePolicyCounters> => ({ ...counters }),
  };
}

export type MinePolicy<T> = ReturnType<typeof createMinePolicy<T>>;
