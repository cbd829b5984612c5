/**
 * The binary KServe v2 inference response reader, and the triton backbone spec: pure logic, no server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load-config.js';
import { resolveBackboneSpec } from '../../src/score/backbone-spec.js';
import { parseInferResponse, type Fp32Output } from '../../src/score/triton/kserve-response.js';
import { tritonConfigText } from '../../src/score/triton/triton-config.js';
import { isCatwatchError } from '../../src/util/errors.js';

const OUTPUTS: Fp32Output[] = [{ name: 'a', shape: [2, 3] }, { name: 'b', shape: [2] }];

interface Listed { name: string; datatype?: string; shape: number[]; size?: number }

function response(listed: Listed[], tail: Float32Array[], extra: Record<string, unknown> = {}): { body: Uint8Array; headerLength: string } {
  const header = Buffer.from(JSON.stringify({
    model_name: 'm', ...extra,
    outputs: listed.map((o, i) => ({ name: o.name, datatype: o.datatype ?? 'FP32', shape: o.shape, parameters: { binary_data_size: o.size ?? tail[i].byteLength } })),
  }));
  return { body: Buffer.concat([header, ...tail.map((t) => Buffer.from(t.buffer, t.byteOffset, t.byteLength))]), headerLength: String(header.length) };
}

const parse = (r: { body: Uint8Array; headerLength: string | null }, maxHeaderBytes = 1 << 20) =>
  parseInferResponse({ ...r, maxHeaderBytes, model: 'm', outputs: OUTPUTS, where: 'http://gpu:8000: POST /v2/models/m/versions/1/infer' });

function rejects(r: { body: Uint8Array; headerLength: string | null }, re: RegExp, maxHeaderBytes?: number): void {
  assert.throws(() => parse(r, maxHeaderBytes), (err) => isCatwatchError(err, 'E_TRITON_PROTOCOL') && re.test(err.message) && /http:\/\/gpu:8000/.test(err.message));
}

test('kserve response: outputs come back by name, in the header order of the binary tail, as fresh arrays', () => {
  const a = Float32Array.from([1, 2, 3, 4, 5, 6]);
  const b = Float32Array.from([-1.5, 7.25]);
  // The server may list the outputs in another order than asked, and add one not asked for.
  const r = response([{ name: 'b', shape: [2] }, { name: 'extra', shape: [1] }, { name: 'a', shape: [2, 3] }], [b, Float32Array.from([9]), a]);
  const out = parse(r);
  assert.deepEqual([...out.a], [...a]);
  assert.deepEqual([...out.b], [...b]);
  assert.equal(out.a.byteOffset, 0);
  assert.equal(out.a.buffer.byteLength, a.byteLength, 'a copy, not a view into the body');
});

test('kserve response: every inconsistency is E_TRITON_PROTOCOL naming the server and what was wrong', () => {
  const a = new Float32Array(6);
  const b = new Float32Array(2);
  const good = (): Listed[] => [{ name: 'a', shape: [2, 3] }, { name: 'b', shape: [2] }];
  rejects({ ...response(good(), [a, b]), headerLength: null }, /binary tensor extension/);
  rejects({ ...response(good(), [a, b]), headerLength: '99999999' }, /Inference-Header-Content-Length 99999999/);
  rejects(response(good(), [a, b]), /limit 10/, 10);
  rejects({ ...response(good(), [a, b]), headerLength: '5' }, /not JSON/);
  rejects(response([{ name: 'a', shape: [2, 3] }], [a]), /output b missing/);
  rejects(response([{ name: 'a', shape: [3, 2] }, { name: 'b', shape: [2] }], [a, b]), /output a has shape \[3,2\], expected \[2,3\]/);
  rejects(response([{ name: 'a', shape: [2, 3], datatype: 'FP16' }, { name: 'b', shape: [2] }], [a, b]), /output a is FP16/);
  rejects(response([{ name: 'a', shape: [2, 3] }, { name: 'b', shape: [2], size: 16 }], [a, b]), /add up to 40 bytes, the body holds 32/);
  rejects(response(good(), [a, b], { model_name: 'other' }), /answered for model other/);
  const short = response(good(), [a, b]);
  rejects({ ...short, body: short.body.subarray(0, short.body.length - 4) }, /add up to/);
});

test('backbone spec: triton carries the server and the local fallback settings; without model.triton it is a config error', () => {
  const parse = (model: unknown) => parseConfig({ model }, { baseDir: '/', env: {} }).model;
  const spec = resolveBackboneSpec(parse({ backbone: 'triton', runtime: 'cpu', triton: { url: 'http://gpu-1:8000' } }), '/nonexistent', 2);
  assert.deepEqual(spec, {
    kind: 'triton',
    triton: { url: 'http://gpu-1:8000', model: 'catwatch_objectron', version: '1', timeoutMs: 2000, retryAfterMs: 5000 },
    engine: 'onnxruntime', executionProviders: ['cpu'], threads: 2,
  });
  assert.deepEqual(structuredClone(spec), spec, 'plain data: it crosses into worker threads');
  assert.throws(() => resolveBackboneSpec(parse({ backbone: 'triton' }), '/nonexistent'),
    (err) => isCatwatchError(err, 'E_CONFIG_INVALID') && /^model\.backbone: triton needs model\.triton\.url/.test(err.message));
});

test('export-triton config.pbtxt: ONNX Runtime, batch 32, the tensors without batch, dynamic batching, a GPU, the backbone id', () => {
  const text = tritonConfigText('catwatch_objectron', 'objectron-ssd-mnv2-openimages@1.2.3');
  assert.match(text, /^name: "catwatch_objectron"$/m);
  assert.match(text, /^platform: "onnxruntime_onnx"$/m);
  assert.match(text, /^max_batch_size: 32$/m);
  assert.match(text, /name: "pixels"\n {4}data_type: TYPE_UINT8\n {4}dims: \[ 300, 300, 3 \]/);
  assert.match(text, /name: "output0"\n {4}data_type: TYPE_FP32\n {4}dims: \[ 1917, 4 \]/);
  assert.match(text, /name: "output1"\n {4}data_type: TYPE_FP32\n {4}dims: \[ 1917, 24 \]/);
  assert.match(text, /name: "features"\n {4}data_type: TYPE_FP32\n {4}dims: \[ 1280 \]/);
  assert.match(text, /dynamic_batching \{\n {2}max_queue_delay_microseconds: 2000\n\}/);
  assert.match(text, /instance_group \[\n {2}\{\n {4}count: 1\n {4}kind: KIND_GPU\n {2}\}\n\]/);
  assert.match(text, /parameters \{\n {2}key: "catwatch_backbone_id"\n {2}value: \{ string_value: "objectron-ssd-mnv2-openimages@1\.2\.3" \}\n\}/);
});
