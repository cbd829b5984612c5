/**
 * A trained candidate's operating point. Its near-class photo threshold is measured on its own scores (the
 * calibration set's near-class negatives, the user's included); the footage part is the bundled model's, calibrated
 * by replaying the shared camera footage (`npm run bench -- footage -- --write`). The candidate's head is a bounded
 * residual on the same backbone prior, so its scores on that footage stay close; the regression-clip gate replays
 * the user's own clips with the candidate at this point and refuses it when it raises more false events.
 */
import type { ModelParts } from '../model/target-model.js';
import { explainCoords } from '../model/target-model.js';
import type { OperatingPoint } from '../model/operating-point.js';
import type { CoordSample } from './coord-sample.js';
import { NEAR_CLASS_SUBCATEGORIES } from './near-photos.js';
import { nearPhotoThreshold } from './operating-point.js';

export function candidateOperatingPoint(parts: ModelParts, calibration: readonly CoordSample[], bundled: OperatingPoint | undefined): OperatingPoint | undefined {
  if (!bundled) return undefined;
  const near = calibration.filter((s) => s.label === 0 && NEAR_CLASS_SUBCATEGORIES.has(s.subcategory)).map((s) => explainCoords(parts, s.coords, s.prior).score);
  const ownNear = nearPhotoThreshold(near, Number(bundled.calibration.nearPhotoFpr ?? 0.005));
  const footageDay = Number(bundled.calibration.footageDayThreshold ?? 0);
  const footageNight = Number(bundled.calibration.footageNightThreshold ?? 0);
  const day = Math.max(ownNear, footageDay);
  return {
    day,
    night: Math.max(day, footageNight),
    rule: bundled.rule,
    calibration: { ...bundled.calibration, nearPhotos: near.length, nearPhotoThreshold: ownNear, footageFrom: 'bundled model' },
  };
}
