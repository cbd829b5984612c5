/**
 * One clip through the pipeline code the service runs: motion gating, region scoring with the model, the event
 * state machine and the mining policy (dry run: candidates are counted, nothing is stored). Every frame is scored
 * (nothing is dropped for being late) and time is the clip's, so the result depends only on clip, config and model.
 */
import { basename } from 'node:path';
import type { CameraConfig, Config } from '../config/schema.js';
import { createCameraEvents, type CameraEventsHooks, type Transition } from '../events/camera-events.js';
import { detectionsOf, eventPayload, eventThreshold } from '../events/events-stage.js';
import { createLightMode } from '../events/light-mode.js';
import { createEventSampler } from '../mine/event-samples.js';
import { eventSampleOptions, observation } from '../mine/mine-stage.js';
import { createMinePolicy } from '../mine/mine-policy.js';
import { dHash } from '../mine/perceptual-hash.js';
import type { BackboneOutput } from '../model/backbone.js';
import type { TargetModel } from '../model/target-model.js';
import type { RgbImage } from '../image/image.js';
import { createMotionDetector } from '../motion/motion-detector.js';
import type { EventPayload } from '../publish/topics.js';
import { scoreJob, type ScoredFrame } from '../score/score-stage.js';
import { clipFrames } from './clip-frames.js';

export interface ReplayEvent extends EventPayload {
  clip: string;
}

export interface ClipSummary {
  clip: string;
  durationS: number;
  frames: number;
  framesScored: number;
  regionsScored: number;
  events: number;
  /** Frames the mining policy would have kept (dry run). */
  minedCandidates: number;
}

export interface ReplayClipDeps {
  clip: string;
  camera: CameraConfig;
  config: Config;
  model: TargetModel;
  embed: (images: RgbImage[]) => Promise<BackboneOutput[]>;
  onEvent?: (event: ReplayEvent) => void;
  /** The camera's own event threshold (false-alarm budget), when above the model's. */
  eventThreshold?: number;
  onFrame?: (frame: number) => void;
  /** Frames the mining policy kept (after dedup and rate limit), for a caller that stores them. */
  onMined?: (scored: ScoredFrame, reason: string) => void;
  /** Every scored frame (benchmarks read the regions). */
  onScored?: (scored: ScoredFrame) => void;
  /** Every track evidence the decision saw, with the frame's light mode (calibration of the operating point). */
  onEvidence?: CameraEventsHooks['onEvidence'];
}

export async function replayClip(deps: ReplayClipDeps): Promise<{ events: ReplayEvent[]; summary: ClipSummary }> {
  const { camera, config, model } = deps;
  const clip = basename(deps.clip);
  let eventCount = 0;
  const tracker = createCameraEvents(config.events, camera.name, { newId: () => `${clip}#${++eventCount}`, onEvidence: deps.onEvidence });
  const lightMode = createLightMode();
  const motion = camera.motion.enabled ? createMotionDetector({ config: camera.motion, width: camera.width, height: camera.height }) : undefined;
  const clipTimeMs = { now: 0 };
  const policy = createMinePolicy<ScoredFrame>({ options: () => config.mine, now: () => clipTimeMs.now });
  const events: ReplayEvent[] = [];
  const summary: ClipSummary = { clip, durationS: 0, frames: 0, framesScored: 0, regionsScored: 0, events: 0, minedCandidates: 0 };

  const mine = (candidates: ReturnType<typeof policy.flush>): void => {
    for (const c of candidates) {
      if (policy.admit(c.camera, dHash(c.item.crop ?? c.item.frame)) !== 'kept') continue;
      summary.minedCandidates++;
      deps.onMined?.(c.item, c.reason);
    }
  };
  const eventSampler = createEventSampler<ScoredFrame>(() => eventSampleOptions(config));
  const emit = (transitions: Transition[], scored: ScoredFrame | undefined): void => {
    for (const { type, event } of transitions) {
      const payload = { ...eventPayload({ type, event, camera: camera.name, label: config.model.label, scored, modelVersion: model.version }), has_snapshot: false, clip };
      events.push(payload);
      deps.onEvent?.(payload);
      eventSampler.transition(payload);
    }
  };

  for await (const frame of clipFrames(camera, deps.clip)) {
    clipTimeMs.now = frame.capturedAtMs;
    summary.frames++;
    deps.onFrame?.(summary.frames);
    emit(tracker.tick(frame.capturedAtMs), undefined);
    const found = motion ? motion.detect(frame, frame.capturedAtMs) : { regions: [], fullFrame: true };
    if (!found.fullFrame && found.regions.length === 0) continue;
    const scored = await scoreJob({ frame, regions: found.regions, fullFrame: found.fullFrame }, model, deps.embed, () => 0);
    summary.framesScored++;
    summary.regionsScored += scored.regions.length;
    deps.onScored?.(scored);
    const mode = lightMode.observe(frame, frame.capturedAtMs);
    emit(tracker.observe({ atMs: frame.capturedAtMs, detections: detectionsOf(scored), threshold: eventThreshold(scored, mode, deps.eventThreshold), mode }), scored);
    if (config.mine.enabled) {
      const obs = observation(scored);
      mine([...eventSampler.observe(obs, scored), ...policy.observe(obs, scored)]);
    }
  }
  summary.durationS = summary.frames / camera.detectFps;
  clipTimeMs.now = summary.durationS * 1000 + 60_000;
  if (config.mine.enabled) mine(policy.flush());
  emit(tracker.close(summary.durationS * 1000), undefined);
  summary.events = events.filter((e) => e.type === 'new').length;
  return { events, summary };
}
