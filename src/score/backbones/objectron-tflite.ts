/**
 * The objectron detector on the WebAssembly TFLite interpreter of `@tensorflow/tfjs-tflite`: the fallback when the
 * ONNX conversion (objectron-onnx.ts) is refused or ONNX Runtime cannot load, and the reference the numerics test
 * compares that conversion against.
 *
 * We call that package's Emscripten module (`wasm/tflite_web_api_cc_simd.js`) directly instead of its JS client:
 * the client only runs in a browser (it injects a <script> tag, reads `window.location`, fetches by URL), whereas
 * the Emscripten factory takes the .wasm bytes as `wasmBinary` and then needs no browser global at all — so no
 * globals are shimmed. The SIMD build without pthreads is used: the threaded builds need browser Web Workers
 * (`importScripts`, `self`), and catwatch parallelises by running one backbone per worker thread instead.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Logger } from '../../util/log.js';
import {
  OBJECTRON_ANCHORS, OBJECTRON_CLASSES, OBJECTRON_FEATURE_CHANNELS, OBJECTRON_FEATURE_TENSOR, OBJECTRON_INPUT_PX,
  type ObjectronRaw, type ObjectronRunner,
} from './objectron-assets.js';

export interface ObjectronTfliteDeps {
  readonly model: Uint8Array;
  readonly log: Logger;
  /** Passed to the TFLite interpreter; the non-threaded WebAssembly build runs on one thread whatever is asked. */
  readonly numThreads?: number;
}

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

export async function createObjectronTfliteRunner(deps: ObjectronTfliteDeps): Promise<ObjectronRunner> {
  const { log } = deps;
  const require = createRequire(import.meta.url);
  const wasmJs = require.resolve('@tensorflow/tfjs-tflite/wasm/tflite_web_api_cc_simd.js');
  const factory = require(wasmJs) as TfliteFactory;
  const tflite = await factory({
    wasmBinary: await readFile(wasmJs.replace(/\.js$/, '.wasm')),
    print: (line) => log.debug({ line }, 'tflite runtime message'),
    printErr: (line) => log.debug({ line }, 'tflite runtime message'),
  });
  const patched = withExtraOutput(deps.model, OBJECTRON_FEATURE_TENSOR);
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
  checkShape(input, `1,${OBJECTRON_INPUT_PX},${OBJECTRON_INPUT_PX},3`);
  checkShape(boxesOut, `1,${OBJECTRON_ANCHORS},4`);
  checkShape(logitsOut, `1,${OBJECTRON_ANCHORS},${OBJECTRON_CLASSES}`);
  checkShape(featuresOut, `1,10,10,${OBJECTRON_FEATURE_CHANNELS}`);

  function runOne(px: Uint8Array): ObjectronRaw {
    // data() views are taken after each call because a growing wasm heap detaches older views.
    const x = input.data();
    for (let i = 0; i < x.length; i++) x[i] = px[i] / 127.5 - 1;
    if (!runner.Infer()) throw new Error('TFLite inference failed on the objectron detector');
    return { boxes: boxesOut.data().slice(), logits: logitsOut.data().slice(), features: averagePool(featuresOut.data()) };
  }

  return {
    runtime: 'tflite-wasm',
    // Synchronous on purpose: the one interpreter is never shared across an await, so concurrent calls are safe.
    run: async (pixels) => pixels.map(runOne),
    async close() {
      for (const t of [input, boxesOut, logitsOut, featuresOut]) t.delete();
      runner.delete();
      tflite._free(modelPtr);
    },
  };
}

/** Mean over the 10×10 cells of the NHWC feature map, per channel. */
function averagePool(features: Float32Array): Float32Array {
  const pooled = new Float32Array(OBJECTRON_FEATURE_CHANNELS);
  const cells = features.length / OBJECTRON_FEATURE_CHANNELS;
  for (let i = 0; i < features.length; i++) pooled[i % OBJECTRON_FEATURE_CHANNELS] += features[i] / cells;
  return pooled;
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
