/**
 * Day or night (IR) mode of one camera, from the colour of its frames: greyscale frames mean the camera switched to
 * infrared, where the model sees less (no colour, flat contrast, sensor noise) and the night operating point applies.
 * Measured at most once a second; the mode changes only after `switchAfterS` of frames agreeing, with a gap between
 * the two limits, so a dark, dull moment of a colour camera does not flip it.
 */
import { colourSpreadPercentile } from '../image/colour-spread.js';
import type { RgbImage } from '../image/image.js';
import type { LightMode } from '../model/operating-point.js';

/** 99th-percentile channel spread under which a frame counts as greyscale, and over which it counts as colour. */
export const GREYSCALE_BELOW = 16;
export const COLOUR_ABOVE = 20;

export interface LightModeOptions { switchAfterS: number; measureEveryMs: number }

export function createLightMode(options: LightModeOptions = { switchAfterS: 3, measureEveryMs: 1000 }) {
  let mode: LightMode | undefined;
  let lastMeasuredMs = Number.NEGATIVE_INFINITY;
  let pending: { mode: LightMode; sinceMs: number } | undefined;

  return {
    /** The camera's mode after this frame. */
    observe(frame: RgbImage, atMs: number): LightMode {
      if (atMs - lastMeasuredMs < options.measureEveryMs && mode) return mode;
      lastMeasuredMs = atMs;
      const spread = colourSpreadPercentile(frame);
      const seen: LightMode | undefined = spread < GREYSCALE_BELOW ? 'night' : spread > COLOUR_ABOVE ? 'day' : undefined;
      if (!mode) {
        // The first frame decides (a grey start counts as night only when clearly grey).
        mode = seen ?? 'day';
        return mode;
      }
      if (!seen || seen === mode) {
        pending = undefined;
        return mode;
      }
      if (!pending || pending.mode !== seen) pending = { mode: seen, sinceMs: atMs };
      if (atMs - pending.sinceMs >= options.switchAfterS * 1000) {
        mode = seen;
        pending = undefined;
      }
      return mode;
    },
    current: (): LightMode => mode ?? 'day',
  };
}

export type LightModeTracker = ReturnType<typeof createLightMode>;
