/**
 * From motion boxes to what gets scored: nearby boxes are merged (one cat often moves as several blobs), then each
 * becomes a square region with a margin — backbones take square inputs, and context around the motion helps.
 * All boxes are normalised (0..1); squares are square in pixels of the full frame.
 */
import type { NormBox } from '../image/image.js';

export interface RegionOptions {
  /** Margin added on each side, as a fraction of the box's larger side. */
  marginFraction: number;
  /** Smallest region side, as a fraction of the frame's shorter side. */
  minSideFraction: number;
  /** More regions than this: score the full frame instead (bounded work when motion is everywhere). */
  maxRegions: number;
}

export const FULL_FRAME: NormBox = Object.freeze({ x: 0, y: 0, w: 1, h: 1 });

export function unionBox(a: NormBox, b: NormBox): NormBox {
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return { x, y, w: Math.max(a.x + a.w, b.x + b.w) - x, h: Math.max(a.y + a.h, b.y + b.h) - y };
}

/** True when the boxes overlap or are closer than `gap` (normalised) on both axes. */
function near(a: NormBox, b: NormBox, gap: number): boolean {
  return a.x <= b.x + b.w + gap && b.x <= a.x + a.w + gap && a.y <= b.y + b.h + gap && b.y <= a.y + a.h + gap;
}

/** Merge boxes that overlap or lie within `gap` of each other, until no two do. */
export function mergeNearbyBoxes(boxes: readonly NormBox[], gap: number): NormBox[] {
  const out = boxes.slice();
  for (let merged = true; merged; ) {
    merged = false;
    for (let i = 0; i < out.length && !merged; i += 1) {
      for (let j = i + 1; j < out.length; j += 1) {
        if (near(out[i], out[j], gap)) {
          out[i] = unionBox(out[i], out[j]);
          out.splice(j, 1);
          merged = true;
          break;
        }
      }
    }
  }
  return out;
}

/** The square (in pixels) around `box` with margin, at least the minimum size, inside the frame; or the full frame. */
export function squareRegion(box: NormBox, frameWidth: number, frameHeight: number, options: RegionOptions): NormBox {
  const shortSide = Math.min(frameWidth, frameHeight);
  const bw = box.w * frameWidth;
  const bh = box.h * frameHeight;
  const wanted = Math.max(bw, bh) * (1 + 2 * options.marginFraction);
  const side = Math.min(shortSide, Math.max(wanted, options.minSideFraction * shortSide));
  if (bw > side || bh > side) return FULL_FRAME;
  const cx = (box.x + box.w / 2) * frameWidth;
  const cy = (box.y + box.h / 2) * frameHeight;
  const x0 = clamp(cx - side / 2, 0, frameWidth - side);
  const y0 = clamp(cy - side / 2, 0, frameHeight - side);
  return { x: x0 / frameWidth, y: y0 / frameHeight, w: side / frameWidth, h: side / frameHeight };
}

/**
 * One square region per merged box; regions that overlap by more than a third of the smaller one are rebuilt
 * around their boxes' union, so one object is not scored twice.
 */
export function regionsForBoxes(boxes: readonly NormBox[], frameWidth: number, frameHeight: number, options: RegionOptions): NormBox[] {
  const groups = boxes.map((box) => ({ box, region: squareRegion(box, frameWidth, frameHeight, options) }));
  for (let merged = true; merged; ) {
    merged = false;
    for (let i = 0; i < groups.length && !merged; i += 1) {
      for (let j = i + 1; j < groups.length; j += 1) {
        const a = groups[i].region;
        const b = groups[j].region;
        if (overlapArea(a, b) > Math.min(a.w * a.h, b.w * b.h) / 3) {
          const box = unionBox(groups[i].box, groups[j].box);
          groups[i] = { box, region: squareRegion(box, frameWidth, frameHeight, options) };
          groups.splice(j, 1);
          merged = true;
          break;
        }
      }
    }
  }
  const regions = groups.map((g) => g.region);
  if (regions.length > options.maxRegions || regions.includes(FULL_FRAME)) return [FULL_FRAME];
  return regions;
}

function overlapArea(a: NormBox, b: NormBox): number {
  const w = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
