/**
 * Which backbone to run, as plain data (it crosses into worker threads), and how it is chosen: `auto` takes the
 * pulled ImageNet MobileNetV2 when `catwatch models pull` installed it, else the Open Images detector that ships
 * inside the npm package @mediapipe/objectron, so a fresh offline install always has a model.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { CatwatchError } from '../util/errors.js';

export type ExecutionProvider = 'cuda' | 'tensorrt' | 'cpu';

export type BackboneSpec =
  | { kind: 'objectron'; threads: number }
  | { kind: 'onnx-mobilenetv2'; modelPath: string; executionProviders: ExecutionProvider[]; threads: number };

export const PULLED_MOBILENET = 'mobilenetv2-12-int8';

export function pulledBackbonePath(dataDir: string, name: string): string {
  return join(dataDir, 'backbones', `${name}.onnx`);
}

function providers(runtime: Config['model']['runtime']): ExecutionProvider[] {
  switch (runtime) {
    case 'cpu':
      return ['cpu'];
    case 'cuda':
      return ['cuda', 'cpu'];
    case 'tensorrt':
      return ['tensorrt', 'cuda', 'cpu'];
    default:
      // auto: try the GPU providers; onnx-session falls back to CPU (logged) where they are not built in.
      return ['cuda', 'cpu'];
  }
}

export function resolveBackboneSpec(model: Config['model'], dataDir: string, threads = 1): BackboneSpec {
  const mobilenet = pulledBackbonePath(dataDir, PULLED_MOBILENET);
  if (model.backbone === 'objectron' || (model.backbone === 'auto' && !existsSync(mobilenet))) return { kind: 'objectron', threads };
  if (!existsSync(mobilenet)) {
    throw new CatwatchError('E_MODEL_MISSING', `backbone ${PULLED_MOBILENET} is not installed: run 'catwatch models pull ${PULLED_MOBILENET}' (add --from DIR on machines without internet)`);
  }
  return { kind: 'onnx-mobilenetv2', modelPath: mobilenet, executionProviders: providers(model.runtime), threads };
}
