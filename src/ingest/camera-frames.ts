/**
 * A camera's frame bookkeeping across ffmpeg runs: numbers each frame, keeps the rate and the time of the last one,
 * and notices the first frame of a run (that is when the camera counts as connected).
 */
import type { CameraConfig } from '../config/schema.js';
import { errorMessage } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import type { Frame } from './frame.js';
import { createRateMeter } from './rate-meter.js';

const FPS_WINDOW_MS = 5000;

export interface CameraFramesDeps {
  camera: CameraConfig;
  log: Logger;
  now: () => number;
  onFrame: (frame: Frame) => void;
  /** The first frame of a run arrived. */
  onFirstFrame: () => void;
}

export function createCameraFrames(deps: CameraFramesDeps) {
  const { camera, log, now } = deps;
  const fpsMeter = createRateMeter(FPS_WINDOW_MS);
  let frames = 0;
  let lastFrameAtMs: number | undefined;
  let runFirstFrameAtMs: number | undefined;
  return {
    deliver(data: Buffer): void {
      const t = now();
      frames += 1;
      lastFrameAtMs = t;
      fpsMeter.add(t);
      if (runFirstFrameAtMs === undefined) {
        runFirstFrameAtMs = t;
        deps.onFirstFrame();
      }
      try {
        deps.onFrame({ camera: camera.name, seq: frames, capturedAtMs: t, width: camera.width, height: camera.height, data });
      } catch (err) {
        log.error({ err: errorMessage(err) }, 'frame handler failed');
      }
    },
    /** A run ended: how long it delivered frames (0 when it never did). */
    endRun(): number {
      const healthyForMs = runFirstFrameAtMs === undefined ? 0 : now() - runFirstFrameAtMs;
      runFirstFrameAtMs = undefined;
      return healthyForMs;
    },
    inRun: (): boolean => runFirstFrameAtMs !== undefined,
    stats: () => ({ frames, lastFrameAtMs, fps: fpsMeter.rate(now()) }),
  };
}
