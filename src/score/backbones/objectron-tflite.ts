/**
 * The offline default backbone: the SSD-MobileNetV2 Open Images detector (24 classes, one of them Cat) that ships
 * inside `@mediapipe/objectron`, run by the WebAssembly TFLite interpreter of `@tensorflow/tfjs-tflite`.
 *
 * We call that package's Emscripten module (`wasm/tflite_web_api_cc_simd.js`) directly instead of its JS client:
 * the client only runs in a browser (it injects a <script> tag, reads `window.location`, fetches by URL), whereas
 * the Emscripten factory takes the .wasm bytes as `wasmBinary` and then needs no browser global at all — so no
 * globals are shimmed. The SIMD build without pthreads is used: the threaded builds need browser Web Workers
 * (`importScripts`, `self`), and catwatch parallelises by running one backbone per worker thread instead.
 *
 * The model has no post-processing op; the box decoding and anchors come from MediaPipe's own graph for this
 * model (objectron_solution_wasm_bin.wasm, ObjectDetectionOidV4Subgraph), ported in ssd-anchors.ts.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import type { Logger } from '../../util/log.js';
import { resizeRgb } from '../../image/resize-rgb.js';
import type { Backbone, BackboneOutput } from '../../model/backbone.js';
import { BACKBONE_CATALOGUE } from '../../model/backbone-catalogue.js';
import type { RgbImage } from '../../image/image.js';
import { decodeSsdBox, generateSsdAnchors, type SsdAnchors } from './ssd-anchors.js';

export interface ObjectronBackboneDeps {
  log: Logger;
  /** Passed to the TFLite interpreter; the non-threaded WebAssembly build runs on one thread whatever is asked. */
  numThreads?: number;
}

const OBJECTRON_VERSION = '0.4.1675468480';
const MODEL_FILE = 'object_detection_ssd_mobilenetv2_oidv4_fp16.tflite';
const LABELS_FILE = 'object_detection_oidv4_labelmap.txt';
const INPUT_SIZE = BACKBONE_CATALOGUE.objectron.inputPx;
const NUM_ANCHORS = 1917;
const TARGET_LABEL = 'Cat';
/** Index of `FeatureExtractor/MobilenetV2/Conv_1/Relu6` (1x10x10x1280), the last MobileNetV2 feature map. */
const FEATURE_TENSOR_INDEX = 213;
const FEATURE_CHANNELS = 1280;

/** Values of MediaPipe's ObjectDetectionOidV4Subgraph (SsdAnchorsCalculator / TensorsToDetectionsCalculator). */
const ANCHORS = generateSsdAnchors({
  inputWidth: INPUT_SIZE, inputHeight: INPUT_SIZE, minScale: 0.2, maxScale: 0.95, anchorOffsetX: 0.5, anchorOffsetY: 0.5,
  strides: [16, 32, 64, 128, 256, 512], aspectRatios: [1, 2, 0.5, 3, 0.3333],
  reduceBoxesInLowestLayer: true, interpolatedScaleAspectRatio: 1,
});
const BOX_SCALES = { x: 10, y: 10, w: 5, h: 5 };

/** The subset of the Emscripten/embind API of tflite_web_api_cc that we use. */
interface TensorInfo { readonly name: string; readonly shape: string; readonly dataType: string; data(): Float32Array; delete(): void }
interface EmbindVector<T> { size(): number; get(i: number): T; delete(): void }
interface ModelRunner { GetInputs(): EmbindVector<TensorInfo>; GetOutputs(): EmbindVector<TensorInfo>; Infer(): boolean; delete(): void }
interface TfliteModule {
  HEAPU8: Uint8Array;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  TFLiteWebModelRunner: {
    CreateFromBufferAndOptions(ptr: number, bytes: number, options: { numThreads: number; enableProfiling: boolean; maxProfilingBufferEntries: number }):
      { ok(): boolean; errorMessage(): string; value(): ModelRunner };
  };
}
type TfliteFactory = (opts: { wasmBinary: Uint8Array; print: (s: string) => void; printErr: (s: string) => void }) => Promise<TfliteModule>;

