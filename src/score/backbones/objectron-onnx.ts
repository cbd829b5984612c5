/**
 * The objectron detector on ONNX Runtime: the .tflite from `@mediapipe/objectron` converted in memory at load
 * (tflite-to-onnx.ts, about half a second, so nothing is cached on disk) and run on the execution providers the
 * config asks for. The converted graph takes uint8 pixels and normalises them itself, takes any batch size, and
 * outputs the pooled feature map, so no per-pixel JavaScript runs besides the resize.
 */
import * as ort from 'onnxruntime-node';
import type { Logger } from '../../util/log.js';
import { CatwatchError } from '../../util/errors.js';
import { convertTfliteToOnnx, type ConvertedModel } from '../tflite/tflite-to-onnx.js';
import { createOnnxSession, type ExecutionProviderName } from '../onnx-session.js';
import {
  OBJECTRON_FEATURE_TENSOR, OBJECTRON_INPUT_PX, OBJECTRON_MODEL_FILE, OBJECTRON_ONNX_IO, splitObjectronBatch,
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

/**
 * The detector as an ONNX graph: uint8 NHWC pixels of any batch size in, `OBJECTRON_ONNX_IO`'s tensors out. Also what
 * `catwatch models export-triton` serves, so a server runs exactly the graph the local backbone runs.
 */
export function convertObjectronToOnnx(model: Uint8Array): ConvertedModel {
  const converted = convertTfliteToOnnx(model, {
    label: `${OBJECTRON_MODEL_FILE} (@mediapipe/objectron)`,
    normalise: { divide: 127.5, subtract: 1 },
    pooledOutputs: { [OBJECTRON_ONNX_IO.features.name]: OBJECTRON_FEATURE_TENSOR },
  });
  const io = OBJECTRON_ONNX_IO;
  const expected = [io.input.name, io.boxes.name, io.logits.name, io.features.name].join(',');
  const actual = [converted.inputName, ...converted.outputNames].join(',');
  if (actual !== expected) throw new CatwatchError('E_MODEL_INVALID', `the converted objectron graph has tensors ${actual}, expected ${expected}`);
  return converted;
}

/** One session run on a batch of 300×300 pixel buffers. */
async function runBatch(session: ort.InferenceSession, pixels: readonly Uint8Array[]): Promise<ObjectronRaw[]> {
  const n = pixels.length;
  const input = new Uint8Array(n * PIXELS);
  pixels.forEach((px, i) => input.set(px, i * PIXELS));
  const io = OBJECTRON_ONNX_IO;
  const out = await session.run({ [io.input.name]: new ort.Tensor('uint8', input, [n, OBJECTRON_INPUT_PX, OBJECTRON_INPUT_PX, 3]) });
  const data = (name: string): Float32Array => out[name].data as Float32Array;
  return splitObjectronBatch(n, data(io.boxes.name), data(io.logits.name), data(io.features.name));
}

export async function createObjectronOnnxRunner(deps: ObjectronOnnxDeps): Promise<ObjectronRunner> {
  const started = performance.now();
  const converted = convertObjectronToOnnx(deps.model);
  const convertMs = Math.round(performance.now() - started);
  const { session, runtime } = await createOnnxSession({
    model: converted.onnx,
    log: deps.log,
    executionProviders: deps.executionProviders,
    intraOpNumThreads: deps.intraOpNumThreads,
    warmup: async (candidate) => void (await runBatch(candidate, [new Uint8Array(PIXELS)])),
  });
  const maxBatch = deps.maxBatch ?? DEFAULT_MAX_BATCH;
  deps.log.info({ convertMs, ops: converted.opCounts, runtime, maxBatch }, 'objectron detector converted to ONNX');
  return {
    runtime,
    async run(pixels) {
      const outputs: ObjectronRaw[] = [];
      for (let start = 0; start < pixels.length; start += maxBatch) outputs.push(...(await runBatch(session, pixels.slice(start, start + maxBatch))));
      return outputs;
    },
    close: () => session.release(),
  };
}
