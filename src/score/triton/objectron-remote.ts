/**
 * The objectron detector on a KServe v2 / Triton server: an ObjectronRunner whose session is a model server. It
 * sends the same 300×300 uint8 pixels the local ONNX runner feeds its session, one request per call (larger than
 * the served max_batch_size: split), and returns the same raw outputs, so the local post-processing applies as is.
 *
 * `verify()` checks that the server is ready and that it serves catwatch's export of the local detector: the
 * tensors of `OBJECTRON_ONNX_IO` and, in the model config, the `catwatch_backbone_id` parameter that
 * `catwatch models export-triton` writes. Anything else would give numbers no trained head was fitted on.
 */
import { CatwatchError } from '../../util/errors.js';
import {
  OBJECTRON_ONNX_IO, splitObjectronBatch, type ObjectronRaw, type ObjectronRunner,
} from '../backbones/objectron-assets.js';
import type { KserveClient, ModelMetadata } from './kserve-client.js';

/** The config.pbtxt parameter that names the backbone id an export was made from. */
export const TRITON_BACKBONE_ID_PARAMETER = 'catwatch_backbone_id';

export interface ObjectronRemoteDeps {
  readonly client: KserveClient;
  readonly model: string;
  readonly version: string;
  /** The local backbone's id: the served model must declare it. */
  readonly backboneId: string;
}

export interface RemoteTraffic {
  /** Request bodies sent (JSON headers and pixels). */
  requestBytes: number;
  /** Response bodies received (JSON headers and outputs). */
  responseBytes: number;
}

export interface ObjectronRemote extends ObjectronRunner {
  /** `<url> <model>@<version>`, without credentials. */
  readonly server: string;
  /** Throws E_TRITON_UNAVAILABLE / E_TRITON_PROTOCOL, or E_TRITON_MODEL_MISMATCH when the model is not the export. */
  verify(): Promise<void>;
  readonly traffic: Readonly<RemoteTraffic>;
}

const IO = OBJECTRON_ONNX_IO;
const PIXELS = IO.input.dims.reduce((a, b) => a * b, 1);
/** Until verify() has read the served config. */
const DEFAULT_MAX_BATCH = 1;

export function createObjectronRemote(deps: ObjectronRemoteDeps): ObjectronRemote {
  const { client, model, version } = deps;
  const server = `${client.displayUrl} ${model}@${version}`;
  const traffic: RemoteTraffic = { requestBytes: 0, responseBytes: 0 };
  let maxBatch = DEFAULT_MAX_BATCH;
  const runBatch = async (pixels: readonly Uint8Array[]): Promise<ObjectronRaw[]> => {
    const n = pixels.length;
    const data = new Uint8Array(n * PIXELS);
    pixels.forEach((px, i) => data.set(px, i * PIXELS));
    const outputs = [IO.boxes, IO.logits, IO.features].map((t) => ({ name: t.name, shape: [n, ...t.dims] }));
    const result = await client.infer(model, version, { name: IO.input.name, shape: [n, ...IO.input.dims], data }, outputs);
    traffic.requestBytes += result.requestBytes;
    traffic.responseBytes += result.responseBytes;
    const out = result.outputs;
    return splitObjectronBatch(n, out[IO.boxes.name], out[IO.logits.name], out[IO.features.name]);
  };
  return {
    runtime: `triton:${model}@${version}`,
    server,
    traffic,
    async verify() {
      await client.serverReady();
      checkTensors(await client.modelMetadata(model, version), server);
      const config = await client.modelConfig(model, version);
      const served = servedBackboneId(config);
      if (served !== deps.backboneId) {
        throw new CatwatchError('E_TRITON_MODEL_MISMATCH', served === undefined
          ? `${server} has no ${TRITON_BACKBONE_ID_PARAMETER} parameter in its config: serve the model written by 'catwatch models export-triton'`
          : `${server} was exported from backbone ${served}, the local backbone is ${deps.backboneId}: re-export it with 'catwatch models export-triton' and reload it on the server`);
      }
      maxBatch = servedMaxBatch(config);
    },
    async run(pixels) {
      const outputs: ObjectronRaw[] = [];
      for (let start = 0; start < pixels.length; start += maxBatch) outputs.push(...(await runBatch(pixels.slice(start, start + maxBatch))));
      return outputs;
    },
    close: async () => undefined,
  };
}

function checkTensors(meta: ModelMetadata, server: string): void {
  const mismatch = (what: string): never => {
    throw new CatwatchError('E_TRITON_MODEL_MISMATCH', `${server} is not catwatch's objectron export: ${what}`);
  };
  const sameDims = (shape: readonly number[], dims: readonly number[]): boolean => shape.length === dims.length + 1 && shape.slice(1).join(',') === dims.join(',');
  const input = meta.inputs.find((t) => t.name === IO.input.name) ?? mismatch(`no input ${IO.input.name}`);
  if (meta.inputs.length !== 1 || input.datatype !== 'UINT8' || !sameDims(input.shape, IO.input.dims)) {
    mismatch(`input ${input.name} is ${input.datatype} [${input.shape.join(',')}] (of ${meta.inputs.length} inputs), expected UINT8 [-1,${IO.input.dims.join(',')}]`);
  }
  for (const want of [IO.boxes, IO.logits, IO.features]) {
    const got = meta.outputs.find((t) => t.name === want.name) ?? mismatch(`no output ${want.name}`);
    if (got.datatype !== 'FP32' || !sameDims(got.shape, want.dims)) mismatch(`output ${want.name} is ${got.datatype} [${got.shape.join(',')}], expected FP32 [-1,${want.dims.join(',')}]`);
  }
}

/** `parameters: { catwatch_backbone_id: { string_value } }` of Triton's config JSON. */
function servedBackboneId(config: Record<string, unknown>): string | undefined {
  const parameters = config.parameters as Record<string, { string_value?: unknown } | undefined> | undefined;
  const value = parameters?.[TRITON_BACKBONE_ID_PARAMETER]?.string_value;
  return typeof value === 'string' ? value : undefined;
}

/** Triton refuses a request larger than max_batch_size; 0 means the model takes no batch dimension at all. */
function servedMaxBatch(config: Record<string, unknown>): number {
  const value = Number(config.max_batch_size);
  return Number.isInteger(value) && value > 0 ? value : 1;
}
