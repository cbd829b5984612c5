/**
 * A minimal KServe v2 (Open Inference Protocol) HTTP client, as NVIDIA Triton serves it, on Node's global fetch:
 * server readiness, model metadata, Triton's model config, and inference with the binary tensor extension (the
 * input bytes follow a JSON header in the request body, the outputs come back the same way), so a batch of crops
 * costs neither base64 nor JSON numbers.
 *
 * Every failure is a CatwatchError naming the server (credentials removed) and what went wrong:
 * E_TRITON_UNAVAILABLE when it did not answer within `timeoutMs`, refused the connection or answered 5xx;
 * E_TRITON_PROTOCOL when its answer is not what was asked for (4xx, malformed or wrongly sized). Bodies are read
 * with a bound: a JSON header over 1 MiB, or more output bytes than the shapes asked for, is refused unread.
 */
import { CatwatchError, errorMessage } from '../../util/errors.js';
import { redactUrl } from '../../util/log.js';
import { parseInferResponse, type Fp32Output } from './kserve-response.js';

export type { Fp32Output } from './kserve-response.js';

export interface KserveClientDeps {
  /** Base URL, e.g. `http://gpu-1:8000`; a `user:password@` in it is sent as HTTP basic auth, never shown. */
  readonly url: string;
  /** Per request, body included. */
  readonly timeoutMs: number;
}

/** The one input of an inference request: a UINT8 tensor, batch dimension included in `shape`. */
export interface Uint8Input {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Uint8Array;
}

export interface TensorMetadata {
  readonly name: string;
  readonly datatype: string;
  /** -1 for a variable dimension (the batch). */
  readonly shape: readonly number[];
}

export interface ModelMetadata {
  readonly name: string;
  readonly inputs: readonly TensorMetadata[];
  readonly outputs: readonly TensorMetadata[];
}

export interface InferResult {
  /** By output name, each exactly the shape asked for. */
  readonly outputs: Readonly<Record<string, Float32Array>>;
  /** Request body: JSON header plus input bytes. */
  readonly requestBytes: number;
  /** Response body: JSON header plus output bytes. */
  readonly responseBytes: number;
}

export interface KserveClient {
  /** The server's URL without credentials, for messages and logs. */
  readonly displayUrl: string;
  /** `GET /v2/health/ready`: resolves when the server says it is ready. */
  serverReady(): Promise<void>;
  /** `GET /v2/models/{model}/versions/{version}`. */
  modelMetadata(model: string, version: string): Promise<ModelMetadata>;
  /** `GET /v2/models/{model}/versions/{version}/config` (Triton's model configuration as JSON). */
  modelConfig(model: string, version: string): Promise<Record<string, unknown>>;
  /** `POST /v2/models/{model}/versions/{version}/infer` with binary data both ways; FP32 outputs only. */
  infer(model: string, version: string, input: Uint8Input, outputs: readonly Fp32Output[]): Promise<InferResult>;
}

const MAX_JSON_BYTES = 1 << 20;

interface Target { base: string; display: string; authorization?: string }

export function createKserveClient(deps: KserveClientDeps): KserveClient {
  const target = parseTarget(deps.url);
  const modelPath = (model: string, version: string): string => `/v2/models/${encodeURIComponent(model)}/versions/${encodeURIComponent(version)}`;
  const call = (method: string, path: string, maxBytes: number, init: { body?: Uint8Array; headers?: Record<string, string> } = {}) =>
    request(target, deps.timeoutMs, { method, path, maxBytes, ...init });
  const getJson = async (path: string): Promise<Record<string, unknown>> => {
    const { body } = await call('GET', path, MAX_JSON_BYTES);
    return parseJsonObject(body, `${target.display}: GET ${path}`);
  };
  return {
    displayUrl: target.display,
    async serverReady() {
      await call('GET', '/v2/health/ready', MAX_JSON_BYTES);
    },
    async modelMetadata(model, version) {
      const path = modelPath(model, version);
      return readMetadata(await getJson(path), `${target.display}: GET ${path}`);
    },
    modelConfig: (model, version) => getJson(`${modelPath(model, version)}/config`),
    async infer(model, version, input, outputs) {
      if (input.data.length !== input.shape.reduce((a, b) => a * b, 1)) throw new Error(`input ${input.name}: ${input.data.length} bytes for shape [${input.shape.join(',')}]`);
      const header = Buffer.from(JSON.stringify({
        inputs: [{ name: input.name, shape: input.shape, datatype: 'UINT8', parameters: { binary_data_size: input.data.length } }],
        outputs: outputs.map((o) => ({ name: o.name, parameters: { binary_data: true } })),
      }));
      const body = Buffer.concat([header, input.data]);
      const path = `${modelPath(model, version)}/infer`;
      const outputBytes = outputs.reduce((sum, o) => sum + 4 * o.shape.reduce((a, b) => a * b, 1), 0);
      const response = await call('POST', path, MAX_JSON_BYTES + outputBytes, {
        body,
        headers: { 'Content-Type': 'application/octet-stream', 'Inference-Header-Content-Length': String(header.length) },
      });
      const parsed = parseInferResponse({
        body: response.body, headerLength: response.headers.get('inference-header-content-length'), maxHeaderBytes: MAX_JSON_BYTES,
        model, outputs, where: `${target.display}: POST ${path}`,
      });
      return { outputs: parsed, requestBytes: body.length, responseBytes: response.body.length };
    },
  };
}