/** Length of the embedding: 24 max-over-anchors class logits, the target box (x, y, w, h), pooled features. */
const EMBEDDING_DIM = 24 + 4 + FEATURE_CHANNELS;

export async function createObjectronBackbone(deps: ObjectronBackboneDeps): Promise<Backbone> {
  const log = deps.log.child({ backbone: 'objectron' });
  const require = createRequire(import.meta.url);
  const { model, labels } = await readPackedModel(dirname(require.resolve('@mediapipe/objectron/package.json')));
  const targetClass = labels.indexOf(TARGET_LABEL);
  if (labels.length !== 24 || targetClass < 0) {
    throw new Error(`unexpected label map in @mediapipe/objectron (want 24 labels with '${TARGET_LABEL}'): ${labels.join(',')}`);
  }
  const wasmJs = require.resolve('@tensorflow/tfjs-tflite/wasm/tflite_web_api_cc_simd.js');
  const factory = require(wasmJs) as TfliteFactory;
  const tflite = await factory({
    wasmBinary: await readFile(wasmJs.replace(/\.js$/, '.wasm')),
    print: (line) => log.debug({ line }, 'tflite runtime message'),
    printErr: (line) => log.debug({ line }, 'tflite runtime message'),
  });
  const patched = withExtraOutput(model, FEATURE_TENSOR_INDEX);
  const modelPtr = tflite._malloc(patched.length);
  tflite.HEAPU8.set(patched, modelPtr);
  const created = tflite.TFLiteWebModelRunner.CreateFromBufferAndOptions(modelPtr, patched.length, {
    numThreads: deps.numThreads ?? 1, enableProfiling: false, maxProfilingBufferEntries: 0,
  });
  if (!created.ok()) {
    tflite._free(modelPtr);
    throw new Error(`TFLite could not load the objectron detector: ${created.errorMessage()}`);
  }
  const runner = created.value();
  const [input] = toArray(runner.GetInputs());
  const [boxesOut, logitsOut, featuresOut] = toArray(runner.GetOutputs());
  checkShape(input, `1,${INPUT_SIZE},${INPUT_SIZE},3`);
  checkShape(boxesOut, `1,${NUM_ANCHORS},4`);
  checkShape(logitsOut, `1,${NUM_ANCHORS},${labels.length}`);
  checkShape(featuresOut, `1,10,10,${FEATURE_CHANNELS}`);
  let closed = false;
  log.info({ modelBytes: model.length, targetClass, numThreads: deps.numThreads ?? 1 }, 'backbone loaded');

  function embedOne(img: RgbImage): BackboneOutput {
    const px = img.width === INPUT_SIZE && img.height === INPUT_SIZE ? img.data : resizeRgb(img, INPUT_SIZE, INPUT_SIZE).data;
    // data() views are taken after each call because a growing wasm heap detaches older views.
    const x = input.data();
    for (let i = 0; i < x.length; i++) x[i] = px[i] / 127.5 - 1;
    if (!runner.Infer()) throw new Error('TFLite inference failed on the objectron detector');
    return summarise(logitsOut.data(), boxesOut.data(), featuresOut.data(), labels.length, targetClass, ANCHORS);
  }

  return {
    id: `${BACKBONE_CATALOGUE.objectron.idPrefix}${OBJECTRON_VERSION}`,
    runtime: 'tflite-wasm',
    embeddingDim: EMBEDDING_DIM,
    hasPrior: true,
    async embed(images) {
      if (closed) throw new Error('objectron backbone used after close()');
      // Synchronous on purpose: the one interpreter is never shared across an await, so concurrent calls are safe.
      return images.map(embedOne);
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const t of [input, boxesOut, logitsOut, featuresOut]) t.delete();
      runner.delete();
      tflite._free(modelPtr);
      log.info('backbone closed');
    },
  };
}

