/**
 * ONNX Model Zoo MobileNetV2-1.0, int8 quantized (`mobilenetv2-12-int8`, ImageNet-1k, Apache-2.0), on ONNX Runtime.
 * Embedding: the 1280-d global average of the last feature map (tensor `627`, [n,1280,7,7]), which the graph does not
 * output by itself and gets added at load time. Prior: the softmax mass of ImageNet's five domestic-cat classes.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import type { Backbone, BackboneOutput } from '../../model/backbone.js';
import { BACKBONE_CATALOGUE } from '../../model/backbone-catalogue.js';
import type { RgbImage } from '../../image/image.js';
import type { Logger } from '../../util/log.js';
import { CatwatchError, errorMessage } from '../../util/errors.js';
import { resizeRgb } from '../../image/resize-rgb.js';
import { addGraphOutputs } from '../onnx-graph-outputs.js';
import { createOnnxSession, type ExecutionProviderName } from '../onnx-session.js';

export interface OnnxMobileNetV2Deps {
  /** The installed model, normally `<dataDir>/backbones/mobilenetv2-12-int8.onnx` (see `catwatch models pull`). */
  readonly modelPath: string;
  readonly log: Logger;
  /** In order of preference; CPU is the fallback. Default `['cpu']`. */
  readonly executionProviders?: readonly ExecutionProviderName[];
  /** Threads per inference; default: onnxruntime's choice. */
  readonly intraOpNumThreads?: number;
}

const INPUT_NAME = 'input';
const LOGITS_NAME = 'output';
/** The last feature map, after the final 1x1 conv + ReLU6, before the classifier's pooling. */
const FEATURE_NAME = '627';
const INPUT_SIZE = BACKBONE_CATALOGUE['mobilenetv2-12-int8'].inputPx;
const EMBEDDING_DIM = 1280;
const CLASS_COUNT = 1000;
/** ImageNet 281 tabby, 282 tiger cat, 283 Persian, 284 Siamese, 285 Egyptian cat. */
const CAT_CLASS_FIRST = 281;
const CAT_CLASS_LAST = 285;
const MEAN = [0.485, 0.456, 0.406] as const;
const STD = [0.229, 0.224, 0.225] as const;
/**
 * The Model Zoo file's batch dimension is symbolic (`batch_size`), so several images run as one inference; larger
 * requests are split to bound the float buffers (about 0.6 MB input + 0.25 MB features per image).
 */
const MAX_BATCH = 16;

export async function createOnnxMobileNetV2Backbone(deps: OnnxMobileNetV2Deps): Promise<Backbone> {
  const log = deps.log.child({ backbone: 'onnx-mobilenetv2' });
  const fileBytes = await readModel(deps.modelPath);
  const sha256 = createHash('sha256').update(fileBytes).digest('hex');
  const model = addGraphOutputs(fileBytes, [FEATURE_NAME], deps.modelPath);
  const { session, runtime } = await createOnnxSession({
    model,
    log,
    executionProviders: deps.executionProviders,
    intraOpNumThreads: deps.intraOpNumThreads,
    warmup: async (candidate) => {
      await runBatch(candidate, [{ data: new Uint8Array(INPUT_SIZE * INPUT_SIZE * 3), width: INPUT_SIZE, height: INPUT_SIZE }]);
    },
  });
  const maxBatch = batchLimit(session);
  // The content hash, not the path, names the weights: a replaced file must not reuse cached embeddings.
  const id = `${BACKBONE_CATALOGUE['mobilenetv2-12-int8'].idPrefix}${sha256.slice(0, 12)}`;
  log.info({ id, runtime, modelPath: deps.modelPath, intraOpNumThreads: deps.intraOpNumThreads, maxBatch }, 'backbone loaded');
  let closed = false;

  return {
    id,
    runtime,
    embeddingDim: EMBEDDING_DIM,
    hasPrior: true,
    async embed(images) {
      if (closed) throw new Error(`backbone ${id} is closed`);
      const outputs: BackboneOutput[] = [];
      for (let start = 0; start < images.length; start += maxBatch) {
        outputs.push(...(await runBatch(session, images.slice(start, start + maxBatch))));
      }
      return outputs;
    },
    async close() {
      if (closed) return;
      closed = true;
      await session.release();
    },
  };
}

