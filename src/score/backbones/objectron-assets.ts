/**
 * What both runtimes of the offline default backbone share: the SSD-MobileNetV2 Open Images detector (24 classes,
 * one of them Cat) read out of `@mediapipe/objectron`'s packed assets, and how its raw outputs become catwatch's
 * embedding, prior and box. The model has no post-processing op; the box decoding and anchors come from MediaPipe's
 * own graph for this model (ObjectDetectionOidV4Subgraph), ported in ssd-anchors.ts.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import type { BackboneOutput } from '../../model/backbone.js';
import { BACKBONE_CATALOGUE } from '../../model/backbone-catalogue.js';
import type { RgbImage } from '../../image/image.js';
import { resizeRgb } from '../../image/resize-rgb.js';
import { decodeSsdBox, generateSsdAnchors } from './ssd-anchors.js';

export const OBJECTRON_VERSION = '0.4.1675468480';
export const OBJECTRON_MODEL_FILE = 'object_detection_ssd_mobilenetv2_oidv4_fp16.tflite';
const LABELS_FILE = 'object_detection_oidv4_labelmap.txt';
export const OBJECTRON_INPUT_PX = BACKBONE_CATALOGUE.objectron.inputPx;
export const OBJECTRON_ANCHORS = 1917;
export const OBJECTRON_CLASSES = 24;
const TARGET_LABEL = 'Cat';
/** Index of `FeatureExtractor/MobilenetV2/Conv_1/Relu6` (1x10x10x1280), the last MobileNetV2 feature map. */
export const OBJECTRON_FEATURE_TENSOR = 213;
export const OBJECTRON_FEATURE_CHANNELS = 1280;
/** Length of the embedding: 24 max-over-anchors class logits, the target box (x, y, w, h), pooled features. */
export const OBJECTRON_EMBEDDING_DIM = OBJECTRON_CLASSES + 4 + OBJECTRON_FEATURE_CHANNELS;

/** Values of MediaPipe's ObjectDetectionOidV4Subgraph (SsdAnchorsCalculator / TensorsToDetectionsCalculator). */
const ANCHORS = generateSsdAnchors({
  inputWidth: OBJECTRON_INPUT_PX, inputHeight: OBJECTRON_INPUT_PX, minScale: 0.2, maxScale: 0.95, anchorOffsetX: 0.5, anchorOffsetY: 0.5,
  strides: [16, 32, 64, 128, 256, 512], aspectRatios: [1, 2, 0.5, 3, 0.3333],
  reduceBoxesInLowestLayer: true, interpolatedScaleAspectRatio: 1,
});
const BOX_SCALES = { x: 10, y: 10, w: 5, h: 5 };

/** One image's raw detector outputs, whichever runtime produced them. */
export interface ObjectronRaw {
  /** [1917 × 4] box encodings. */
  readonly boxes: Float32Array;
  /** [1917 × 24] class logits. */
  readonly logits: Float32Array;
  /** [1280] the last feature map averaged over its 10×10 cells. */
  readonly features: Float32Array;
}

/**
 * The tensors of the detector converted to ONNX (objectron-onnx.ts), batch dimension left out: what
 * `catwatch models export-triton` declares in config.pbtxt and what the triton backbone asks a server for.
 */
export const OBJECTRON_ONNX_IO = Object.freeze({
  input: { name: 'pixels', dims: [OBJECTRON_INPUT_PX, OBJECTRON_INPUT_PX, 3] },
  boxes: { name: 'output0', dims: [OBJECTRON_ANCHORS, 4] },
  logits: { name: 'output1', dims: [OBJECTRON_ANCHORS, OBJECTRON_CLASSES] },
  features: { name: 'features', dims: [OBJECTRON_FEATURE_CHANNELS] },
} as const);

/** The detector's input: each image as 300×300 RGB bytes (resized unless it already is that size). */
export function objectronPixels(images: readonly RgbImage[]): Uint8Array[] {
  return images.map((img) =>
    img.width === OBJECTRON_INPUT_PX && img.height === OBJECTRON_INPUT_PX ? img.data : resizeRgb(img, OBJECTRON_INPUT_PX, OBJECTRON_INPUT_PX).data);
}

