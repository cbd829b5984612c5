/**
 * The objectron detector on ONNX Runtime: the .tflite from `@mediapipe/objectron` converted in memory at load
 * (tflite-to-onnx.ts, about half a second, so nothing is cached on disk) and run on the execution providers the
 * config asks for. The converted graph takes uint8 pixels and normalises them itself, takes any batch size, and
 * outputs the pooled feature map, so no per-pixel JavaScript runs besides the resize.
 */
import * as ort from 'onnxruntime-node';
import type { Logger } from '../../util/log.js';
import { convertTfliteToOnnx } from '../tflite/tflite-to-onnx.js';
import { createOnnxSession, type ExecutionProviderName } from '../onnx-session.js';
import {
  OBJECTRON_ANCHORS, OBJECTRON_CLASSES, OBJECTRON_FEATURE_CHANNELS, OBJECTRON_FEATURE_TENSOR, OBJECTRON_INPUT_PX, OBJECTRON_MODEL_FILE,
  type ObjectronRaw, type ObjectronRunner,
} from './objectron-assets.js';

export interface ObjectronOnnxDeps {
  readonly model: Uint8Array;
  readonly log: Logger;
  readonly executionProviders?: readonly ExecutionProviderName[];
  readonly intraOpNumThreads?: number;
  /** Images per session run; larger requests are split (bench/backbones.ts measures what pays). */
  readonly maxBatch?: number;
}

const PIXELS = OBJECTRON_INPUT_PX * OBJECTRON_INPUT_PX * 3;
const DEFAULT_MAX_BATCH = 8;

export async function createObjectronOnnxRunner(deps: ObjectronOnnxDeps): Promise<ObjectronRunner> {
  const started = performance.now();
  const converted = convertTfliteToOnnx(deps.model, {
    label: `${OBJECTRON_MODEL_FILE} (@mediapipe/objectron)`,
    normalise: { divide: 127.5, subtract: 1 },
    pooledOutputs: { features: OBJECTRON_FEATURE_TENSOR },
  });
  const [boxesName, logitsName, featuresName] = converted.outputNames;
  const convertMs = Math.round(performance.now() - started);
  const run = async (session: ort.InferenceSession, pixels: readonly Uint8Array[]): Promise<ObjectronRaw[]> => {
    const n = pixels.length;
    const input = new Uint8Array(n * PIXELS);
    pixels.forEach((px, i) => input.set(px, i * PIXELS));
    const feeds = { [converted.inputName]: new ort.Tensor('uint8', input, [n, OBJECTRON_INPUT_PX, OBJECTRON_INPUT_PX, 3]) };
    const out = await session.run(feeds);
    const boxes = out[boxesName].data as Float32Array;
    const logits = out[logitsName].data as Float32Array;
    const features = out[featuresName].data as Float32Array;
    return Array.from({ length: n }, (_, i) => ({
      boxes: boxes.subarray(i * OBJECTRON_ANCHORS * 4, (i + 1) * OBJECTRON_ANCHORS * 4),
      logits: logits.subarray(i * OBJECTRON_ANCHORS * OBJECTRON_CLASSES, (i + 1) * OBJECTRON_ANCHORS * OBJECTRON_CLASSES),
      features: features.subarray(i * OBJECTRON_FEATURE_CHANNELS, (i + 1) * OBJECTRON_FEATURE_CHANNELS),
    }));
  };
  const { session, runtime } = await createOnnxSession({
    model: converted.onnx,
    log: deps.log,
    executionProviders: deps.executionProviders,
    intraOpNumThreads: deps.intraOpNumThreads,
    warmup: async (candidate) => void (await run(candidate, [new Uint8Array(PIXELS)])),
  });
  const maxBatch = deps.maxBatch ?? DEFAULT_MAX_BATCH;
  deps.log.info({ convertMs, ops: converted.opCounts, runtime, maxBatch }, 'objectron detector converted to ONNX');
  return {
    runtime,
    async run(pixels) {
      const outputs: ObjectronRaw[] = [];
      for (let start = 0; start < pixels.length; start += maxBatch) outputs.push(...(await run(session, pixels.slice(start, start + maxBatch))));
      return outputs;
    },
    close: () => session.release(),
  };
}
