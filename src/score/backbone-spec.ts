/**
 * Which backbone to run, as plain data (it crosses into worker threads), and how it is chosen: `auto` takes the
 * pulled ImageNet MobileNetV2 when `catwatch models pull` installed it, else the Open Images detector that ships
 * inside the npm package @mediapipe/objectron, so a fresh offline install always has a model.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Config } from '../config/schema.js';
import { installedModelPath } from '../model/model-catalog.js';
import { BACKBONE_CATALOGUE } from '../model/backbone-catalogue.js';
import { CatwatchError } from '../util/errors.js';
import type { TfjsPreference } from './tfjs-runtime.js';

export type ExecutionProvider = 'cuda' | 'tensorrt' | 'cpu';

export type BackboneSpec =
  | { kind: 'objectron'; engine: 'onnxruntime' | 'tflite-wasm'; executionProviders: ExecutionProvider[]; threads: number }
  | {
    kind: 'triton';
    /** The server (model.triton); the url may hold credentials: never log the spec. */
    triton: NonNullable<Config['model']['triton']>;
    /** The local objectron backbone that scores while the server cannot. */
    engine: 'onnxruntime' | 'tflite-wasm';
    executionProviders: ExecutionProvider[];
    threads: number;
  }
  | { kind: 'onnx-mobilenetv2'; modelPath: string; executionProviders: ExecutionProvider[]; threads: number }
  | { kind: 'tfjs-centernet'; prefer: TfjsPreference; threads: number };

export const PULLED_MOBILENET = BACKBONE_CATALOGUE['mobilenetv2-12-int8'].source.pullName;


function providers(runtime: Config['model']['runtime']): ExecutionProvider[] {
  switch (runtime) {
    case 'cpu':
    case 'wasm':
      return ['cpu'];
    case 'cuda':
      return ['cuda', 'cpu'];
    case 'tensorrt':
      return ['tensorrt', 'cuda', 'cpu'];
    default:
      // auto: CUDA only when onnxruntime-node was installed with its CUDA provider (it is downloaded at install
      // time unless skipped); otherwise asking for it just prints ONNX Runtime's load error on every start.
      return cudaProviderInstalled() ? ['cuda', 'cpu'] : ['cpu'];
  }
}

function cudaProviderInstalled(): boolean {
  try {
    const root = dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
    return existsSync(join(root, 'bin', 'napi-v6', `${process.platform}`, `${process.arch}`, 'libonnxruntime_providers_cuda.so'));
  } catch {
    return false;
  }
}

/** TensorFlow.js has no TensorRT path: both GPU settings ask for tfjs-node-gpu. */
function tfjsPreference(runtime: Config['model']['runtime']): TfjsPreference {
  if (runtime === 'cpu') return 'node';
  if (runtime === 'wasm') return 'wasm';
  return runtime === 'auto' ? 'auto' : 'gpu';
}

export function resolveBackboneSpec(model: Config['model'], dataDir: string, threads = 1): BackboneSpec {
  if (model.backbone === 'centernet') return { kind: 'tfjs-centernet', prefer: tfjsPreference(model.runtime), threads };
  const engine = model.runtime === 'wasm' ? 'tflite-wasm' : 'onnxruntime';
  if (model.backbone === 'triton') {
    if (!model.triton) {
      throw new CatwatchError('E_CONFIG_INVALID', 'model.backbone: triton needs model.triton.url (the KServe v2 / Triton server that serves the export of `catwatch models export-triton`, e.g. http://gpu-1:8000)');
    }
    return { kind: 'triton', triton: { ...model.triton }, engine, executionProviders: providers(model.runtime), threads };
  }
  const mobilenet = installedModelPath(dataDir, PULLED_MOBILENET);
  if (model.backbone === 'objectron' || (model.backbone === 'auto' && !existsSync(mobilenet))) {
    return { kind: 'objectron', engine, executionProviders: providers(model.runtime), threads };
  }
  if (!existsSync(mobilenet)) {
    throw new CatwatchError('E_MODEL_MISSING', `backbone ${PULLED_MOBILENET} is not installed: run 'catwatch models pull ${PULLED_MOBILENET}' (add --from DIR on machines without internet)`);
  }
  return { kind: 'onnx-mobilenetv2', modelPath: mobilenet, executionProviders: providers(model.runtime), threads };
}
