/**
 * Reads a KServe v2 inference response that uses the binary tensor extension: the first
 * `Inference-Header-Content-Length` bytes are a JSON header whose outputs carry `parameters.binary_data_size`; the
 * output bytes follow in the header's order. Every output asked for must be there, FP32 and of exactly the shape
 * asked for, and the sizes must add up to the body; anything else is E_TRITON_PROTOCOL.
 */
import { endianness } from 'node:os';
import { CatwatchError } from '../../util/errors.js';

/** An FP32 output asked for, with its full expected shape (batch included). */
export interface Fp32Output {
  readonly name: string;
  readonly shape: readonly number[];
}

export interface InferResponseInput {
  readonly body: Uint8Array;
  /** The `Inference-Header-Content-Length` header (null when absent). */
  readonly headerLength: string | null;
  readonly maxHeaderBytes: number;
  readonly model: string;
  readonly outputs: readonly Fp32Output[];
  /** Server and request, for messages. */
  readonly where: string;
}

interface OutputHeader { name?: unknown; datatype?: unknown; shape?: unknown; parameters?: { binary_data_size?: unknown } }

const LITTLE_ENDIAN = endianness() === 'LE';

export function parseInferResponse(response: InferResponseInput): Record<string, Float32Array> {
  const fail = (what: string): never => {
    throw new CatwatchError('E_TRITON_PROTOCOL', `triton server ${response.where}: ${what}`);
  };
  const { body } = response;
  if (response.headerLength === null) fail('answer without Inference-Header-Content-Length (binary tensor extension not used)');
  const headerBytes = Number(response.headerLength);
  if (!Number.isInteger(headerBytes) || headerBytes <= 0 || headerBytes > Math.min(response.maxHeaderBytes, body.length)) {
    fail(`Inference-Header-Content-Length ${String(response.headerLength).slice(0, 20)} is not a length within the ${body.length}-byte body (limit ${response.maxHeaderBytes})`);
  }
  let header: { model_name?: unknown; outputs?: unknown };
  try {
    header = JSON.parse(Buffer.from(body.subarray(0, headerBytes)).toString('utf8')) as typeof header;
  } catch {
    return fail('the inference header is not JSON');
  }
  if (header.model_name !== undefined && header.model_name !== response.model) fail(`answered for model ${String(header.model_name).slice(0, 128)}, asked ${response.model}`);
  if (!Array.isArray(header.outputs)) fail('the inference header has no outputs list');
  const listed = header.outputs as OutputHeader[];
  // Offsets of every listed output in the binary tail, in the header's order.
  const offsets = new Map<string, { offset: number; size: number; entry: OutputHeader }>();
  let offset = headerBytes;
  for (const entry of listed) {
    const size = entry?.parameters?.binary_data_size;
    if (typeof entry?.name !== 'string' || !Number.isInteger(size) || (size as number) < 0) fail('an output without a name or binary_data_size');
    offsets.set(entry.name as string, { offset, size: size as number, entry });
    offset += size as number;
  }
  if (offset !== body.length) fail(`output sizes add up to ${offset - headerBytes} bytes, the body holds ${body.length - headerBytes}`);
  const result: Record<string, Float32Array> = {};
  for (const want of response.outputs) {
    const found = offsets.get(want.name) ?? fail(`output ${want.name} missing`);
    const shape = found.entry.shape;
    const elements = want.shape.reduce((a, b) => a * b, 1);
    if (found.entry.datatype !== 'FP32') fail(`output ${want.name} is ${String(found.entry.datatype)}, not FP32`);
    if (!Array.isArray(shape) || shape.map(Number).join(',') !== want.shape.join(',')) fail(`output ${want.name} has shape [${String(shape)}], expected [${want.shape.join(',')}]`);
    if (found.size !== elements * 4) fail(`output ${want.name} has ${found.size} bytes, expected ${elements * 4}`);
    result[want.name] = readFloat32Le(body.subarray(found.offset, found.offset + found.size));
  }
  return result;
}

/** A fresh, aligned Float32Array from little-endian bytes. */
function readFloat32Le(bytes: Uint8Array): Float32Array {
  // A copy (never Buffer#slice, which shares memory): aligned, and no view into a pooled buffer.
  if (LITTLE_ENDIAN) return new Float32Array(new Uint8Array(bytes).buffer);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Float32Array.from({ length: bytes.length / 4 }, (_, i) => view.getFloat32(i * 4, true));
}
