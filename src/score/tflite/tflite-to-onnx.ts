/**
 * Converts a float (or fp16-weight) convolutional TFLite graph into an ONNX model that ONNX Runtime runs, so the
 * detector that ships in an npm package runs on onnxruntime-node (CPU, CUDA, TensorRT) instead of tflite-wasm.
 *
 * Only the op set of MobileNet-style graphs is taken — DEQUANTIZE, CONV_2D, DEPTHWISE_CONV_2D, ADD, RESHAPE,
 * CONCATENATION — with their fused activations; anything else (another op, option, dtype, quantised tensor) is
 * refused with a reason naming it, and the caller falls back to the TFLite interpreter.
 *
 * Layout: TFLite is NHWC, ONNX convolutions are NCHW. Activations stay NCHW through the convolutions and are
 * transposed back to NHWC only where the graph leaves the image layout (before each RESHAPE, and for 4-D outputs),
 * so the flattened orders equal TFLite's. Weights: fp16 → fp32, OHWI → OIHW, depthwise [1,H,W,C·M] → [C·M,1,H,W]
 * with group = C. TensorFlow's SAME padding puts the odd pixel at the end, which ONNX's explicit pads can say.
 * The graph takes uint8 NHWC pixels of any batch size and normalises them itself.
 */
import { CatwatchError } from '../../util/errors.js';
import { OnnxBuilder } from './onnx-builder.js';
import {
  readAddActivation, readConcatOptions, readConvOptions, readReshapeShape, readTfliteModel,
  type FusedActivation, type TfliteModel, type TfliteOperator, type TfliteTensor,
} from './tflite-model.js';

export interface TfliteToOnnxOptions {
  /** Name for error messages. */
  readonly label: string;
  /** Input pixels p (0..255) become p / divide − subtract, as the model was trained. */
  readonly normalise: { readonly divide: number; readonly subtract: number };
  /** Intermediate 4-D tensors to output as their global average over H×W ([N, C]), by ONNX output name. */
  readonly pooledOutputs?: Readonly<Record<string, number>>;
}

export interface ConvertedModel {
  readonly onnx: Uint8Array;
  /** ONNX name of the uint8 input, [N, H, W, C]. */
  readonly inputName: string;
  readonly inputShape: readonly [number, number, number];
  /** ONNX names of the TFLite graph's outputs, in its order (`output0`, …); then the pooled outputs' names. */
  readonly outputNames: readonly string[];
  readonly opCounts: Readonly<Record<string, number>>;
}

type Layout = 'nchw' | 'plain';
interface Converter {
  readonly model: TfliteModel;
  readonly builder: OnnxBuilder;
  readonly label: string;
  /** Constant tensors by TFLite index, as fp32 in TFLite's layout. */
  readonly constants: Map<number, Float32Array>;
  readonly layouts: Map<number, Layout>;
}

const TO_NCHW = [0, 3, 1, 2];
const TO_NHWC = [0, 2, 3, 1];

export function convertTfliteToOnnx(bytes: Uint8Array, options: TfliteToOnnxOptions): ConvertedModel {
  const model = readTfliteModel(bytes, options.label);
  const c: Converter = { model, builder: new OnnxBuilder(), label: options.label, constants: new Map(), layouts: new Map() };
  const inputShape = addInput(c, options.normalise);
  const opCounts: Record<string, number> = {};
  for (const op of model.operators) {
    convertOperator(c, op);
    opCounts[op.op] = (opCounts[op.op] ?? 0) + 1;
  }
  const outputNames = model.outputs.map((index, i) => addOutput(c, index, `output${i}`));
  for (const [name, index] of Object.entries(options.pooledOutputs ?? {})) outputNames.push(addPooledOutput(c, index, name));
  const onnx = c.builder.encode([{ name: 'pixels', elemType: 'uint8', dims: ['N', ...inputShape] }], outputNames);
  return { onnx, inputName: 'pixels', inputShape, outputNames, opCounts };
}

