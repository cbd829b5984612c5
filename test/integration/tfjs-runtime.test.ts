import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { loadTfjs } from '../../src/score/tfjs-runtime.js';

import { capturingLogger } from '../helpers/log-capture.js';

function installed(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

const nativeInstalled = installed('@tensorflow/tfjs-node') || installed('@tensorflow/tfjs-node-gpu');
const skip = nativeInstalled ? 'a native tfjs runtime is installed here: the WebAssembly fallback is not reachable' : false;
const INFO = 30;
const WARN = 40;

test('auto without tfjs-node falls back to WebAssembly and says why at info level', { skip }, async () => {
  const { log, lines } = capturingLogger();
  const { tf, backend } = await loadTfjs({ prefer: 'auto', log });
  assert.equal(backend, 'tfjs-wasm');
  assert.equal(tf.getBackend(), 'wasm');
  assert.deepEqual(Array.from(tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])).dataSync()), [4, 6]);
  const skipped = lines.filter((l) => l.msg === 'tfjs runtime unavailable, falling back');
  assert.deepEqual(skipped.map((l) => [l.backend, l.next, l.level]), [['tfjs-node-gpu', 'tfjs-node', INFO], ['tfjs-node', 'tfjs-wasm', INFO]]);
  assert.match(String(skipped[0].reason), /Cannot find package '@tensorflow\/tfjs-node-gpu'/);
  assert.match(String(skipped[1].reason), /Cannot find package '@tensorflow\/tfjs-node'/);
  const chosen = lines.filter((l) => l.msg === 'tfjs runtime selected');
  assert.deepEqual(chosen.map((l) => [l.backend, l.level]), [['tfjs-wasm', INFO]]);
});

test('asking for the GPU runtime that is not there warns for each runtime skipped', { skip }, async () => {
  const { log, lines } = capturingLogger();
  const { backend } = await loadTfjs({ prefer: 'gpu', log });
  assert.equal(backend, 'tfjs-wasm');
  const skipped = lines.filter((l) => l.msg === 'tfjs runtime unavailable, falling back');
  assert.deepEqual(skipped.map((l) => [l.backend, l.level]), [['tfjs-node-gpu', WARN], ['tfjs-node', WARN]]);
});

test('prefer node tries tfjs-node only, then WebAssembly', { skip }, async () => {
  const { log, lines } = capturingLogger();
  const { backend } = await loadTfjs({ prefer: 'node', log });
  assert.equal(backend, 'tfjs-wasm');
  const skipped = lines.filter((l) => l.msg === 'tfjs runtime unavailable, falling back');
  assert.deepEqual(skipped.map((l) => [l.backend, l.next, l.level]), [['tfjs-node', 'tfjs-wasm', WARN]]);
});

test('prefer wasm loads WebAssembly without trying the native runtimes', async () => {
  const { log, lines } = capturingLogger();
  const { tf, backend } = await loadTfjs({ prefer: 'wasm', log, wasmThreads: 2 });
  assert.equal(backend, 'tfjs-wasm');
  assert.equal(tf.getBackend(), 'wasm');
  assert.equal(lines.filter((l) => l.level >= WARN).length, 0);
  assert.ok(lines.some((l) => l.msg === 'tfjs wasm backend ready'));
});
