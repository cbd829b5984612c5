/**
 * The near-class photos the operating point is held to: the shipped dataset's reference items of the animal
 * subcategories (dogs, other animals, wild cats) in the calibration half, scored by a model. Reference items never
 * train a head, and the gate half stays for the gate. `condition` picks the photos' copies under a camera
 * condition (night-ir: the dogs an IR camera sees, for the night threshold) instead of the photos themselves.
 */
import { explainCoords, type ModelParts } from '../model/target-model.js';
import { referenceHalf, type ShippedDataset } from './shipped-dataset.js';
import type { CameraCondition } from '../image/camera-condition.js';

export const NEAR_CLASS_SUBCATEGORIES: ReadonlySet<string> = new Set(['dog', 'animal', 'wildcat']);

export function nearPhotoScores(dataset: ShippedDataset, parts: ModelParts, condition?: CameraCondition): number[] {
  return dataset.items
    .filter((it) => it.role === 'reference' && it.condition === condition && it.label === 0 && NEAR_CLASS_SUBCATEGORIES.has(it.subcategory) && referenceHalf(it.hash) === 'calibration')
    .map((it) => explainCoords(parts, it.coords, it.prior).score);
}

/** Share of the reference photos of a label at or above the threshold (both halves): what the README reports. */
export function shareAbove(dataset: ShippedDataset, parts: ModelParts, threshold: number, which: (it: ShippedDataset['items'][number]) => boolean, condition?: CameraCondition): { share: number; items: number } {
  const items = dataset.items.filter((it) => it.role === 'reference' && it.condition === condition && which(it));
  const above = items.filter((it) => explainCoords(parts, it.coords, it.prior).score >= threshold).length;
  return { share: items.length ? above / items.length : Number.NaN, items: items.length };
}
