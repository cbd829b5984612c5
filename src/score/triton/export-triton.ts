/**
 * `catwatch models export-triton DIR`: the local objectron detector as a Triton model repository entry,
 * `DIR/<model>/<version>/model.onnx` (the very graph the local backbone runs: uint8 NHWC pixels of any batch size in,
 * boxes, logits and pooled features out) and `DIR/<model>/config.pbtxt` (ONNX Runtime backend, dynamic batching, one
 * GPU instance, and the `catwatch_backbone_id` the triton backbone checks before it sends a batch).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../registry/atomic-write.js';
import { CatwatchError } from '../../util/errors.js';
import { readObjectronAssets } from '../backbones/objectron-assets.js';
import { OBJECTRON_ID } from '../backbones/objectron-backbone.js';
import { convertObjectronToOnnx } from '../backbones/objectron-onnx.js';
import { tritonConfigText } from './triton-config.js';

export interface TritonExportOptions {
  /** The model repository folder (Triton's --model-repository). */
  readonly dir: string;
  /** Model name on the server (model.triton.model). */
  readonly model: string;
  /** Version folder (model.triton.version). */
  readonly version: string;
}

export interface TritonExport {
  readonly modelPath: string;
  readonly configPath: string;
  readonly modelBytes: number;
  readonly backboneId: string;
}

const MODEL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
const VERSION = /^[0-9]{1,9}$/;

export async function exportTritonModel(options: TritonExportOptions): Promise<TritonExport> {
  if (!MODEL_NAME.test(options.model) || options.model.startsWith('.')) {
    throw new CatwatchError('E_USAGE', `model name ${JSON.stringify(options.model)}: expected 1-128 letters, digits, _, . or -, not starting with .`);
  }
  if (!VERSION.test(options.version) || Number(options.version) < 1) throw new CatwatchError('E_USAGE', `model version ${JSON.stringify(options.version)}: expected a number from 1`);
  const { model } = await readObjectronAssets();
  const converted = convertObjectronToOnnx(model);
  const modelDir = join(options.dir, options.model);
  const versionDir = join(modelDir, String(Number(options.version)));
  mkdirSync(versionDir, { recursive: true });
  const modelPath = join(versionDir, 'model.onnx');
  const configPath = join(modelDir, 'config.pbtxt');
  writeFileAtomic(modelPath, converted.onnx);
  writeFileAtomic(configPath, tritonConfigText(options.model, OBJECTRON_ID));
  return { modelPath, configPath, modelBytes: converted.onnx.length, backboneId: OBJECTRON_ID };
}
