/**
 * Reads the main subgraph of a .tflite model (schema: tensorflow/lite/schema/schema.fbs) into plain data: tensors
 * with their shapes, types and constant bytes, and operators with their inputs, outputs and builtin options.
 * Field indices below are the schema's field order; only what a conversion of a convolutional network needs is read.
 */
import { CatwatchError } from '../../util/errors.js';
import { FlatbufferReader } from './flatbuffer-reader.js';

export type TfliteTensorType = 'float32' | 'float16' | 'int32' | 'other';

export interface TfliteTensor {
  readonly index: number;
  readonly name: string;
  readonly shape: readonly number[];
  readonly type: TfliteTensorType;
  /** The schema's TensorType number (for error messages about the types catwatch does not take). */
  readonly typeCode: number;
  /** Constant contents, or undefined for activations. */
  readonly data: Uint8Array | undefined;
  /** True when the tensor carries quantisation scales (int8/uint8 models). */
  readonly quantized: boolean;
}

export interface TfliteOperator {
  readonly index: number;
  /** Builtin operator name (`CONV_2D`), or `BUILTIN_<code>` / `CUSTOM:<name>` for those this reader does not name. */
  readonly op: string;
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  /** Position of the builtin options table in the file, read by `readOptions`. */
  readonly optionsTable: number | undefined;
}

export interface TfliteModel {
  readonly reader: FlatbufferReader;
  readonly tensors: readonly TfliteTensor[];
  readonly operators: readonly TfliteOperator[];
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
}

/** BuiltinOperator numbers of schema.fbs, for the operators catwatch converts and the ones worth naming in errors. */
const BUILTIN_NAMES: Readonly<Record<number, string>> = {
  0: 'ADD', 1: 'AVERAGE_POOL_2D', 2: 'CONCATENATION', 3: 'CONV_2D', 4: 'DEPTHWISE_CONV_2D', 6: 'DEQUANTIZE',
  9: 'FULLY_CONNECTED', 14: 'LOGISTIC', 17: 'MAX_POOL_2D', 18: 'MUL', 19: 'RELU', 21: 'RELU6', 22: 'RESHAPE',
  25: 'SOFTMAX', 28: 'TANH', 34: 'PAD', 39: 'TRANSPOSE', 40: 'MEAN', 41: 'SUB',
};
const TENSOR_TYPES: Readonly<Record<number, TfliteTensorType>> = { 0: 'float32', 1: 'float16', 2: 'int32' };
const CUSTOM_OP = 32;

export function readTfliteModel(bytes: Uint8Array, label: string): TfliteModel {
  if (bytes.length < 8 || Buffer.from(bytes.subarray(4, 8)).toString('latin1') !== 'TFL3') {
    throw new CatwatchError('E_MODEL_INVALID', `${label} is not a TFLite model (no TFL3 identifier)`);
  }
  const reader = new FlatbufferReader(bytes, label);
  const model = reader.root();
  const subgraphs = reader.tableVector(model, 2);
  if (subgraphs.length !== 1) {
    throw new CatwatchError('E_MODEL_INVALID', `${label} has ${subgraphs.length} subgraphs; only single-graph models convert`);
  }
  const buffers = reader.tableVector(model, 4).map((buffer) => bufferData(reader, buffer));
  const opNames = reader.tableVector(model, 1).map((code) => operatorName(reader, code));
  const graph = subgraphs[0];
  const tensors = reader.tableVector(graph, 0).map((table, index) => readTensor(reader, table, index, buffers));
  const operators = reader.tableVector(graph, 3).map((table, index): TfliteOperator => {
    const opcode = reader.scalarField(table, 0, 'uint32', 0);
    const op = opNames[opcode];
    if (op === undefined) throw new CatwatchError('E_MODEL_INVALID', `${label}: operator ${index} uses opcode ${opcode}, which the model does not list`);
    const optionsAt = reader.field(table, 4);
    return { index, op, inputs: reader.int32Vector(table, 1), outputs: reader.int32Vector(table, 2), optionsTable: optionsAt === undefined ? undefined : reader.ref(optionsAt) };
  });
  return { reader, tensors, operators, inputs: reader.int32Vector(graph, 1), outputs: reader.int32Vector(graph, 2) };
}

function operatorName(reader: FlatbufferReader, code: number): string {
  // Newer files keep codes above 127 in the int32 `builtin_code` (field 3); older ones only in the int8 field 0.
  const builtin = Math.max(reader.scalarField(code, 0, 'int8', 0), reader.scalarField(code, 3, 'int32', 0));
  if (builtin === CUSTOM_OP) return `CUSTOM:${reader.stringField(code, 1)}`;
  return BUILTIN_NAMES[builtin] ?? `BUILTIN_${builtin}`;
}

