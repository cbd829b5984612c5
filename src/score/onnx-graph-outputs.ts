/**
 * Graph surgery for frozen backbones: exposes intermediate tensors (a feature map) as extra graph outputs, in
 * memory, at load time — no converted copy of the model is written anywhere.
 *
 * Library: `onnx-proto` — the ONNX protobuf schema compiled to JavaScript (protobufjs static code, typed), so it
 * works offline with no .proto file to ship or parse at run time. The alternative, plain `protobufjs` (more active
 * upstream), would need onnx.proto vendored into the repository and loaded at run time for the same result.
 *
 * The model is decoded only to check the request; the bytes handed to ONNX Runtime are the original file followed by
 * a tiny encoded ModelProto `{ graph: { output: [...] } }`. Protobuf merges a repeated occurrence of an embedded
 * message field and appends repeated fields, so ONNX Runtime reads the original graph with the extra outputs
 * appended. Unlike decode → edit → re-encode, this keeps every byte of the original, including fields newer than
 * the schema in `onnx-proto` (ONNX 1.10, IR 8), which protobufjs would silently drop.
 */
import onnxProto from 'onnx-proto';
import { CatwatchError, errorMessage } from '../util/errors.js';

// onnx-proto is CommonJS: its namespace arrives as the default export.
const { onnx } = onnxProto;

/** Returns the model bytes with `tensorNames` added as graph outputs (those already outputs are left alone). */
export function addGraphOutputs(model: Uint8Array, tensorNames: readonly string[], modelLabel: string): Uint8Array {
  const graph = decodeGraph(model, modelLabel);
  const produced = new Set<string>();
  for (const node of graph.node ?? []) for (const name of node.output ?? []) produced.add(name);
  const existing = new Set((graph.output ?? []).map((o) => o.name));
  const missing = tensorNames.filter((name) => !produced.has(name));
  if (missing.length > 0) {
    throw new CatwatchError('E_MODEL_INVALID', `${modelLabel} has no node producing tensor(s) ${missing.join(', ')}: it is not the expected model`);
  }
  const added = tensorNames.filter((name) => !existing.has(name));
  if (added.length === 0) return model;
  const tail = onnx.ModelProto.encode({ graph: { output: added.map((name) => ({ name })) } }).finish();
  const merged = new Uint8Array(model.length + tail.length);
  merged.set(model, 0);
  merged.set(tail, model.length);
  return merged;
}

function decodeGraph(model: Uint8Array, modelLabel: string) {
  let graph;
  try {
    graph = onnx.ModelProto.decode(model).graph;
  } catch (err) {
    throw new CatwatchError('E_MODEL_INVALID', `${modelLabel} is not a readable ONNX model (${errorMessage(err)}); pull it again`, { cause: err });
  }
  if (!graph) throw new CatwatchError('E_MODEL_INVALID', `${modelLabel} is not an ONNX model with a graph; pull it again`);
  return graph;
}
