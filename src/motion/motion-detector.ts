/**
 * Motion gating, after Frigate's ImprovedMotionDetector (frigate/motion/improved_motion.py), measured against it in
 * bench/motion-vs-frigate.ts: a ~100 px high grey copy of each frame, blurred, is compared with a running-average
 * background; pixels that differ by more than `threshold` (in contrast-normalised levels, contrast-stretch.ts; outside
 * masks) are dilated into blobs, small blobs dropped, nearby ones merged, and each becomes a square region to score.
 *
 * - Lighting: when more than `lightingChangeFraction` of the frame changes at once (a flash, the IR switch, clouds)
 *   the detector calibrates: it relearns the background fast and asks for no region until the change is under 5%.
 *   A "lighting change" that lasts over 2 s is something big moving instead: then the full frame is scored.
 *   A large blob whose texture still correlates with the background (a shadow, a patch of sun) is dropped and
 *   learnt at once (lighting-change.ts) — Frigate scores those.
 * - A cat that stops: the background learns slowly (1% per frame), and nothing where motion is until motion has
 *   lasted 10 frames, so a cat that sits down stays foreground for ~20 s at 5 fps; a full frame is scored every
 *   `fullFrameIntervalS` anyway, on the first frame and after reset(), so a still target is never missed forever.
 */
import type { MotionConfig } from '../config/schema.js';
import type { NormBox, RgbImage } from '../image/image.js';
import { boxBlur3, createGreyDownscaler, smallSize } from './grey-downscale.js';
import { blobBoxes, dilate, type PixelBox } from './binary-blobs.js';
import { mergeNearbyBoxes, regionsForBoxes, type RegionOptions } from './box-merge.js';
import { createContrastGain } from './contrast-stretch.js';
import { maskBitmap } from './motion-mask.js';
import { changeCorrelation, LIGHTING_CORRELATION } from './lighting-change.js';

export interface MotionDetectorDeps {
  /** Read once: a config change means a new detector (it restarts the background anyway). */
  config: MotionConfig;
  width: number;
  height: number;
}

export interface MotionResult {
  motionBoxes: NormBox[];
  regions: NormBox[];
  /** Score the whole frame this time. */
  fullFrame: boolean;
  /** Relearning the background after a change of lighting: motion boxes are not turned into regions. */
  calibrating: boolean;
}

export interface MotionDetector {
  detect(frame: RgbImage, nowMs: number): MotionResult;
  /** Forget the background (call when the camera (re)connects): the next frame initialises it and asks for a full frame. */
  reset(): void;
}

const SMALL_HEIGHT = 100;
const BACKGROUND_ALPHA = 0.01;
const CALIBRATING_ALPHA = 0.2;
/** Consecutive frames with motion after which the background starts learning what moves (a parked car). */
const PERSISTENT_MOTION_FRAMES = 10;
/** Calibration ends once less than this fraction of the frame changes, in at most CALIBRATED_MAX_BOXES boxes. */
const CALIBRATED_FRACTION = 0.05;
const CALIBRATED_MAX_BOXES = 4;
/**
 * A "lighting change" that lasts longer than this is something big moving (a cat close to the lens, a camera being
 * moved): the full frame is scored on every frame until it ends, where Frigate would score nothing. 1 s, not 2:
 * a cat that fills a hand-held view was first seen 2.4 s in (footage bench); a flash lasts a frame or two, and a
 * few full frames of a relit empty scene cannot start an event (a track needs 3 of 5 frames at the operating point).
 */
const SUSTAINED_CHANGE_MS = 1000;
/** Blobs at least this fraction of the frame are checked for being a change of light. */
const LIGHTING_MIN_FRACTION = 0.02;
const DILATE_RADIUS = 2;
/** Boxes closer than this (fraction of the frame) are one object. */
const MERGE_GAP = 0.03;
const REGION_OPTIONS: RegionOptions = { marginFraction: 0.2, minSideFraction: 0.25, maxRegions: 4 };

/**
 * The regions catwatch would score for these motion boxes (the benchmarks feed other detectors' boxes, and other
 * margins, through it).
 */
export function motionRegions(boxes: readonly NormBox[], width: number, height: number, marginFraction = REGION_OPTIONS.marginFraction): NormBox[] {
  return boxes.length > 0 ? regionsForBoxes(mergeNearbyBoxes(boxes, MERGE_GAP), width, height, { ...REGION_OPTIONS, marginFraction }) : [];
}

interface Buffers {
  readonly sw: number;
  readonly sh: number;
  readonly grey: Uint8Array;
  readonly blurred: Uint8Array;
  readonly blurTmp: Uint16Array;
  readonly background: Float32Array;
  readonly changed: Uint8Array;
  readonly dilated: Uint8Array;
  readonly dilateTmp: Uint8Array;
  readonly masked: Uint8Array;
  readonly unmaskedPixels: number;
}

