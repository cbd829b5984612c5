/**
 * Contrast normalisation, after Frigate's ImprovedMotionDetector: the scene's grey range (4th to 96th percentile,
 * averaged over the last 50 frames so one bright frame does not swing it) is stretched to 0..255. At night a scene
 * spans maybe 30 grey levels; stretched, a cat's change of 8 levels counts like one of ~70 by day.
 *
 * Two differences from Frigate, both against false motion: (1) the stretch is applied to the frame-to-background
 * difference as a gain, not to the frame alone, so when the range shifts (a shadow, dusk) frame and background are
 * stretched alike instead of drifting apart; (2) the history is seeded with the first frame's own range, where
 * Frigate's starts at (0, 255) and moves every pixel for 50 frames. The gain is capped so a near-uniform picture
 * (fog, a lens cap) does not turn sensor noise into motion.
 */

const HISTORY = 50;
const LOW_PERCENTILE = 0.04;
const HIGH_PERCENTILE = 0.96;
const MAX_GAIN = 8;

export interface ContrastGain {
  /** Takes this frame's range into the history and returns the gain (≥ 1 when the range is under 255 levels). */
  update(grey: Uint8Array, ignore: Uint8Array): number;
  reset(): void;
}

export function createContrastGain(): ContrastGain {
  const spans = new Float64Array(HISTORY);
  const histogram = new Uint32Array(256);
  let seeded = false;
  let next = 0;

  function span(grey: Uint8Array, ignore: Uint8Array): number {
    histogram.fill(0);
    let count = 0;
    for (let i = 0; i < grey.length; i += 1) {
      if (ignore[i] === 0) {
        histogram[grey[i]] += 1;
        count += 1;
      }
    }
    const lowRank = LOW_PERCENTILE * (count - 1);
    const highRank = HIGH_PERCENTILE * (count - 1);
    let low = 0;
    let high = 255;
    for (let v = 0, seen = 0; v < 256; v += 1) {
      const before = seen;
      seen += histogram[v];
      if (before <= lowRank && lowRank < seen) low = v;
      if (before <= highRank && highRank < seen) high = v;
    }
    return high - low;
  }

  return {
    update(grey, ignore) {
      const s = span(grey, ignore);
      // A single-colour frame (lens cap, dead stream) says nothing about the scene's range.
      if (s > 0) {
        if (!seeded) spans.fill(s);
        seeded = true;
        spans[next] = s;
        next = (next + 1) % HISTORY;
      }
      if (!seeded) return 1;
      let sum = 0;
      for (let k = 0; k < HISTORY; k += 1) sum += spans[k];
      return Math.min(MAX_GAIN, 255 / Math.max(1, sum / HISTORY));
    },
    reset() {
      seeded = false;
      next = 0;
    },
  };
}
