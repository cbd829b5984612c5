/**
 * Accumulates ONNX nodes and initialisers and encodes them as a ModelProto (opset 13) with `onnx-proto`.
 * Kept apart from the TFLite conversion so that converter reads as "which ONNX op for which TFLite op".
 */
import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';

// onnx-proto is CommonJS: its namespace arrives as the default export.
const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const UINT8 = onnx.TensorProto.DataType.UINT8;
const INT64 = onnx.TensorProto.DataType.INT64;

export type Attribute = number[] | number | string;

export interface GraphInput {
  readonly name: string;
  readonly elemType: 'float32' | 'uint8';
  /** A string is a symbolic dimension (the batch). */
  readonly dims: readonly (number | string)[];
}

export class OnnxBuilder {
  private readonly nodes: OnnxTypes.INodeProto[] = [];
  private readonly initializers: OnnxTypes.ITensorProto[] = [];
  private readonly names = new Set<string>();
  private unique = 0;

  /** Adds a node; returns its (first) output name. */
  node(opType: string, inputs: readonly string[], output: string, attributes: Record<string, Attribute> = {}): string {
    this.nodes.push({
      opType,
      name: `${opType}_${this.nodes.length}`,
      input: [...inputs],
      output: [output],
      attribute: Object.entries(attributes).map(([name, value]) => attribute(name, value)),
    });
    return output;
  }

  /** A fresh tensor name starting with `stem`. */
  fresh(stem: string): string {
    return `${stem}__${this.unique++}`;
  }

  floatConstant(name: string, dims: readonly number[], values: Float32Array): string {
    if (this.names.has(name)) return name;
    this.names.add(name);
    this.initializers.push({ name, dims: [...dims], dataType: FLOAT, rawData: littleEndianBytes(values) });
    return name;
  }

  int64Constant(name: string, values: readonly number[]): string {
    if (this.names.has(name)) return name;
    this.names.add(name);
    const raw = Buffer.alloc(values.length * 8);
    values.forEach((v, i) => raw.writeBigInt64LE(BigInt(v), i * 8));
    this.initializers.push({ name, dims: [values.length], dataType: INT64, rawData: raw });
    return name;
  }

  encode(inputs: readonly GraphInput[], outputs: readonly string[]): Uint8Array {
    const graph: OnnxTypes.IGraphProto = {
      name: 'catwatch-converted',
      node: this.nodes,
      initializer: this.initializers,
      input: inputs.map((input) => valueInfo(input.name, input.elemType === 'uint8' ? UINT8 : FLOAT, input.dims)),
      output: outputs.map((name) => valueInfo(name, FLOAT, undefined)),
    };
    return onnx.ModelProto.encode({
      irVersion: 8,
      producerName: 'catwatch',
      opsetImport: [{ domain: '', version: 13 }],
      graph,
    }).finish();
  }
}

function attribute(name: string, value: Attribute): OnnxTypes.IAttributeProto {
  const types = onnx.AttributeProto.AttributeType;
  if (Array.isArray(value)) return { name, type: types.INTS, ints: value };
  if (typeof value === 'string') return { name, type: types.STRING, s: Buffer.from(value) };
  return Number.isInteger(value) ? { name, type: types.INT, i: value } : { name, type: types.FLOAT, f: value };
}

function valueInfo(name: string, elemType: number, dims: readonly (number | string)[] | undefined): OnnxTypes.IValueInfoProto {
  const shape = dims === undefined ? undefined : { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) };
  return { name, type: { tensorType: { elemType, ...(shape ? { shape } : {}) } } };
}

function littleEndianBytes(values: Float32Array): Buffer {
  const raw = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i++) raw.writeFloatLE(values[i], i * 4);
  return raw;
}
