/**
 * A small but real KServe v2 server for tests and benches: it serves one model of a Triton model repository as
 * `catwatch models export-triton` writes it (model.onnx run on onnxruntime-node, config.pbtxt read for name,
 * max_batch_size and parameters), over node:http with the binary tensor extension both ways. Metadata comes from the
 * ONNX session itself. Beside the protocol, `/fake/*` lets a test read counters and change behaviour:
 *   GET  /fake/stats     { inferRequests, inFlight, maxInFlight, serverMs, batchSizes, ... }
 *   POST /fake/control   { delayMs?, status? }  delay each inference, or answer it with an HTTP status
 *   POST /fake/reset     zero the counters
 * It runs as its own process (fake-kserve-main.ts) so that the client's event loop and the model share nothing.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';

export interface FakeKserveOptions {
  /** Folder holding <model>/config.pbtxt and <model>/<version>/model.onnx. */
  readonly repository: string;
  readonly model: string;
  readonly version: string;
  readonly port: number;
  /** Serve this catwatch_backbone_id instead of config.pbtxt's (a server with another model). */
  readonly backboneId?: string;
  readonly threads?: number;
}

export interface FakeKserveStats {
  inferRequests: number;
  inFlight: number;
  maxInFlight: number;
  configRequests: number;
  /** Time spent in session.run, in total. */
  serverMs: number;
  /** Per inference, request received → response written, in total (what the server adds to run: parsing, I/O). */
  handlerMs: number;
  batchSizes: number[];
}

interface Behaviour { delayMs: number; status?: number | null }

const DATATYPES: Record<string, string> = { uint8: 'UINT8', float32: 'FP32' };

export async function startFakeKserveServer(options: FakeKserveOptions): Promise<Server> {
  const modelDir = join(options.repository, options.model);
  const pbtxt = readFileSync(join(modelDir, 'config.pbtxt'), 'utf8');
  const session = await ort.InferenceSession.create(join(modelDir, options.version, 'model.onnx'), {
    intraOpNumThreads: options.threads ?? 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
  });
  const config = configJson(pbtxt, options.backboneId);
  const metadata = metadataJson(session, options);
  const stats = freshStats();
  const behaviour: Behaviour = { delayMs: 0 };
  const modelPath = `/v2/models/${options.model}/versions/${options.version}`;
  const server = createServer((req, res) => {
    const route = `${req.method} ${req.url}`;
    const handle = async (): Promise<void> => {
      if (route === 'GET /v2/health/ready') return json(res, 200, {});
      if (route === `GET ${modelPath}`) return json(res, 200, metadata);
      if (route === `GET ${modelPath}/config`) {
        stats.configRequests++;
        return json(res, 200, config);
      }
      if (route === `POST ${modelPath}/infer`) return infer(req, res, { session, stats, behaviour, model: options.model });
      if (route === 'GET /fake/stats') return json(res, 200, stats);
      if (route === 'POST /fake/control') return void json(res, 200, Object.assign(behaviour, JSON.parse((await readBody(req)).toString())));
      if (route === 'POST /fake/reset') return void json(res, 200, Object.assign(stats, freshStats()));
      json(res, 404, { error: `no route ${route}` });
    };
    handle().catch((err: unknown) => json(res, 500, { error: String(err) }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', resolve);
  });
  return server;
}

function freshStats(): FakeKserveStats {
  return { inferRequests: 0, inFlight: 0, maxInFlight: 0, configRequests: 0, serverMs: 0, handlerMs: 0, batchSizes: [] };
}

interface InferContext { session: ort.InferenceSession; stats: FakeKserveStats; behaviour: Behaviour; model: string }

async function infer(req: IncomingMessage, res: ServerResponse, ctx: InferContext): Promise<void> {
  const { stats } = ctx;
  const received = performance.now();
  stats.inferRequests++;
  stats.inFlight++;
  stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
  res.once('close', () => stats.inFlight--);
  const body = await readBody(req);
  const { status } = ctx.behaviour;
  if (typeof status === 'number') return json(res, status, { error: `fake server set to answer ${status}` });
  if (ctx.behaviour.delayMs > 0) await new Promise((r) => setTimeout(r, ctx.behaviour.delayMs));
  const headerLength = Number(req.headers['inference-header-content-length']);
  const header = JSON.parse(body.subarray(0, headerLength).toString()) as {
    inputs: Array<{ name: string; shape: number[]; datatype: string; parameters: { binary_data_size: number } }>;
    outputs: Array<{ name: string; parameters?: { binary_data?: boolean } }>;
  };
  const [input] = header.inputs;
  if (header.inputs.length !== 1 || input.datatype !== 'UINT8' || input.parameters.binary_data_size !== body.length - headerLength) {
    return json(res, 400, { error: 'expected one binary UINT8 input' });
  }
  const data = new Uint8Array(body.buffer, body.byteOffset + headerLength, input.parameters.binary_data_size);
  const ran = performance.now();
  const out = await ctx.session.run({ [input.name]: new ort.Tensor('uint8', data, input.shape) });
  stats.serverMs += performance.now() - ran;
  stats.batchSizes.push(input.shape[0]);
  const tensors = header.outputs.map((o) => ({ name: o.name, tensor: out[o.name] }));
  const missing = tensors.find((t) => t.tensor === undefined);
  if (missing) return json(res, 400, { error: `unknown output ${missing.name}` });
  const bytes = tensors.map((t) => Buffer.from((t.tensor.data as Float32Array).buffer, (t.tensor.data as Float32Array).byteOffset, (t.tensor.data as Float32Array).byteLength));
  const responseHeader = Buffer.from(JSON.stringify({
    model_name: ctx.model,
    outputs: tensors.map((t, i) => ({ name: t.name, datatype: 'FP32', shape: t.tensor.dims, parameters: { binary_data_size: bytes[i].length } })),
  }));
  res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Inference-Header-Content-Length': String(responseHeader.length) });
  res.end(Buffer.concat([responseHeader, ...bytes]));
  stats.handlerMs += performance.now() - received;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** The fields of config.pbtxt the client reads, as Triton's /config endpoint shows them. */
function configJson(pbtxt: string, backboneIdOverride: string | undefined): Record<string, unknown> {
  const field = (re: RegExp): string | undefined => re.exec(pbtxt)?.[1];
  const parameters: Record<string, { string_value: string }> = {};
  for (const m of pbtxt.matchAll(/parameters\s*\{\s*key:\s*"([^"]+)"\s*value:\s*\{\s*string_value:\s*"([^"]*)"\s*\}\s*\}/g)) parameters[m[1]] = { string_value: m[2] };
  if (backboneIdOverride !== undefined) parameters.catwatch_backbone_id = { string_value: backboneIdOverride };
  return {
    name: field(/^name:\s*"([^"]+)"/m),
    platform: field(/^platform:\s*"([^"]+)"/m),
    max_batch_size: Number(field(/^max_batch_size:\s*(\d+)/m) ?? 0),
    parameters,
  };
}

function metadataJson(session: ort.InferenceSession, options: FakeKserveOptions): Record<string, unknown> {
  const tensors = (list: readonly ort.InferenceSession.ValueMetadata[]) => list.map((m) => {
    if (!m.isTensor) throw new Error(`${m.name} is not a tensor`);
    return { name: m.name, datatype: DATATYPES[m.type] ?? m.type, shape: m.shape.map((d) => (typeof d === 'number' ? d : -1)) };
  });
  return { name: options.model, versions: [options.version], platform: 'onnxruntime_onnx', inputs: tensors(session.inputMetadata), outputs: tensors(session.outputMetadata) };
}
