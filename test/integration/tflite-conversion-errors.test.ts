/**
 * What the TFLite → ONNX conversion does with models it must not convert: a truncated file, an operator it does
 * not know, an option it does not take. Each is a clear error naming the problem, and the objectron backbone then
 * runs on tflite-wasm instead (as long as TFLite itself can run the file).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readObjectronAssets } from '../../src/score/backbones/objectron-assets.js';
import { createObjectronBackbone } from '../../src/score/backbones/objectron-backbone.js';
import { readTfliteModel } from '../../src/score/tflite/tflite-model.js';
import { convertTfliteToOnnx } from '../../src/score/tflite/tflite-to-onnx.js';
import { decodeImage } from '../../src/image/decode-image.js';
import { capturingLogger } from '../helpers/log-capture.js';
import { fixturesDir } from '../helpers/paths.js';
import { join } from 'node:path';

const options = { label: 'test.tflite', normalise: { divide: 127.5, subtract: 1 } };

/** A copy of the model with the first operator of type `op` rewritten by `patch(bytes, position of its options)`. */
function altered(model: Uint8Array, op: string, patch: (bytes: Uint8Array, tflite: ReturnType<typeof readTfliteModel>, index: number) => void): Uint8Array {
  const copy = new Uint8Array(model);
  const tflite = readTfliteModel(copy, 'copy');
  const index = tflite.operators.findIndex((o) => o.op === op);
  patch(copy, tflite, index);
  return copy;
}

test('a truncated .tflite is refused with the byte it broke at', async () => {
  const { model } = await readObjectronAssets();
  assert.throws(() => convertTfliteToOnnx(model.subarray(0, 1_000_000), options),
    /test\.tflite is truncated or corrupt: a .* at byte \d+ lies outside the 1000000-byte file/);
  assert.throws(() => convertTfliteToOnnx(new Uint8Array(100), options), /test\.tflite is not a TFLite model/);
});

test('an operator the converter does not know is refused by name', async () => {
  const { model } = await readObjectronAssets();
  // The operator-code table entry of RESHAPE (22) rewritten to SQUEEZE (43): every RESHAPE becomes a SQUEEZE.
  const bad = altered(model, 'RESHAPE', (bytes, tflite) => {
    const r = tflite.reader;
    for (const code of r.tableVector(r.root(), 1)) {
      const at = r.field(code, 0);
      if (at !== undefined && bytes[at] === 22) bytes[at] = 43;
      const wide = r.field(code, 3);
      if (wide !== undefined && bytes[wide] === 22) bytes[wide] = 43;
    }
  });
  assert.throws(() => convertTfliteToOnnx(bad, options), /cannot be converted to ONNX: operator \d+ is BUILTIN_43, which catwatch does not convert/);
});

test('an option the converter does not take is refused, and the backbone falls back to tflite-wasm and still scores', async () => {
  const { model } = await readObjectronAssets();
  // The first CONV_2D's fused activation RELU6 (3) rewritten to TANH (4): TFLite still runs it, the converter must not.
  const bad = altered(model, 'CONV_2D', (bytes, tflite, index) => {
    const at = tflite.reader.field(tflite.operators[index].optionsTable!, 3)!;
    assert.equal(bytes[at], 3, 'the first convolution had a fused RELU6');
    bytes[at] = 4;
  });
  assert.throws(() => convertTfliteToOnnx(bad, options), /CONV_2D \(operator \d+\) has fused activation TANH, which catwatch does not convert/);

  const { log, lines } = capturingLogger();
  const backbone = await createObjectronBackbone({ log, model: bad, executionProviders: ['cpu'] });
  try {
    assert.equal(backbone.runtime, 'tflite-wasm');
    const fallback = lines.find((l) => l.msg === 'objectron detector not runnable on ONNX Runtime, falling back');
    assert.match(String(fallback?.reason), /fused activation TANH/);
    const [out] = await backbone.embed([await decodeImage(join(fixturesDir, 'chelsea.png'))]);
    assert.equal(out.embedding.length, backbone.embeddingDim);
    assert.ok(out.embedding.every(Number.isFinite) && out.prior! > 0 && out.prior! < 1, `prior ${out.prior}`);
  } finally {
    await backbone.close();
  }
});

test('the unaltered detector loads on ONNX Runtime, and runtime wasm asks for tflite-wasm', async () => {
  const onnx = await createObjectronBackbone({ log: capturingLogger().log, executionProviders: ['cpu'] });
  const wasm = await createObjectronBackbone({ log: capturingLogger().log, engine: 'tflite-wasm' });
  try {
    assert.equal(onnx.runtime, 'onnxruntime-cpu');
    assert.equal(wasm.runtime, 'tflite-wasm');
    assert.equal(onnx.id, wasm.id);
  } finally {
    await Promise.all([onnx.close(), wasm.close()]);
  }
});
