/**
 * Motion for every camera: a detector per camera decides which square regions of a frame get scored (plus a
 * periodic full frame). Cheap enough to run inline as each frame arrives; the score stage behind it keeps only
 * the newest job per camera.
 */
import type { Config } from '../config/schema.js';
import type { Frame } from '../ingest/frame.js';
import { createMotionDetector, type MotionDetector } from './motion-detector.js';

export interface MotionJob { frame: Frame; regions: { x: number; y: number; w: number; h: number }[]; fullFrame: boolean }

export function createMotionStage(deps: { config: Config; onJob: (job: MotionJob) => void }) {
  let config = deps.config;
  const detectors = new Map<string, MotionDetector>();

  function detector(frame: Frame): MotionDetector {
    let d = detectors.get(frame.camera);
    if (!d) {
      const camera = config.cameras.find((c) => c.name === frame.camera);
      const motion = camera?.motion ?? { enabled: false, threshold: 25, minAreaFraction: 0.002, fullFrameIntervalS: 5, masks: [] };
      d = createMotionDetector({ config: motion, width: frame.width, height: frame.height });
      detectors.set(frame.camera, d);
    }
    return d;
  }

  return {
    push(frame: Frame) {
      const camera = config.cameras.find((c) => c.name === frame.camera);
      if (camera && !camera.motion.enabled) {
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
    applyConfig(next: Config) {
      config = next;
      detectors.clear();
    },
  };
}
