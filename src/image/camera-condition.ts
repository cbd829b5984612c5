/**
 * The camera conditions by name: what a camera does to what it sees (night IR, distance, motion blur, dusk, heavy
 * compression). The names are shared by config, training data and the gate; the transforms that make a photo look
 * like each are in src/train/camera-conditions.ts.
 */
export const CAMERA_CONDITIONS = ['night-ir', 'far', 'motion-blur', 'dusk', 'jpeg'] as const;
export type CameraCondition = (typeof CAMERA_CONDITIONS)[number];

export function isCameraCondition(value: string): value is CameraCondition {
  return (CAMERA_CONDITIONS as readonly string[]).includes(value);
}
