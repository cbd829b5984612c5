/**
 * Motion gating, after Frigate's detector: a blurred ~100 px high grey copy of each frame is compared with a
 * running average of the previous ones; pixels that differ by more than `threshold` (outside masks) are dilated
 * into blobs, small blobs dropped, nearby ones merged, and each becomes a square region to score. A static scene
 * costs one downscale pass and one comparison. A full-frame score is requested on the first frame, after reset()
 * and every `fullFrameIntervalS`, so a target that sits still is not missed forever.
 */
import type { MotionConfig } from '../config/schema.js';
import type { NormBox, RgbImage } from '../image/image.js';
import { boxBlur3, createGreyDownscaler, smallSize } from './grey-downscale.js';
import { blobBoxes, dilate } from './binary-blobs.js';
import { mergeNearbyBoxes, regionsForBoxes, type RegionOptions } from './box-merge.js';

export interface MotionDetectorDeps {
  /** Read once: a config change means a new detector (it restarts the running average anyway). */
  config: MotionConfig;
  width: number;
  height: number;
}

export interface MotionResult {
  motionBoxes: NormBox[];
  regions: NormBox[];
  /** Score the whole frame this time. */
  fullFrame: boolean;
}

export interface MotionDetector {
  detect(frame: RgbImage, nowMs: number): MotionResult;
  /** Forget the background (call when the camera (re)connects): the next frame initialises it and asks for a full frame. */
  reset(): void;
}

const SMALL_HEIGHT = 100;
/** Weight of the newest frame in the running average (Frigate's accumulateWeighted). */
const AVERAGE_ALPHA = 0.1;
const DILATE_RADIUS = 2;
/** Boxes closer than this (fraction of the frame) are one object. */
const MERGE_GAP = 0.03;
/** More of the unmasked frame than this changing at once is a lighting change, not an object: relearn. */
const LIGHTING_CHANGE_FRACTION = 0.5;
const REGION_OPTIONS: RegionOptions = { marginFraction: 0.2, minSideFraction: 0.25, maxRegions: 4 };

export function createMotionDetector(deps: MotionDetectorDeps): MotionDetector {
  const { config, width, height } = deps;
  const small = smallSize(width, height, SMALL_HEIGHT);
  const sw = small.width;
  const sh = small.height;
  const n = sw * sh;
  const downscale = createGreyDownscaler(width, height, sw, sh);
  const grey = new Uint8Array(n);
  const blurred = new Uint8Array(n);
  const blurTmp = new Uint16Array(n);
  const average = new Float32Array(n);
  const motion = new Uint8Array(n);
  const dilated = new Uint8Array(n);
  const dilateTmp = new Uint8Array(n);
  const stack = new Int32Array(n);
  const masked = maskBitmap(config.masks, sw, sh);
  let unmaskedPixels = 0;
  for (let i = 0; i < n; i += 1) unmaskedPixels += masked[i] === 0 ? 1 : 0;
  const minPixels = config.minAreaFraction * n;
  const fullFrameIntervalMs = config.fullFrameIntervalS * 1000;
  let initialised = false;
  let lastFullFrameMs = 0;

  function fullFrameDue(nowMs: number): boolean {
    return nowMs - lastFullFrameMs >= fullFrameIntervalMs || nowMs < lastFullFrameMs;
  }

  return {
    detect(frame, nowMs) {
      if (frame.width !== width || frame.height !== height) {
        throw new RangeError(`motion detector is for ${width}x${height} frames, got ${frame.width}x${frame.height}`);
      }
      if (!config.enabled) return { motionBoxes: [], regions: [], fullFrame: true };

      downscale(frame.data, grey);
      boxBlur3(grey, blurred, blurTmp, sw, sh);
      if (!initialised) {
        average.set(blurred);
        initialised = true;
        lastFullFrameMs = nowMs;
        return { motionBoxes: [], regions: [], fullFrame: true };
      }

      const threshold = config.threshold;
      let changed = 0;
      for (let i = 0; i < n; i += 1) {
        const v = blurred[i];
        const a = average[i];
        const d = v > a ? v - a : a - v;
        const hit = d > threshold && masked[i] === 0 ? 1 : 0;
        motion[i] = hit;
        changed += hit;
        average[i] = a + AVERAGE_ALPHA * (v - a);
      }

      let fullFrame = fullFrameDue(nowMs);
      let motionBoxes: NormBox[] = [];
      if (changed > LIGHTING_CHANGE_FRACTION * unmaskedPixels) {
        average.set(blurred);
        fullFrame = true;
      } else if (changed > 0) {
        dilate(motion, dilated, dilateTmp, sw, sh, DILATE_RADIUS);
        const blobs = blobBoxes(dilated, stack, sw, sh).filter((b) => b.pixels >= minPixels);
        motionBoxes = mergeNearbyBoxes(
          blobs.map((b) => ({ x: b.x0 / sw, y: b.y0 / sh, w: (b.x1 - b.x0 + 1) / sw, h: (b.y1 - b.y0 + 1) / sh })),
          MERGE_GAP,
        );
      }
      if (fullFrame) lastFullFrameMs = nowMs;
      const regions = motionBoxes.length > 0 ? regionsForBoxes(motionBoxes, width, height, REGION_OPTIONS) : [];
      return { motionBoxes, regions, fullFrame };
    },

    reset() {
      initialised = false;
    },
  };
}

/** 1 where a small-image pixel overlaps any mask region (generous, so blur does not leak motion out of a mask). */
function maskBitmap(masks: MotionConfig['masks'], sw: number, sh: number): Uint8Array {
  const bitmap = new Uint8Array(sw * sh);
  for (const m of masks) {
    const x0 = Math.max(0, Math.floor(m.x * sw));
    const y0 = Math.max(0, Math.floor(m.y * sh));
    const x1 = Math.min(sw, Math.ceil((m.x + m.w) * sw));
    const y1 = Math.min(sh, Math.ceil((m.y + m.h) * sh));
    for (let y = y0; y < y1; y += 1) bitmap.fill(1, y * sw + x0, y * sw + x1);
  }
  return bitmap;
}
