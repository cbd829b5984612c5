/**
 * The operating point: the thresholds a track's evidence must reach to start an event, one for colour (day) frames
 * and one for greyscale (IR night) frames. Chosen for a false-alarm rate per camera-hour on camera footage and a
 * false-positive rate on near-class photos (src/train/operating-point.ts), stored in the model's manifest. A model
 * without one (trained before tracks) uses its photo threshold for both.
 */

export type LightMode = 'day' | 'night';

export interface OperatingPoint {
  /** Evidence threshold (a track's median calibrated score) for colour frames. */
  readonly day: number;
  /** The same for greyscale frames: a camera in IR mode loses colour, so this is never below `day`. */
  readonly night: number;
  /** The track rule the thresholds were calibrated for (events.minHits / events.windowFrames). */
  readonly rule: { readonly minHits: number; readonly windowFrames: number };
  /** What chose the thresholds (figures of the calibration, for the manifest and the README). */
  readonly calibration: Record<string, number | string>;
}

export function isOperatingPoint(value: unknown): value is OperatingPoint {
  const p = value as Partial<OperatingPoint> | null;
  const inUnit = (x: unknown) => typeof x === 'number' && x >= 0 && x <= 1;
  return Boolean(p && inUnit(p.day) && inUnit(p.night) && p.rule && Number.isInteger(p.rule.minHits) && Number.isInteger(p.rule.windowFrames));
}

export const eventThresholdFor = (point: Pick<OperatingPoint, 'day' | 'night'>, mode: LightMode): number => (mode === 'night' ? point.night : point.day);
