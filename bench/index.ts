/**
 * `npm run bench`: runs the benchmark scripts one after another, or those named on the command line:
 *   npm run bench                                   every benchmark, in the order below
 *   npm run bench -- model-study onnx-prior         a subset
 *   npm run bench -- model-study -- --seeds 3       arguments after a second `--` go to each selected script
 *   npm run bench -- --list                         the names
 * Each script runs in its own Node process: they are plain scripts that run on import and parse their own argv,
 * so a child process gives each its argv, memory and exit status unchanged. Results stay on stdout (JSON lines or
 * markdown, as each script prints them); the runner's own lines go to stderr. Exit 1 when any script failed.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Bench { name: string; summary: string; /** Runs only when named: it writes files, it measures nothing. */ onlyWhenNamed?: boolean }

const BENCHES: readonly Bench[] = [
  { name: 'backbone-cost', summary: 'per-region cost of every backbone/runtime (one thread, batch 1/4/8) and regions/s of the scoring pool' },
  { name: 'objectron-prior', summary: 'speed and zero-shot Cat prior of the npm-shipped Open Images detector' },
  { name: 'triton', summary: 'objectron through a KServe v2 server (the fake one, CPU, own process) vs local, one thread: regions/s, ms per request (round trip vs server), bytes per region' },
  { name: 'onnx-prior', summary: 'speed and zero-shot ImageNet cat prior of MobileNetV2 int8 (ONNX Runtime)' },
  { name: 'tfjs-prior', summary: 'speed and zero-shot COCO cat prior of CenterNet MobileNetV3 (TensorFlow.js) per input size' },
  { name: 'motion-vs-frigate', summary: 'catwatch motion gating vs a re-implementation of Frigate\'s detector on the shared clips plus a flash, IR switch and shadow: ms/frame, model calls, cat-box recall' },
  { name: 'camera-conditions', summary: 'brightness, contrast, noise, sharpness and colour of the shared clips (IR night, dusk, daylight) against dev photos under each camera condition of training' },
  { name: 'framing', summary: 'full frame stretched / letterboxed / 2 tiles, and motion-region margins 1.4x-2x: cat and no-cat frames at the threshold, on the shared clips' },
  { name: 'motion', summary: 'motion detection cost per 640x360 frame, static and moving' },
  { name: 'head-training', summary: 'time to train the head (logistic and MLP) on synthetic 1280-d data' },
  { name: 'bundle-model', onlyWhenNamed: true, summary: 'rebuilds models/<backbone>/ (head, manifest, shipped dataset) from ../shared/data/dev: -- --backbone objectron|mobilenetv2-12-int8|centernet' },
  { name: 'generalisation', summary: 'leave-one-source-out study of prior / head / combined per backbone; writes bench/results/generalisation.md and the README table' },
  { name: 'footage', summary: 'decisions on the shared clips: leave-one-source-out operating point (false tracks on cat-free clips, cat clips found, time to first event), every clip replayed at the shipped point vs the photo threshold, photo figures (-- --write stores the point in the bundled manifest)' },
  { name: 'mining-rounds', summary: 'run → mine → label → retrain → replay, 3 rounds on the shared clips: false events per camera-hour, cat-event recall (-- --smoke: one short round)' },
  { name: 'pipeline', summary: 'catwatch run with 1, 4, 16, 32 RTSP cameras of 640x360 @ 5 fps, motion gating on/off: fps, regions/s, latency, CPU' },
];

function runScript(bench: Bench, args: readonly string[]): Promise<number> {
  const file = join(dirname(fileURLToPath(import.meta.url)), `${bench.name}.js`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file, ...args], { stdio: 'inherit' });
    child.on('error', (err) => {
      process.stderr.write(`bench ${bench.name}: ${err.message}\n`);
      resolve(1);
    });
    child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function main(argv: readonly string[]): Promise<number> {
  const cut = argv.indexOf('--');
  const names = cut >= 0 ? argv.slice(0, cut) : argv;
  const args = cut >= 0 ? argv.slice(cut + 1) : [];
  if (names.includes('--list') || names.includes('--help') || names.includes('-h')) {
    process.stdout.write(`Usage: npm run bench [-- NAME... [-- ARGS...]]\n\n${BENCHES.map((b) => `  ${b.name.padEnd(16)} ${b.summary}`).join('\n')}\n`);
    return 0;
  }
  const unknown = names.filter((n) => !BENCHES.some((b) => b.name === n));
  if (unknown.length > 0) {
    process.stderr.write(`unknown benchmark ${unknown.join(', ')}; known: ${BENCHES.map((b) => b.name).join(', ')}\n`);
    return 2;
  }
  const selected = names.length > 0 ? BENCHES.filter((b) => names.includes(b.name)) : BENCHES.filter((b) => !b.onlyWhenNamed);
  const summary: string[] = [];
  let failed = 0;
  for (const bench of selected) {
    process.stderr.write(`\n== bench ${bench.name}${args.length ? ` ${args.join(' ')}` : ''}\n`);
    const started = performance.now();
    const code = await runScript(bench, args);
    if (code !== 0) failed++;
    summary.push(`${bench.name.padEnd(16)} ${code === 0 ? 'ok    ' : `exit ${code}`} ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  process.stderr.write(`\n== bench summary\n${summary.join('\n')}\n`);
  return failed > 0 ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
