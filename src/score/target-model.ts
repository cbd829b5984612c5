/**
 * A loaded model version: the trained head plus its calibration and threshold, applied to backbone outputs. Cheap
 * (one dot product or a tiny MLP), so it runs on the main thread after the workers return embeddings, and swapping
 * versions is a pointer change.
 */
import type { ModelVersion } from '../registry/registry.js';
import { calibratorFromJSON, type CalibrationJson } from '../train/calibrate.js';
import { HeadModel, type HeadModelJson } from '../train/head-model.js';
import { CatwatchError } from '../util/errors.js';
import type { BackboneOutput } from './backbone.js';

/** What `head.json` of a model version holds. */
export interface HeadFile {
  head: HeadModelJson;
  calibration: CalibrationJson;
}

export interface TargetModel {
  readonly version: string;
  readonly backboneId: string;
  readonly label: string;
  readonly threshold: number;
  readonly bundled: boolean;
  /** Calibrated probability (0..1) that the target is in the image. */
  score(output: BackboneOutput): number;
}

export function createTargetModel(model: ModelVersion, options: { thresholdOverride?: number } = {}): TargetModel {
  const file = model.head as Partial<HeadFile>;
  if (!file.head || !file.calibration) throw new CatwatchError('E_MODEL_INVALID', `${model.dir}/head.json lacks head or calibration`);
  const head = HeadModel.fromJSON(file.head);
  const calibrator = calibratorFromJSON(file.calibration);
  return {
    version: model.manifest.version,
    backboneId: model.manifest.backbone.id,
    label: model.manifest.label,
    threshold: options.thresholdOverride ?? model.manifest.threshold,
    bundled: model.bundled,
    score(output) {
      return calibrator.apply(head.predictLogit(output.embedding, output.prior));
    },
  };
}