async function readModel(modelPath: string): Promise<Uint8Array> {
  try {
    return await readFile(modelPath);
  } catch (err) {
    const hint = (err as NodeJS.ErrnoException).code === 'ENOENT'
      ? 'install it with `catwatch models pull mobilenetv2-12-int8` (add --from <dir> on a machine without internet)'
      : errorMessage(err);
    throw new CatwatchError('E_MODEL_MISSING', `MobileNetV2 model not readable at ${modelPath}: ${hint}`, { cause: err });
  }
}

/** MAX_BATCH, or the fixed batch size of a re-exported model whose input is not batch-dynamic (then one by one). */
function batchLimit(session: ort.InferenceSession): number {
  const input = session.inputMetadata.find((m) => m.name === INPUT_NAME);
  const batchDim = input?.isTensor ? input.shape[0] : undefined;
  return typeof batchDim === 'number' && batchDim >= 1 ? Math.min(batchDim, MAX_BATCH) : MAX_BATCH;
}

async function runBatch(session: ort.InferenceSession, images: readonly RgbImage[]): Promise<BackboneOutput[]> {
  const n = images.length;
  if (n === 0) return [];
  const plane = INPUT_SIZE * INPUT_SIZE;
  const input = new Float32Array(n * 3 * plane);
  images.forEach((img, i) => writeNormalisedChw(resizeRgb(img, INPUT_SIZE, INPUT_SIZE).data, input, i * 3 * plane));
  const feeds = { [INPUT_NAME]: new ort.Tensor('float32', input, [n, 3, INPUT_SIZE, INPUT_SIZE]) };
  const result = await session.run(feeds, [LOGITS_NAME, FEATURE_NAME]);
  const logits = result[LOGITS_NAME].data as Float32Array;
  const features = result[FEATURE_NAME].data as Float32Array;
  const cells = features.length / (n * EMBEDDING_DIM);
  const outputs: BackboneOutput[] = [];
  for (let i = 0; i < n; i++) {
    outputs.push({
      embedding: averagePool(features, i * EMBEDDING_DIM * cells, cells),
      prior: catProbability(logits.subarray(i * CLASS_COUNT, (i + 1) * CLASS_COUNT)),
    });
  }
  return outputs;
}

/** Packed RGB bytes → planar, ImageNet-normalised floats, written at `offset` of `out`. */
function writeNormalisedChw(rgb: Uint8Array, out: Float32Array, offset: number): void {
  const plane = rgb.length / 3;
  for (let c = 0; c < 3; c++) {
    const scale = 1 / (255 * STD[c]);
    const shift = MEAN[c] / STD[c];
    const base = offset + c * plane;
    for (let p = 0; p < plane; p++) out[base + p] = rgb[p * 3 + c] * scale - shift;
  }
}

/** Mean over the spatial cells of each channel of one [C,H,W] feature map starting at `offset`. */
function averagePool(features: Float32Array, offset: number, cells: number): Float32Array {
  const embedding = new Float32Array(EMBEDDING_DIM);
  for (let c = 0; c < EMBEDDING_DIM; c++) {
    const base = offset + c * cells;
    let sum = 0;
    for (let k = 0; k < cells; k++) sum += features[base + k];
    embedding[c] = sum / cells;
  }
  return embedding;
}

/** Softmax over the 1000 logits, summed over the cat classes; max-subtracted so large logits cannot overflow. */
function catProbability(logits: Float32Array): number {
  let max = -Infinity;
  for (const v of logits) if (v > max) max = v;
  let total = 0;
  let cat = 0;
  for (let k = 0; k < logits.length; k++) {
    const e = Math.exp(logits[k] - max);
    total += e;
    if (k >= CAT_CLASS_FIRST && k <= CAT_CLASS_LAST) cat += e;
  }
  return cat / total;
}
