/** One decoded detection frame: packed RGB at the camera's fixed detection size. */
import type { RgbImage } from '../image/image.js';

export interface Frame extends RgbImage {
  /** Camera name (config `cameras[].name`). */
  readonly camera: string;
  /** Increases by one per frame delivered by this camera's ingest, across ffmpeg restarts. */
  readonly seq: number;
  /** Wall-clock time (ms since epoch) the frame was read completely from ffmpeg. */
  readonly capturedAtMs: number;
}