function fail(c: Converter, message: string): never {
  throw new CatwatchError('E_MODEL_INVALID', `${c.label} cannot be converted to ONNX: ${message}`);
}

function name(index: number): string {
  return `t${index}`;
}

function addInput(c: Converter, normalise: TfliteToOnnxOptions['normalise']): [number, number, number] {
  if (c.model.inputs.length !== 1) fail(c, `it has ${c.model.inputs.length} inputs, not one image`);
  const input = c.model.tensors[c.model.inputs[0]];
  if (input.type !== 'float32' || input.shape.length !== 4 || input.shape[0] !== 1) {
    fail(c, `its input ${input.name} is ${input.type} [${input.shape.join(',')}], not a float32 [1,H,W,C] image`);
  }
  const b = c.builder;
  const floats = b.node('Cast', ['pixels'], 'pixels_float', { to: 1 });
  const divided = b.node('Div', [floats, b.floatConstant('normalise_divide', [], Float32Array.of(normalise.divide))], 'pixels_divided');
  const shifted = b.node('Sub', [divided, b.floatConstant('normalise_subtract', [], Float32Array.of(normalise.subtract))], 'pixels_normalised');
  b.node('Transpose', [shifted], name(input.index), { perm: TO_NCHW });
  c.layouts.set(input.index, 'nchw');
  return [input.shape[1], input.shape[2], input.shape[3]];
}

function convertOperator(c: Converter, op: TfliteOperator): void {
  for (const i of [...op.inputs, ...op.outputs]) if (i >= 0) checkTensor(c, op, c.model.tensors[i]);
  switch (op.op) {
    case 'DEQUANTIZE': return dequantize(c, op);
    case 'CONV_2D':
    case 'DEPTHWISE_CONV_2D': return convolution(c, op);
    case 'ADD': return add(c, op);
    case 'RESHAPE': return reshape(c, op);
    case 'CONCATENATION': return concatenate(c, op);
    default: fail(c, `operator ${op.index} is ${op.op}, which catwatch does not convert`);
  }
}

function checkTensor(c: Converter, op: TfliteOperator, t: TfliteTensor): void {
  if (t.quantized) fail(c, `tensor ${t.name} of ${op.op} (operator ${op.index}) is quantised; only float models convert`);
  if (t.type === 'other') fail(c, `tensor ${t.name} of ${op.op} (operator ${op.index}) has TFLite type ${t.typeCode}; only float32/float16 convert`);
  if (t.type === 'float16' && op.op !== 'DEQUANTIZE') fail(c, `${op.op} (operator ${op.index}) reads float16 tensor ${t.name} directly`);
}

function dequantize(c: Converter, op: TfliteOperator): void {
  const source = c.model.tensors[op.inputs[0]];
  if (source.type !== 'float16' || !source.data) fail(c, `DEQUANTIZE (operator ${op.index}) of ${source.name} is not of a float16 constant`);
  c.constants.set(op.outputs[0], halfToFloat(source.data, c, source));
}

function constant(c: Converter, op: TfliteOperator, index: number): Float32Array {
  const known = c.constants.get(index);
  if (known) return known;
  const t = c.model.tensors[index];
  if (t.type !== 'float32' || !t.data) fail(c, `${op.op} (operator ${op.index}) needs ${t.name} to be a constant`);
  if (t.data.byteLength !== 4 * elementCount(t.shape)) fail(c, `constant ${t.name} holds ${t.data.byteLength} bytes for shape [${t.shape.join(',')}]`);
  const copy = new Float32Array(elementCount(t.shape));
  new Uint8Array(copy.buffer).set(t.data);
  c.constants.set(index, copy);
  return copy;
}

function activationInput(c: Converter, op: TfliteOperator, index: number, want: Layout): string {
  const layout = c.layouts.get(index);
  if (layout === undefined) fail(c, `${op.op} (operator ${op.index}) reads ${c.model.tensors[index].name} before anything produced it`);
  if (layout === want) return name(index);
  return c.builder.node('Transpose', [name(index)], c.builder.fresh(name(index)), { perm: layout === 'nchw' ? TO_NHWC : TO_NCHW });
}