/** Cuts the batched output tensors of `count` images into one ObjectronRaw per image (views, no copy). */
export function splitObjectronBatch(count: number, boxes: Float32Array, logits: Float32Array, features: Float32Array): ObjectronRaw[] {
  return Array.from({ length: count }, (_, i) => ({
    boxes: boxes.subarray(i * OBJECTRON_ANCHORS * 4, (i + 1) * OBJECTRON_ANCHORS * 4),
    logits: logits.subarray(i * OBJECTRON_ANCHORS * OBJECTRON_CLASSES, (i + 1) * OBJECTRON_ANCHORS * OBJECTRON_CLASSES),
    features: features.subarray(i * OBJECTRON_FEATURE_CHANNELS, (i + 1) * OBJECTRON_FEATURE_CHANNELS),
  }));
}

/** Runs the detector on 300×300 RGB pixel buffers. */
export interface ObjectronRunner {
  /** `tflite-wasm`, `onnxruntime-cpu`, `onnxruntime-cuda`, … */
  readonly runtime: string;
  run(pixels: readonly Uint8Array[]): Promise<ObjectronRaw[]>;
  close(): Promise<void>;
}

export interface ObjectronAssets {
  readonly model: Uint8Array;
  readonly targetClass: number;
}

/** Reads the detector and its label map out of the package's Emscripten file bundle, located by its loader. */
export async function readObjectronAssets(): Promise<ObjectronAssets> {
  const pkgDir = dirname(createRequire(import.meta.url).resolve('@mediapipe/objectron/package.json'));
  const loader = await readFile(join(pkgDir, 'objectron_solution_packed_assets_loader.js'), 'utf8');
  const range = (file: string): [number, number] => {
    const m = new RegExp(`"filename":\\s*"[^"]*/${file.replace(/\./g, '\\.')}",\\s*"start":\\s*(\\d+),\\s*"end":\\s*(\\d+)`).exec(loader);
    if (!m) throw new Error(`${file} not listed in @mediapipe/objectron's packed assets (package version changed?)`);
    return [Number(m[1]), Number(m[2])];
  };
  const bundle = await readFile(join(pkgDir, 'objectron_solution_packed_assets.data'));
  const model = bundle.subarray(...range(OBJECTRON_MODEL_FILE));
  if (model.toString('latin1', 4, 8) !== 'TFL3') throw new Error(`${OBJECTRON_MODEL_FILE} in @mediapipe/objectron is not a TFLite model`);
  const labels = bundle.subarray(...range(LABELS_FILE)).toString('utf8').split('\n').filter((l) => l.length > 0);
  const targetClass = labels.indexOf(TARGET_LABEL);
  if (labels.length !== OBJECTRON_CLASSES || targetClass < 0) {
    throw new Error(`unexpected label map in @mediapipe/objectron (want ${OBJECTRON_CLASSES} labels with '${TARGET_LABEL}'): ${labels.join(',')}`);
  }
  return { model, targetClass };
}

/** Max-over-anchors logits per class, the best target anchor's box, and the pooled feature map. */
export function summariseObjectron(raw: ObjectronRaw, targetClass: number): BackboneOutput {
  const { logits, boxes, features } = raw;
  const embedding = new Float32Array(OBJECTRON_EMBEDDING_DIM);
  embedding.fill(-Infinity, 0, OBJECTRON_CLASSES);
  for (let a = 0, o = 0; a < ANCHORS.count; a++, o += OBJECTRON_CLASSES) {
    for (let c = 0; c < OBJECTRON_CLASSES; c++) if (logits[o + c] > embedding[c]) embedding[c] = logits[o + c];
  }
  const box = decodeSsdBox(boxes, ANCHORS, bestAnchor(raw, targetClass), BOX_SCALES);
  embedding.set([box.x, box.y, box.w, box.h], OBJECTRON_CLASSES);
  embedding.set(features, OBJECTRON_CLASSES + 4);
  return { embedding, prior: 1 / (1 + Math.exp(-embedding[targetClass])), box };
}

/** Index of the anchor with the highest target logit (the first of equals). */
export function bestAnchor(raw: ObjectronRaw, targetClass: number): number {
  let best = 0;
  for (let a = 1; a < OBJECTRON_ANCHORS; a++) {
    if (raw.logits[a * OBJECTRON_CLASSES + targetClass] > raw.logits[best * OBJECTRON_CLASSES + targetClass]) best = a;
  }
  return best;
}
