/**
 * `catwatch models export-triton DIR` as a user runs it: the Triton model repository entry it writes, a config.pbtxt
 * that names the ONNX model's own tensors, and a model.onnx that ONNX Runtime loads and runs on a batch of two.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { runCli } from '../helpers/cli.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cw-export-triton-'));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** name, data_type and dims of each `input [...]` / `output [...]` entry of a config.pbtxt. */
function tensorsOf(pbtxt: string, section: 'input' | 'output'): Array<{ name: string; type: string; dims: number[] }> {
  const block = new RegExp(`^${section} \\[\\n([\\s\\S]*?)^\\]`, 'm').exec(pbtxt)?.[1] ?? '';
  return [...block.matchAll(/name: "([^"]+)"\s+data_type: (\w+)\s+dims: \[([^\]]*)\]/g)].map((m) => ({
    name: m[1], type: m[2], dims: m[3].split(',').map((d) => Number(d.trim())),
  }));
}

test('models export-triton writes a model repository entry that ONNX Runtime runs with a batch of 2', async () => {
  const cwd = tempDir();
  const config = join(cwd, 'catwatch.yml');
  writeFileSync(config, ['model:', '  backbone: triton', '  triton:', '    url: http://gpu-1:8000', '    model: cw_test', '    version: "3"', ''].join('\n'));
  const repo = join(cwd, 'repo');
  const r = await runCli(['models', 'export-triton', repo, '--config', config, '--json'], { cwd, timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout) as { modelPath: string; configPath: string; backboneId: string };
  assert.equal(result.modelPath, join(repo, 'cw_test', '3', 'model.onnx'), 'name and version from model.triton');
  assert.equal(result.configPath, join(repo, 'cw_test', 'config.pbtxt'));
  assert.match(result.backboneId, /^objectron-ssd-mnv2-openimages@/);

  const pbtxt = readFileSync(result.configPath, 'utf8');
  assert.match(pbtxt, /^name: "cw_test"$/m);
  assert.match(pbtxt, /^platform: "onnxruntime_onnx"$/m);
  assert.match(pbtxt, /^max_batch_size: 32$/m);
  assert.match(pbtxt, /dynamic_batching \{\s*max_queue_delay_microseconds: 2000\s*\}/);
  assert.match(pbtxt, /kind: KIND_GPU/);
  assert.ok(pbtxt.includes(`key: "catwatch_backbone_id"\n  value: { string_value: "${result.backboneId}" }`), pbtxt);
  const inputs = tensorsOf(pbtxt, 'input');
  const outputs = tensorsOf(pbtxt, 'output');
  assert.deepEqual(inputs, [{ name: 'pixels', type: 'TYPE_UINT8', dims: [300, 300, 3] }]);
  assert.deepEqual(outputs.map((o) => o.type), ['TYPE_FP32', 'TYPE_FP32', 'TYPE_FP32']);

  const session = await ort.InferenceSession.create(result.modelPath, { intraOpNumThreads: 1 });
  try {
    assert.deepEqual(session.inputNames, inputs.map((t) => t.name), 'config.pbtxt names the model\'s inputs');
    assert.deepEqual([...session.outputNames].sort(), outputs.map((t) => t.name).sort(), 'config.pbtxt names the model\'s outputs');
    const pixels = new Uint8Array(2 * 300 * 300 * 3).map((_, i) => (i * 7) % 256);
    const out = await session.run({ pixels: new ort.Tensor('uint8', pixels, [2, 300, 300, 3]) });
    for (const t of outputs) {
      assert.deepEqual(out[t.name].dims, [2, ...t.dims], `${t.name}: batch of 2 with the dims config.pbtxt declares`);
      assert.equal(out[t.name].type, 'float32');
      assert.ok((out[t.name].data as Float32Array).every(Number.isFinite), `${t.name} is finite`);
    }
  } finally {
    await session.release();
  }
});

test('models export-triton: --name and --model-version override; a name that is a path is a usage error', async () => {
  const cwd = tempDir();
  const repo = join(cwd, 'repo');
  const config = join(cwd, 'catwatch.yml');
  writeFileSync(config, 'model:\n  backbone: objectron\n');
  const r = await runCli(['models', 'export-triton', repo, '--config', config, '--name', 'cats', '--model-version', '7'], { cwd, timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^exported objectron-ssd-mnv2-openimages@/);
  assert.ok(existsSync(join(repo, 'cats', '7', 'model.onnx')) && existsSync(join(repo, 'cats', 'config.pbtxt')));

  const bad = await runCli(['models', 'export-triton', repo, '--config', config, '--name', '../escape'], { cwd });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /E_USAGE: model name "\.\.\/escape"/);
  assert.equal(existsSync(join(cwd, 'escape')), false);
  const missing = await runCli(['models', 'export-triton', '--config', config], { cwd });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /E_USAGE: models export-triton needs a DIR/);
  const help = await runCli(['models', '--help']);
  assert.match(help.stdout, /export-triton DIR/);
});
