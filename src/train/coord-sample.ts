import type { CameraCondition } from '../image/camera-condition.js';

/** One photo as the fitters see it: its coordinates in the feature basis, the backbone's prior and where it came from. */
export interface CoordSample {
  readonly coords: Float32Array;
  readonly prior: number;
  readonly label: 0 | 1;
  /** Negative subcategory (dog, person, mined, ...) or `positive`. */
  readonly subcategory: string;
  /** Where it came from: a dev source tag, `user`, `mined`, `synthetic`... */
  readonly source: string;
  readonly weight?: number;
  /** The camera condition a copy of a photo was changed by (src/train/camera-conditions.ts); absent: the photo itself. */
  readonly condition?: CameraCondition;
}