/** Max-over-anchors logits per class, the best target anchor's box, and the global-average-pooled feature map. */
function summarise(logits: Float32Array, boxes: Float32Array, features: Float32Array, numClasses: number,
  targetClass: number, anchors: SsdAnchors): BackboneOutput {
  const embedding = new Float32Array(EMBEDDING_DIM);
  embedding.fill(-Infinity, 0, numClasses);
  let best = 0;
  for (let a = 0, o = 0; a < anchors.count; a++, o += numClasses) {
    for (let c = 0; c < numClasses; c++) if (logits[o + c] > embedding[c]) embedding[c] = logits[o + c];
    if (logits[o + targetClass] > logits[best * numClasses + targetClass]) best = a;
  }
  const box = decodeSsdBox(boxes, anchors, best, BOX_SCALES);
  embedding.set([box.x, box.y, box.w, box.h], numClasses);
  const cells = features.length / FEATURE_CHANNELS;
  const base = numClasses + 4;
  for (let i = 0; i < features.length; i++) embedding[base + (i % FEATURE_CHANNELS)] += features[i] / cells;
  return { embedding, prior: 1 / (1 + Math.exp(-embedding[targetClass])), box };
}

/** Reads the detector and its label map out of the package's Emscripten file bundle, located by its loader. */
async function readPackedModel(pkgDir: string): Promise<{ model: Uint8Array; labels: string[] }> {
  const loader = await readFile(join(pkgDir, 'objectron_solution_packed_assets_loader.js'), 'utf8');
  const range = (file: string): [number, number] => {
    const m = new RegExp(`"filename":\\s*"[^"]*/${file.replace(/\./g, '\\.')}",\\s*"start":\\s*(\\d+),\\s*"end":\\s*(\\d+)`).exec(loader);
    if (!m) throw new Error(`${file} not listed in @mediapipe/objectron's packed assets (package version changed?)`);
    return [Number(m[1]), Number(m[2])];
  };
  const bundle = await readFile(join(pkgDir, 'objectron_solution_packed_assets.data'));
  const model = bundle.subarray(...range(MODEL_FILE));
  if (model.toString('latin1', 4, 8) !== 'TFL3') throw new Error(`${MODEL_FILE} in @mediapipe/objectron is not a TFLite model`);
  const labels = bundle.subarray(...range(LABELS_FILE)).toString('utf8').split('\n').filter((l) => l.length > 0);
  return { model, labels };
}

/**
 * Returns a copy of the flatbuffer whose main subgraph also outputs tensor `extra`. Flatbuffer offsets only point
 * forward, so a new outputs vector appended at the end can replace the old one by rewriting one offset; every
 * other byte stays as it was.
 */
function withExtraOutput(model: Uint8Array, extra: number): Uint8Array {
  const view = new DataView(model.buffer, model.byteOffset, model.byteLength);
  const field = (table: number, index: number): number => {
    const vtable = table - view.getInt32(table, true);
    const slot = 4 + index * 2;
    if (slot >= view.getUint16(vtable, true)) return 0;
    const at = view.getUint16(vtable + slot, true);
    return at === 0 ? 0 : table + at;
  };
  const deref = (at: number): number => at + view.getUint32(at, true);
  const subgraphs = deref(field(view.getUint32(0, true), 2)); // Model.subgraphs
  const outputsField = field(deref(subgraphs + 4), 2); // SubGraph.outputs of subgraph 0
  const oldOutputs = deref(outputsField);
  const count = view.getUint32(oldOutputs, true);
  const start = Math.ceil(model.length / 4) * 4;
  const out = new Uint8Array(start + 4 * (count + 2));
  out.set(model);
  const w = new DataView(out.buffer);
  w.setUint32(start, count + 1, true);
  for (let i = 0; i < count; i++) w.setInt32(start + 4 + 4 * i, view.getInt32(oldOutputs + 4 + 4 * i, true), true);
  w.setInt32(start + 4 + 4 * count, extra, true);
  w.setUint32(outputsField, start - outputsField, true);
  return out;
}

function toArray(vector: EmbindVector<TensorInfo>): TensorInfo[] {
  const items = Array.from({ length: vector.size() }, (_, i) => vector.get(i));
  vector.delete();
  return items;
}

function checkShape(tensor: TensorInfo | undefined, shape: string): void {
  if (!tensor || tensor.shape !== shape || tensor.dataType !== 'float32') {
    throw new Error(`objectron detector tensor ${tensor?.name ?? '(missing)'} is ${tensor?.shape}/${tensor?.dataType}, expected ${shape}/float32`);
  }
}
