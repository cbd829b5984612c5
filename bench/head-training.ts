/**
 * Benchmark: time to train the head on 10k random samples of 1280-d (MobileNetV2's embedding size), logistic and
 * MLP, on the current thread. The data has a weak linear signal so training runs its course rather than stopping at
 * once. Usage: node dist/bench/head-training.js [--samples 10000] [--dim 1280] [--hidden 0,16,32,64] [--epochs 10]
 * Prints one JSON line per configuration.
 */
import { parseArgs } from 'node:util';
import { fitHead, type Sample } from '../src/train/fit-head.js';
import { auroc } from '../src/train/metrics.js';
import { createRng, type Rng } from '../src/util/rng.js';

const { values } = parseArgs({
  options: {
    samples: { type: 'string', default: '10000' },
    dim: { type: 'string', default: '1280' },
    hidden: { type: 'string', default: '0,16,32,64' },
    epochs: { type: 'string', default: '10' },
    'positive-rate': { type: 'string', default: '0.1' },
  },
});
const sampleCount = Number(values.samples);
const dim = Number(values.dim);
const epochs = Number(values.epochs);
const positiveRate = Number(values['positive-rate']);

function makeSamples(rng: Rng, count: number, direction: Float64Array): Sample[] {
  return Array.from({ length: count }, () => {
    const label = (rng.next() < positiveRate ? 1 : 0) as 0 | 1;
    const embedding = new Float32Array(dim);
    // Non-negative like a pooled ReLU embedding; positives shifted along `direction`.
    for (let i = 0; i < dim; i++) embedding[i] = Math.max(0, rng.normal() + label * direction[i]);
    const prior = 1 / (1 + Math.exp(-(2 * label - 1 + 2 * rng.normal())));
    return { embedding, prior, label };
  });
}

const rng = createRng(1);
const direction = Float64Array.from({ length: dim }, () => (rng.normal() * 3) / Math.sqrt(dim));
const tData0 = performance.now();
const train = makeSamples(rng, sampleCount, direction);
const val = makeSamples(rng, Math.round(sampleCount / 5), direction);
const dataMs = performance.now() - tData0;

for (const hiddenSize of values.hidden.split(',').map(Number)) {
  const epochMs: number[] = [];
  let last = performance.now();
  const t0 = last;
  const cpu0 = process.cpuUsage();
  const result = fitHead({
    train,
    val,
    options: {
      priorMode: 'offset',
      hiddenSize,
      maxEpochs: epochs,
      patience: epochs, // time a fixed number of epochs
      seed: 2,
      onEpoch: () => {
        const now = performance.now();
        epochMs.push(now - last);
        last = now;
      },
    },
  });
  const totalMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const valAuroc = auroc(val.map((s) => result.model.predictLogit(s.embedding, s.prior)), val.map((s) => s.label));
  const predictStart = performance.now();
  for (const s of val) result.model.predictLogit(s.embedding, s.prior);
  const predictUs = ((performance.now() - predictStart) * 1000) / val.length;
  process.stdout.write(JSON.stringify({
    model: hiddenSize === 0 ? 'logistic' : `mlp-${hiddenSize}`,
    samples: sampleCount,
    dim,
    positives: train.filter((s) => s.label === 1).length,
    epochs: result.history.length,
    samplesPerEpoch: 2 * train.filter((s) => s.label === 0).length,
    totalMs: Math.round(totalMs),
    // CPU time of this process: closer to the cost on an idle core when the machine is shared.
    totalCpuMs: Math.round((cpu.user + cpu.system) / 1000),
    medianEpochMs: Math.round([...epochMs].sort((a, b) => a - b)[Math.floor(epochMs.length / 2)]),
    firstEpochMs: Math.round(epochMs[0]), // includes standardising the data into one matrix
    valAuroc: Number(valAuroc.toFixed(4)),
    predictUsPerSample: Number(predictUs.toFixed(1)),
    dataGenMs: Math.round(dataMs),
  }) + '\n');
}
