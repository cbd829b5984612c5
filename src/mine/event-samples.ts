/**
 * Frames of events as samples to review. An alert is what a user sees and judges; when it was a false alarm, its
 * frames are exactly the hard negatives the model needs, and the mining rules alone never keep them (a sustained
 * false alarm has support, so it is not "isolated", and its scores lie above the uncertain band). While a camera's
 * event is open, its frames at or above the threshold become candidates: the first, then one per interval, up to
 * a number per event, so the scene memory learns the scene as the event saw it (regions move from frame to frame).
 * Such samples train only once a person labelled them (an unreviewed alert may well be the target).
 */
import type { Candidate, ScoreObservation } from './mine-policy.js';

export interface EventTransition { type: 'new' | 'update' | 'end'; id: string; camera: string }

export interface EventSampleOptions {
  /** Frames kept per event (0: none). */
  perEvent: number;
  intervalMs: number;
}

interface OpenEvent { id: string; taken: number; lastTakenMs: number }

export function createEventSampler<T>(options: () => EventSampleOptions) {
  const open = new Map<string, OpenEvent>();
  return {
    /** Follows the camera's event state; call before `observe` for the frame that caused the transition. */
    transition(t: EventTransition): void {
      if (t.type === 'new') open.set(t.camera, { id: t.id, taken: 0, lastTakenMs: -Infinity });
      else if (t.type === 'end' && open.get(t.camera)?.id === t.id) open.delete(t.camera);
    },

    /** A scored frame: a candidate when its camera's event is open, it is a hit, and the event's quota allows. */
    observe(obs: ScoreObservation, item: T): Array<Candidate<T>> {
      const event = open.get(obs.camera);
      const { perEvent, intervalMs } = options();
      if (!event || obs.score < obs.threshold || event.taken >= perEvent || obs.timeMs - event.lastTakenMs < intervalMs) return [];
      event.taken++;
      event.lastTakenMs = obs.timeMs;
      return [{ ...obs, reason: 'event', item }];
    },

    reset(camera: string): void {
      open.delete(camera);
    },
  };
}