function bufferData(reader: FlatbufferReader, buffer: number): Uint8Array | undefined {
  const inline = reader.byteVector(buffer, 0);
  if (inline.length > 0) return inline;
  // Models over 2 GB keep buffers after the flatbuffer, located by offset/size.
  const offset = reader.uint64Field(buffer, 1);
  const size = reader.uint64Field(buffer, 2);
  return offset > 1 && size > 0 ? reader.slice(offset, size) : undefined;
}

function readTensor(reader: FlatbufferReader, table: number, index: number, buffers: readonly (Uint8Array | undefined)[]): TfliteTensor {
  const typeCode = reader.scalarField(table, 1, 'int8', 0);
  const quantization = reader.field(table, 4);
  const scales = quantization === undefined ? 0 : reader.int32Vector(reader.ref(quantization), 2).length;
  return {
    index,
    name: reader.stringField(table, 3),
    shape: reader.int32Vector(table, 0),
    type: TENSOR_TYPES[typeCode] ?? 'other',
    typeCode,
    data: buffers[reader.scalarField(table, 2, 'uint32', 0)],
    quantized: scales > 0,
  };
}

/** Fused activations of schema.fbs (ActivationFunctionType). */
export type FusedActivation = 'NONE' | 'RELU' | 'RELU_N1_TO_1' | 'RELU6' | 'TANH' | 'SIGN_BIT' | `OTHER_${number}`;
const ACTIVATIONS: Readonly<Record<number, FusedActivation>> = { 0: 'NONE', 1: 'RELU', 2: 'RELU_N1_TO_1', 3: 'RELU6', 4: 'TANH', 5: 'SIGN_BIT' };

export function activation(code: number): FusedActivation {
  return ACTIVATIONS[code] ?? `OTHER_${code}`;
}

export interface ConvOptions {
  readonly padding: 'SAME' | 'VALID';
  readonly strideW: number;
  readonly strideH: number;
  readonly dilationW: number;
  readonly dilationH: number;
  readonly depthMultiplier: number;
  readonly activation: FusedActivation;
}

/** Conv2DOptions (CONV_2D) or DepthwiseConv2DOptions (DEPTHWISE_CONV_2D): same fields, different order. */
export function readConvOptions(model: TfliteModel, op: TfliteOperator): ConvOptions {
  const r = model.reader;
  const t = op.optionsTable;
  const int = (field: number, fallback: number): number => (t === undefined ? fallback : r.scalarField(t, field, 'int32', fallback));
  const byte = (field: number): number => (t === undefined ? 0 : r.scalarField(t, field, 'int8', 0));
  const depthwise = op.op === 'DEPTHWISE_CONV_2D';
  return {
    padding: byte(0) === 0 ? 'SAME' : 'VALID',
    strideW: int(1, 1),
    strideH: int(2, 1),
    depthMultiplier: depthwise ? int(3, 1) : 1,
    activation: activation(byte(depthwise ? 4 : 3)),
    dilationW: int(depthwise ? 5 : 4, 1),
    dilationH: int(depthwise ? 6 : 5, 1),
  };
}

/** AddOptions.fused_activation_function. */
export function readAddActivation(model: TfliteModel, op: TfliteOperator): FusedActivation {
  return activation(op.optionsTable === undefined ? 0 : model.reader.scalarField(op.optionsTable, 0, 'int8', 0));
}

/** ConcatenationOptions: axis and fused activation. */
export function readConcatOptions(model: TfliteModel, op: TfliteOperator): { axis: number; activation: FusedActivation } {
  const t = op.optionsTable;
  if (t === undefined) return { axis: 0, activation: 'NONE' };
  return { axis: model.reader.scalarField(t, 0, 'int32', 0), activation: activation(model.reader.scalarField(t, 1, 'int8', 0)) };
}

/** ReshapeOptions.new_shape (the target shape may also, or only, come as a constant second input). */
export function readReshapeShape(model: TfliteModel, op: TfliteOperator): number[] {
  const second = op.inputs[1] === undefined || op.inputs[1] < 0 ? undefined : model.tensors[op.inputs[1]];
  if (second?.data && second.type === 'int32') {
    const view = new DataView(second.data.buffer, second.data.byteOffset, second.data.byteLength);
    return Array.from({ length: second.data.byteLength / 4 }, (_, i) => view.getInt32(i * 4, true));
  }
  if (op.optionsTable !== undefined) return model.reader.int32Vector(op.optionsTable, 0);
  return model.tensors[op.outputs[0]].shape.slice();
}