function convolution(c: Converter, op: TfliteOperator): void {
  const o = readConvOptions(c.model, op);
  const x = c.model.tensors[op.inputs[0]];
  const w = c.model.tensors[op.inputs[1]];
  const [outC, kh, kw] = w.shape[0] === 1 && op.op === 'DEPTHWISE_CONV_2D' ? [w.shape[3], w.shape[1], w.shape[2]] : [w.shape[0], w.shape[1], w.shape[2]];
  if (x.shape.length !== 4 || w.shape.length !== 4) fail(c, `${op.op} (operator ${op.index}) is not a 2-D convolution of an image`);
  const depthwise = op.op === 'DEPTHWISE_CONV_2D';
  const weights = depthwise ? depthwiseWeights(constant(c, op, op.inputs[1]), kh, kw, outC) : ohwiToOihw(constant(c, op, op.inputs[1]), w.shape);
  const inC = x.shape[3];
  if (depthwise && outC !== inC * o.depthMultiplier) fail(c, `DEPTHWISE_CONV_2D (operator ${op.index}) has ${outC} outputs for ${inC} inputs × ${o.depthMultiplier}`);
  const b = c.builder;
  const inputs = [activationInput(c, op, op.inputs[0], 'nchw'), b.floatConstant(`${name(op.inputs[1])}_w`, depthwise ? [outC, 1, kh, kw] : [outC, inC, kh, kw], weights)];
  if (op.inputs[2] !== undefined && op.inputs[2] >= 0) inputs.push(b.floatConstant(`${name(op.inputs[2])}_b`, [outC], constant(c, op, op.inputs[2])));
  const pads = o.padding === 'VALID' ? [0, 0, 0, 0] : samePads(x.shape[1], x.shape[2], kh, kw, o);
  const conv = b.node('Conv', inputs, b.fresh(name(op.outputs[0])), {
    kernel_shape: [kh, kw], strides: [o.strideH, o.strideW], dilations: [o.dilationH, o.dilationW], pads, group: depthwise ? inC : 1,
  });
  finish(c, op, conv, o.activation, 'nchw');
}

/** TensorFlow SAME: output = ceil(in / stride); the total padding splits with the odd pixel at the end. */
function samePads(inH: number, inW: number, kh: number, kw: number, o: { strideH: number; strideW: number; dilationH: number; dilationW: number }): number[] {
  const total = (size: number, k: number, stride: number, dilation: number): number =>
    Math.max((Math.ceil(size / stride) - 1) * stride + (k - 1) * dilation + 1 - size, 0);
  const th = total(inH, kh, o.strideH, o.dilationH);
  const tw = total(inW, kw, o.strideW, o.dilationW);
  return [Math.floor(th / 2), Math.floor(tw / 2), th - Math.floor(th / 2), tw - Math.floor(tw / 2)];
}

function add(c: Converter, op: TfliteOperator): void {
  const [a, bIndex] = op.inputs;
  const layout = c.layouts.get(a);
  if (layout === undefined || c.layouts.get(bIndex) === undefined) fail(c, `ADD (operator ${op.index}) of a constant is not supported`);
  const sum = c.builder.node('Add', [name(a), activationInput(c, op, bIndex, layout)], c.builder.fresh(name(op.outputs[0])));
  finish(c, op, sum, readAddActivation(c.model, op), layout);
}

function reshape(c: Converter, op: TfliteOperator): void {
  const shape = readReshapeShape(c.model, op);
  // 0 copies the input's dimension: the batch, which TFLite fixed at 1 and the converted graph leaves free.
  const onnxShape = shape.map((d, i) => (i === 0 && d === 1 ? 0 : d));
  const x = activationInput(c, op, op.inputs[0], 'plain');
  c.builder.node('Reshape', [x, c.builder.int64Constant(`${name(op.outputs[0])}_shape`, onnxShape)], name(op.outputs[0]));
  c.layouts.set(op.outputs[0], 'plain');
}

