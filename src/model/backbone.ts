/**
 * The one interface every frozen backbone implements. A backbone turns images into an embedding (input of the
 * trained head) and, when it knows the target class itself, a prior: its own probability that the target is there.
 */

import type { NormBox, RgbImage } from '../image/image.js';

export interface BackboneOutput {
  /** Fixed-length feature vector (length = Backbone.embeddingDim). */
  readonly embedding: Float32Array;
  /** The backbone's own probability (0..1) that the target is in the image, when it has a target class. */
  readonly prior?: number;
  /** Best box for the target, when the backbone is a detector. */
  readonly box?: NormBox;
}

/** The link to a remote inference server (Triton), for backbones that score through one. */
export interface RemoteBackboneStats {
  /** True while batches go to the server (false: the local fallback scores them). */
  readonly up: boolean;
  readonly state: string;
  /** The server and model, credentials removed. */
  readonly server: string;
  readonly requests: number;
  readonly failures: number;
  /** Batches the local backbone scored because the server could not. */
  readonly fallbackBatches: number;
  /** Why the server is not in use, while it is not. */
  readonly reason?: string;
}

export interface Backbone {
  /** Stable id of the weights, e.g. `objectron-ssd-mnv2-oi@0.4.1675468480`; part of the embedding cache key. */
  readonly id: string;
  /** Runtime that executes it, e.g. `tflite-wasm`, `onnxruntime-cpu`, `onnxruntime-cuda`. */
  readonly runtime: string;
  readonly embeddingDim: number;
  readonly hasPrior: boolean;
  /** Images of any size; the backbone resizes to its own input. Output order = input order. */
  embed(images: readonly RgbImage[]): Promise<BackboneOutput[]>;
  /** Only for backbones that score on a remote server. */
  remoteStats?(): RemoteBackboneStats;
  close(): Promise<void>;
}