function parseTarget(url: string): Target {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CatwatchError('E_CONFIG_INVALID', `model.triton.url ${redactUrl(url)} is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new CatwatchError('E_CONFIG_INVALID', `model.triton.url must be http:// or https://, not ${parsed.protocol}`);
  const base = `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
  const authorization = parsed.username || parsed.password
    ? `Basic ${Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString('base64')}`
    : undefined;
  return { base, display: base, authorization };
}

interface RequestSpec { method: string; path: string; maxBytes: number; body?: Uint8Array; headers?: Record<string, string> }

async function request(target: Target, timeoutMs: number, spec: RequestSpec): Promise<{ headers: Headers; body: Uint8Array }> {
  const where = `${target.display}: ${spec.method} ${spec.path}`;
  const headers = { ...spec.headers, ...(target.authorization ? { Authorization: target.authorization } : {}) };
  let response: Response;
  let body: Uint8Array;
  try {
    response = await fetch(`${target.base}${spec.path}`, { method: spec.method, body: spec.body, headers, signal: AbortSignal.timeout(timeoutMs) });
    body = await readBounded(response, spec.maxBytes, where);
  } catch (err) {
    if (err instanceof CatwatchError) throw err;
    throw new CatwatchError('E_TRITON_UNAVAILABLE', `triton server ${where} failed: ${networkReason(err, timeoutMs)}`, { cause: err });
  }
  if (!response.ok) {
    const code = response.status >= 500 ? 'E_TRITON_UNAVAILABLE' : 'E_TRITON_PROTOCOL';
    throw new CatwatchError(code, `triton server ${where} answered HTTP ${response.status}${errorDetail(body)}`);
  }
  return { headers: response.headers, body };
}

/** The body, refused (and the connection dropped) once it passes `maxBytes`: a wrong or hostile server costs no memory. */
async function readBounded(response: Response, maxBytes: number, where: string): Promise<Uint8Array> {
  const tooLarge = (bytes: number | string): CatwatchError =>
    new CatwatchError('E_TRITON_PROTOCOL', `triton server ${where} sent a body of ${bytes} bytes, more than the ${maxBytes} expected`);
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge(declared);
  }
  if (!response.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    total += chunk.length;
    if (total > maxBytes) {
      await response.body.cancel().catch(() => undefined);
      throw tooLarge(`over ${maxBytes}`);
    }
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
}

function networkReason(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return `no answer within ${timeoutMs} ms`;
  const cause = err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  const reason = cause?.code ? `${cause.code}${cause.message ? ` (${cause.message})` : ''}` : errorMessage(err);
  return redactUrl(reason);
}

/** Triton puts `{"error": "..."}` in its error answers; shown (shortened) after the status. */
function errorDetail(body: Uint8Array): string {
  try {
    const json = JSON.parse(Buffer.from(body).toString('utf8')) as { error?: unknown };
    if (typeof json.error === 'string') return `: ${redactUrl(json.error.slice(0, 300))}`;
  } catch {
    // not JSON: the status alone says it
  }
  return '';
}

function parseJsonObject(body: Uint8Array, where: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    throw new CatwatchError('E_TRITON_PROTOCOL', `triton server ${where} answered something that is not JSON`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new CatwatchError('E_TRITON_PROTOCOL', `triton server ${where} answered JSON that is not an object`);
  return json as Record<string, unknown>;
}

function readMetadata(json: Record<string, unknown>, where: string): ModelMetadata {
  const tensors = (key: 'inputs' | 'outputs'): TensorMetadata[] => {
    const list = json[key];
    const ok = Array.isArray(list) && list.every((t: Partial<TensorMetadata>) =>
      typeof t?.name === 'string' && typeof t.datatype === 'string' && Array.isArray(t.shape) && t.shape.every((d) => Number.isInteger(Number(d))));
    if (!ok) throw new CatwatchError('E_TRITON_PROTOCOL', `triton server ${where}: model metadata without a valid ${key} list`);
    return (list as TensorMetadata[]).map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape.map(Number) }));
  };
  if (typeof json.name !== 'string') throw new CatwatchError('E_TRITON_PROTOCOL', `triton server ${where}: model metadata without a name`);
  return { name: json.name, inputs: tensors('inputs'), outputs: tensors('outputs') };
}