function concatenate(c: Converter, op: TfliteOperator): void {
  const { axis, activation } = readConcatOptions(c.model, op);
  const first = c.layouts.get(op.inputs[0]);
  if (first === undefined) fail(c, `CONCATENATION (operator ${op.index}) of constants is not supported`);
  const rank = c.model.tensors[op.outputs[0]].shape.length;
  const positive = axis < 0 ? axis + rank : axis;
  const onnxAxis = first === 'nchw' ? TO_NCHW.indexOf(positive) : positive;
  const inputs = op.inputs.map((i) => activationInput(c, op, i, first));
  finish(c, op, c.builder.node('Concat', inputs, c.builder.fresh(name(op.outputs[0])), { axis: onnxAxis }), activation, first);
}

/** Applies the fused activation and binds the result to the operator's TFLite output. */
function finish(c: Converter, op: TfliteOperator, value: string, activation: FusedActivation, layout: Layout): void {
  const b = c.builder;
  const out = name(op.outputs[0]);
  switch (activation) {
    case 'NONE': b.node('Identity', [value], out); break;
    case 'RELU': b.node('Relu', [value], out); break;
    case 'RELU6': b.node('Clip', [value, b.floatConstant('clip_zero', [], Float32Array.of(0)), b.floatConstant('clip_six', [], Float32Array.of(6))], out); break;
    case 'RELU_N1_TO_1': b.node('Clip', [value, b.floatConstant('clip_minus_one', [], Float32Array.of(-1)), b.floatConstant('clip_one', [], Float32Array.of(1))], out); break;
    default: fail(c, `${op.op} (operator ${op.index}) has fused activation ${activation}, which catwatch does not convert`);
  }
  c.layouts.set(op.outputs[0], layout);
}

function addOutput(c: Converter, index: number, outputName: string): string {
  const layout = c.layouts.get(index);
  if (layout === undefined) fail(c, `graph output ${c.model.tensors[index].name} is never computed`);
  const x = layout === 'nchw' ? c.builder.node('Transpose', [name(index)], c.builder.fresh(outputName), { perm: TO_NHWC }) : name(index);
  return c.builder.node('Identity', [x], outputName);
}

function addPooledOutput(c: Converter, index: number, outputName: string): string {
  const t = c.model.tensors[index];
  if (!t || c.layouts.get(index) !== 'nchw') fail(c, `tensor ${index} (${t?.name ?? 'missing'}) is not an image-shaped activation to pool`);
  const pooled = c.builder.node('GlobalAveragePool', [name(index)], c.builder.fresh(outputName));
  return c.builder.node('Flatten', [pooled], outputName, { axis: 1 });
}

function ohwiToOihw(w: Float32Array, shape: readonly number[]): Float32Array {
  const [o, h, wd, i] = shape;
  const out = new Float32Array(w.length);
  for (let a = 0; a < o; a++) for (let y = 0; y < h; y++) for (let x = 0; x < wd; x++) for (let b = 0; b < i; b++) {
    out[((a * i + b) * h + y) * wd + x] = w[((a * h + y) * wd + x) * i + b];
  }
  return out;
}

/** [1, H, W, C·M] → [C·M, 1, H, W]: output channel c·M + m reads input channel c, as ONNX groups do. */
function depthwiseWeights(w: Float32Array, h: number, wd: number, channels: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let y = 0; y < h; y++) for (let x = 0; x < wd; x++) for (let ch = 0; ch < channels; ch++) {
    out[(ch * h + y) * wd + x] = w[(y * wd + x) * channels + ch];
  }
  return out;
}

function halfToFloat(bytes: Uint8Array, c: Converter, t: TfliteTensor): Float32Array {
  const count = elementCount(t.shape);
  if (bytes.byteLength !== count * 2) fail(c, `float16 constant ${t.name} holds ${bytes.byteLength} bytes for shape [${t.shape.join(',')}]`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = half(view.getUint16(i * 2, true));
  return out;
}

function half(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 31) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}