export function createMotionDetector(deps: MotionDetectorDeps): MotionDetector {
  const { config, width, height } = deps;
  const buffers = allocate(config, width, height);
  const { sw, sh, grey, blurred, blurTmp, background, masked } = buffers;
  const downscale = createGreyDownscaler(width, height, sw, sh);
  const contrast = createContrastGain();
  const fullFrameIntervalMs = config.fullFrameIntervalS * 1000;
  let initialised = false;
  let calibrating = false;
  let calibratingSinceMs = 0;
  let motionFrames = 0;
  let lastFullFrameMs = 0;

  return {
    detect(frame, nowMs) {
      if (frame.width !== width || frame.height !== height) {
        throw new RangeError(`motion detector is for ${width}x${height} frames, got ${frame.width}x${frame.height}`);
      }
      if (!config.enabled) return { motionBoxes: [], regions: [], fullFrame: true, calibrating: false };
      downscale(frame.data, grey);
      const gain = config.improveContrast ? contrast.update(grey, masked) : 1;
      boxBlur3(grey, blurred, blurTmp, sw, sh);
      if (!initialised) {
        background.set(blurred);
        initialised = true;
        lastFullFrameMs = nowMs;
        return { motionBoxes: [], regions: [], fullFrame: true, calibrating };
      }
      const found = findMotion(buffers, config.threshold / gain, config.minAreaFraction);
      if (found.changedFraction > config.lightingChangeFraction) {
        if (!calibrating) calibratingSinceMs = nowMs;
        calibrating = true;
      } else if (calibrating && found.changedFraction < CALIBRATED_FRACTION && found.boxes.length <= CALIBRATED_MAX_BOXES) {
        calibrating = false;
      }
      motionFrames = found.boxes.length > 0 ? motionFrames + 1 : 0;
      learnBackground(buffers, found.lighting, calibrating ? CALIBRATING_ALPHA : BACKGROUND_ALPHA, !calibrating && motionFrames > 0 && motionFrames < PERSISTENT_MOTION_FRAMES);
      const sustained = calibrating && nowMs - calibratingSinceMs >= SUSTAINED_CHANGE_MS;
      const fullFrame = sustained || nowMs - lastFullFrameMs >= fullFrameIntervalMs || nowMs < lastFullFrameMs;
      if (fullFrame) lastFullFrameMs = nowMs;
      const regions = calibrating ? [] : motionRegions(found.boxes, width, height);
      return { motionBoxes: found.boxes, regions, fullFrame, calibrating };
    },
    reset() {
      initialised = false;
      calibrating = false;
      motionFrames = 0;
      contrast.reset();
    },
  };
}

function allocate(config: MotionConfig, width: number, height: number): Buffers {
  const { width: sw, height: sh } = smallSize(width, height, SMALL_HEIGHT);
  const n = sw * sh;
  const masked = maskBitmap(config.masks, sw, sh);
  let unmaskedPixels = 0;
  for (let i = 0; i < n; i += 1) unmaskedPixels += masked[i] === 0 ? 1 : 0;
  return {
    sw, sh, masked, unmaskedPixels: Math.max(1, unmaskedPixels),
    grey: new Uint8Array(n), blurred: new Uint8Array(n), blurTmp: new Uint16Array(n), background: new Float32Array(n),
    changed: new Uint8Array(n), dilated: new Uint8Array(n), dilateTmp: new Uint8Array(n),
  };
}

interface Found {
  boxes: NormBox[];
  /** Share of the unmasked frame that changed. */
  changedFraction: number;
  /** Blobs taken for a change of light (learnt at once, never scored). */
  lighting: PixelBox[];
}

/** `threshold` in the frame's own grey levels (the configured one divided by the contrast gain). */
function findMotion(b: Buffers, threshold: number, minAreaFraction: number): Found {
  const { sw, sh, blurred, background, changed, masked } = b;
  let count = 0;
  for (let i = 0; i < changed.length; i += 1) {
    const d = blurred[i] - background[i];
    const hit = (d > threshold || d < -threshold) && masked[i] === 0 ? 1 : 0;
    changed[i] = hit;
    count += hit;
  }
  const changedFraction = count / b.unmaskedPixels;
  if (count === 0) {
    b.dilated.fill(0);
    return { boxes: [], changedFraction, lighting: [] };
  }
  dilate(changed, b.dilated, b.dilateTmp, sw, sh, DILATE_RADIUS);
  const minPixels = minAreaFraction * sw * sh;
  const objects: NormBox[] = [];
  const lighting: PixelBox[] = [];
  for (const blob of blobBoxes(b.dilated, sw, sh)) {
    if (blob.pixels < minPixels) continue;
    const large = blob.pixels >= LIGHTING_MIN_FRACTION * b.unmaskedPixels;
    if (large && changeCorrelation(blurred, background, changed, blob, sw) >= LIGHTING_CORRELATION) lighting.push(blob);
    else objects.push({ x: blob.x0 / sw, y: blob.y0 / sh, w: (blob.x1 - blob.x0 + 1) / sw, h: (blob.y1 - blob.y0 + 1) / sh });
  }
  return { boxes: mergeNearbyBoxes(objects, MERGE_GAP), changedFraction, lighting };
}

/**
 * Moves the background towards the frame: at `alpha` everywhere, except that pixels with fresh motion are held
 * (`holdMotion`) so a target that stops is not absorbed, and lighting blobs are taken over at once.
 */
function learnBackground(b: Buffers, lighting: readonly PixelBox[], alpha: number, holdMotion: boolean): void {
  const { blurred, background, dilated, sw } = b;
  for (let i = 0; i < background.length; i += 1) {
    if (holdMotion && dilated[i] === 1) continue;
    background[i] += alpha * (blurred[i] - background[i]);
  }
  for (const box of lighting) {
    for (let y = box.y0; y <= box.y1; y += 1) {
      for (let i = y * sw + box.x0, end = y * sw + box.x1; i <= end; i += 1) background[i] = blurred[i];
    }
  }
}
