/**
 * Motion for every camera: a detector per camera decides which square regions of a frame get scored (plus a
 * periodic full frame). Cheap enough to run inline as each frame arrives; the score stage behind it keeps only
 * the newest job per camera.
 */
import { defaultMotionConfig, type Config } from '../config/schema.js';
import type { Frame } from '../ingest/frame.js';
import { createMotionDetector, type MotionDetector } from './motion-detector.js';

export interface MotionJob { frame: Frame; regions: { x: number; y: number; w: number; h: number }[]; fullFrame: boolean }

export function createMotionStage(deps: { config: () => Config; onJob: (job: MotionJob) => void }) {
  const detectors = new Map<string, MotionDetector>();

  const motionOf = (camera: string) => deps.config().cameras.find((c) => c.name === camera)?.motion ?? defaultMotionConfig();

  function detector(frame: Frame): MotionDetector {
    let d = detectors.get(frame.camera);
    if (!d) {
      d = createMotionDetector({ config: motionOf(frame.camera), width: frame.width, height: frame.height });
      detectors.set(frame.camera, d);
    }
    return d;
  }

  return {
    name: 'motion',
    critical: true,
    livePaths: ['cameras'],
    start: () => undefined,
    stop: () => detectors.clear(),
    push(frame: Frame) {
      if (!motionOf(frame.camera).enabled) {
        deps.onJob({ frame, regions: [], fullFrame: true });
        return;
      }
      const result = detector(frame).detect(frame, frame.capturedAtMs);
      if (result.fullFrame || result.regions.length > 0) deps.onJob({ frame, regions: result.regions, fullFrame: result.fullFrame });
    },
    /** A camera (re)connected: relearn its background and score a full frame first. */
    reset(camera: string) {
      detectors.get(camera)?.reset();
    },
    /** New motion settings apply to fresh detectors (a new background is learnt). */
    applyConfig() {
      detectors.clear();
    },
  };
}
