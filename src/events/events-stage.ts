/**
 * The events stage: per camera, the tracks of its scored regions and the events they start (camera-events.ts), the
 * camera's light mode (day / IR night, light-mode.ts, which picks the operating point), turning scored frames into
 * new/update/end events, the ON/OFF state and the best snapshot. Events go out through the durable outbox (QoS 1, survive broker
 * outages and restarts); state and snapshots are retained latest-wins messages.
 */
import type { Config } from '../config/schema.js';
import type { MqttPublisher } from '../publish/mqtt-publisher.js';
import type { EventPayload } from '../publish/topics.js';
import type { ScoredFrame } from '../score/score-stage.js';
import type { Logger } from '../util/log.js';
import type { LightMode } from '../model/operating-point.js';
import { createCameraEvents, type CameraEvents, type Transition } from './camera-events.js';
import { createLightMode, type LightModeTracker } from './light-mode.js';
import type { Detection } from './region-tracks.js';
import { encodeSnapshot } from './snapshot.js';

export interface EventsStageDeps {
  config: () => Config;
  publisher: MqttPublisher;
  log: Logger;
  /** Called for every event transition after it was queued for publishing (metrics, mining). */
  onTransition?: (payload: EventPayload, frameCapturedAtMs: number) => void;
  /** Every new best snapshot of an event, as published (the event history keeps it). */
  onSnapshot?: (eventId: string, jpeg: Buffer) => void;
  /** A camera's own threshold for this model version (false-alarm budget), if it has one. */
  cameraThreshold?: (camera: string, modelVersion: string) => number | undefined;
  now?: () => number;
}

const TICK_MS = 1000;

export function createEventsStage(deps: EventsStageDeps) {
  const log = deps.log.child({ component: 'events' });
  const now = deps.now ?? Date.now;
  const trackers = new Map<string, CameraEvents>();
  const lightModes = new Map<string, LightModeTracker>();
  const stateByCamera = new Map<string, 'ON' | 'OFF'>();
  let timer: NodeJS.Timeout | undefined;
  let lastModelVersion = 'unknown';
  const label = () => deps.config().model.label;

  const tracker = (camera: string): CameraEvents => perCamera(trackers, camera, () => createCameraEvents(deps.config().events, camera));
  const lightMode = (camera: string): LightModeTracker => perCamera(lightModes, camera, () => createLightMode());

  function setState(camera: string, state: 'ON' | 'OFF'): void {
    stateByCamera.set(camera, state);
    deps.publisher.publishLatest(deps.publisher.topics.state(camera, label()), state, { retain: true, qos: 1 });
  }

  function emit(camera: string, transitions: Transition[], scored?: ScoredFrame): void {
    for (const { type, event } of transitions) {
      const payload = eventPayload({ type, event, camera, label: label(), scored, modelVersion: scored?.model.version ?? lastModelVersion });
      deps.publisher.publishDurable(deps.publisher.topics.events, JSON.stringify(payload));
      log.info({ camera, type, id: event.id, track: event.trackId, mode: event.mode, score: payload.score }, 'event');
      if (type === 'new') setState(camera, 'ON');
      if (type === 'end') setState(camera, 'OFF');
      if (event.best && scored) void publishSnapshot(camera, scored, event);
      deps.onTransition?.(payload, scored?.frame.capturedAtMs ?? now());
    }
  }

  async function publishSnapshot(camera: string, scored: ScoredFrame, event: Transition['event']): Promise<void> {
    try {
      const jpeg = await encodeSnapshot(scored.frame, event.box, { annotate: deps.config().events.snapshotAnnotated });
      deps.publisher.publishLatest(deps.publisher.topics.snapshot(camera, label()), jpeg, { retain: true, qos: 1 });
      deps.onSnapshot?.(event.id, jpeg);
    } catch (err) {
      log.warn({ camera, err: (err as Error).message }, 'snapshot encoding failed');
    }
  }

  return {
    name: 'events',
    critical: true,
    livePaths: ['events', 'model.label'],
    start() {
      timer = setInterval(() => {
        for (const [camera, t] of trackers) emit(camera, t.tick(now()));
      }, TICK_MS);
      timer.unref();
      // Retained state must be right after a broker restart too.
      deps.publisher.onConnect(() => {
        for (const camera of deps.config().cameras.map((c) => c.name)) {
          deps.publisher.publishLatest(deps.publisher.topics.state(camera, label()), stateByCamera.get(camera) ?? 'OFF', { retain: true, qos: 1 });
        }
      });
    },
    stop() {
      clearInterval(timer);
      // End open events so subscribers never see a camera stuck ON after a clean stop.
      for (const [camera, t] of trackers) emit(camera, t.close(now()));
    },
    observe(scored: ScoredFrame) {
      lastModelVersion = scored.model.version;
      const camera = scored.frame.camera;
      const mode = lightMode(camera).observe(scored.frame, scored.frame.capturedAtMs);
      const threshold = eventThreshold(scored, mode, deps.cameraThreshold?.(camera, scored.model.version));
      emit(camera, tracker(camera).observe({ atMs: scored.frame.capturedAtMs, detections: detectionsOf(scored), threshold, mode }), scored);
    },
    applyConfig() {
      // Track settings apply to new trackers; open events finish under the settings they started with.
      for (const [camera, t] of trackers) if (!t.active()) trackers.delete(camera);
    },
    /** Each camera's light mode (day / night), for the status. */
    lightModes: (): Record<string, LightMode> => Object.fromEntries([...lightModes].map(([camera, m]) => [camera, m.current()])),
  };
}

function perCamera<T>(map: Map<string, T>, camera: string, create: () => T): T {
  let value = map.get(camera);
  if (value === undefined) {
    value = create();
    map.set(camera, value);
  }
  return value;
}

/** The evidence an event needs: the model's operating point for the light mode, or the camera's budget if higher. */
export function eventThreshold(scored: Pick<ScoredFrame, 'model'>, mode: LightMode, cameraThreshold: number | undefined): number {
  return Math.max(scored.model.eventThreshold(mode), cameraThreshold ?? 0);
}

/** A scored frame's regions as tracker detections (the detector's box in the frame, where it has one). */
export function detectionsOf(scored: Pick<ScoredFrame, 'regions'>): Detection[] {
  return scored.regions.map((r) => ({ box: r.target, score: r.score }));
}

export function eventPayload(o: { type: EventPayload['type']; event: Transition['event']; camera: string; label: string; scored: ScoredFrame | undefined; modelVersion: string }): EventPayload {
  const { event } = o;
  return {
    type: o.type,
    id: event.id,
    camera: o.camera,
    label: o.label,
    score: round(event.score),
    top_score: round(event.topScore),
    ...partsPayload(o.scored),
    box: event.box,
    track_id: event.trackId,
    light_mode: event.mode,
    evidence: round(event.evidence),
    start_time: event.startMs / 1000,
    end_time: event.endMs === null ? null : event.endMs / 1000,
    model_version: o.modelVersion,
    has_snapshot: true,
  };
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}

function partsPayload(scored: ScoredFrame | undefined): Pick<EventPayload, 'prior' | 'head' | 'trust'> {
  const p = scored?.parts;
  const value = (x: number | undefined): number | null => (x !== undefined && Number.isFinite(x) ? Math.round(x * 1e4) / 1e4 : null);
  return { prior: value(p?.prior), head: value(p?.head), trust: value(p?.trust) };
}
