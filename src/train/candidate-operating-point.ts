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
import type { CameraCondition } from '../image/camera-condition.js';

export function candidateOperatingPoint(parts: ModelParts, calibration: readonly CoordSample[], bundled: OperatingPoint | undefined): OperatingPoint | undefined {
  if (!bundled) return undefined;
  const nearScores = (condition: CameraCondition | undefined) =>
    calibration.filter((s) => s.label === 0 && s.condition === condition && NEAR_CLASS_SUBCATEGORIES.has(s.subcategory)).map((s) => explainCoords(parts, s.coords, s.prior).score);
  const fpr = Number(bundled.calibration.nearPhotoFpr ?? 0.005);
  const [near, nearNight] = [nearScores(undefined), nearScores('night-ir')];
  const ownNear = nearPhotoThreshold(near, fpr);
  const ownNearNight = nearPhotoThreshold(nearNight, fpr);
  const footageDay = Number(bundled.calibration.footageDayThreshold ?? 0);
  const footageNight = Number(bundled.calibration.footageNightThreshold ?? 0);
  const day = Math.max(ownNear, footageDay);
  return {
    day,
    night: Math.max(day, footageNight, ownNearNight),
    rule: bundled.rule,
    calibration: { ...bundled.calibration, nearPhotos: near.length, nearPhotoThreshold: ownNear, nearNightPhotos: nearNight.length, nearNightPhotoThreshold: ownNearNight, footageFrom: 'bundled model' },
  };
}
