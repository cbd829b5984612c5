/**
 * One camera's events: its scored regions become tracks (region-tracks.ts), each track is judged on its own evidence
 * (track-decision.ts), and an event is open while a confirmed track keeps its evidence at the operating point. An
 * event starts on the first confirmed track (its id goes into the event), follows that track's best frame for the
 * snapshot, and ends after `quietPeriodS` without a confirmed detection (or after `maxEventS`). The service and
 * `catwatch replay` both run this code. Pure: time comes in with each call, transitions go out as return values.
 */
import { randomBytes } from 'node:crypto';
import type { NormBox } from '../image/image.js';
import type { LightMode } from '../model/operating-point.js';
import { createRegionTracks, DEFAULT_TRACK_OPTIONS, type Detection } from './region-tracks.js';
import { trackEvidence, type TrackRule } from './track-decision.js';

export interface CameraEventsConfig extends TrackRule {
  quietPeriodS: number;
  maxEventS: number;
  /** A track not seen for this long ends (a still target is scored by the periodic full frame only). */
  trackMaxGapS: number;
}

export interface FrameObservation {
  atMs: number;
  detections: readonly Detection[];
  /** The evidence an event needs now (the operating point of the camera's light mode, or the camera's own). */
  threshold: number;
  mode: LightMode;
}

export interface TrackedEvent {
  id: string;
  /** The track that started the event (per camera, counting from 1 since the service started). */
  trackId: number;
  startMs: number;
  endMs: number | null;
  /** Score of the event's latest confirmed detection. */
  score: number;
  topScore: number;
  /** Evidence (median score) of the confirmed track when the event started or last improved. */
  evidence: number;
  box: NormBox | null;
  mode: LightMode;
  /** True when this observation is the new best (the caller keeps its frame as the snapshot). */
  best: boolean;
}

export type Transition = { type: 'new' | 'update' | 'end'; event: TrackedEvent };

/** Event ids: second of the start, random suffix, camera. Replay passes its own, deterministic ones. */
export function randomEventId(startMs: number, camera: string): string {
  return `${Math.floor(startMs / 1000)}.${randomBytes(3).toString('hex')}-${camera}`;
}

export interface CameraEventsHooks {
  newId?: (startMs: number, camera: string) => string;
  /** Every decided track evidence (calibration collects each track's highest). */
  onEvidence?: (trackId: number, evidence: number, obs: FrameObservation) => void;
}

export function createCameraEvents(config: CameraEventsConfig, camera: string, hooks: CameraEventsHooks = {}) {
  const newId = hooks.newId ?? randomEventId;
  const tracks = createRegionTracks({ ...DEFAULT_TRACK_OPTIONS, maxGapMs: config.trackMaxGapS * 1000, historyLength: Math.max(config.windowFrames, 1) });
  let current: (TrackedEvent & { lastHitMs: number; trackIds: Set<number> }) | undefined;

  function end(nowMs: number): Transition[] {
    if (!current) return [];
    const { lastHitMs: _hit, trackIds: _ids, ...ended } = current;
    current = undefined;
    return [{ type: 'end', event: { ...ended, endMs: nowMs, best: false } }];
  }

  function snapshot(best: boolean): TrackedEvent {
    const { lastHitMs: _hit, trackIds: _ids, ...event } = current!;
    return { ...event, best };
  }

  return {
    observe(obs: FrameObservation): Transition[] {
      const confirmed = tracks
        .update(obs.atMs, obs.detections)
        .map((u) => ({ ...u, evidence: trackEvidence(u.track, config) }))
        .filter((u) => {
          if (u.evidence !== undefined) hooks.onEvidence?.(u.track.id, u.evidence, obs);
          return u.evidence !== undefined && u.evidence >= obs.threshold;
        })
        .sort((a, b) => b.evidence! - a.evidence!);
      if (current) {
        const quiet = obs.atMs - current.lastHitMs >= config.quietPeriodS * 1000;
        const tooLong = obs.atMs - current.startMs >= config.maxEventS * 1000;
        if ((quiet && confirmed.length === 0) || tooLong) return end(obs.atMs);
        const top = confirmed[0];
        if (!top) return [];
        current.lastHitMs = obs.atMs;
        current.score = top.detection.score;
        current.mode = obs.mode;
        for (const c of confirmed) current.trackIds.add(c.track.id);
        if (top.detection.score <= current.topScore) return [];
        Object.assign(current, { topScore: top.detection.score, box: top.detection.box, evidence: top.evidence! });
        return [{ type: 'update', event: snapshot(true) }];
      }
      const top = confirmed[0];
      if (!top) return [];
      current = {
        id: newId(obs.atMs, camera),
        trackId: top.track.id,
        startMs: obs.atMs,
        endMs: null,
        score: top.detection.score,
        topScore: top.detection.score,
        evidence: top.evidence!,
        box: top.detection.box,
        mode: obs.mode,
        best: true,
        lastHitMs: obs.atMs,
        trackIds: new Set(confirmed.map((c) => c.track.id)),
      };
      return [{ type: 'new', event: snapshot(true) }];
    },
    /** Called on a timer: ends an event whose quiet period passed even when nothing is being scored. */
    tick(nowMs: number): Transition[] {
      tracks.prune(nowMs);
      if (!current) return [];
      if (nowMs - current.lastHitMs >= config.quietPeriodS * 1000 || nowMs - current.startMs >= config.maxEventS * 1000) return end(nowMs);
      return [];
    },
    /** Ends an open event now (service stopping). */
    close: (nowMs: number): Transition[] => end(nowMs),
    active: (): boolean => current !== undefined,
  };
}

export type CameraEvents = ReturnType<typeof createCameraEvents>;
