/**
 * Trains the head: mini-batch Adam with decoupled weight decay (AdamW), the minority class (normally the positives)
 * oversampled so every epoch is class-balanced, focal loss or class-balanced BCE, and early stopping on the
 * validation loss with the best epoch's weights restored. Inputs are standardised once into one Float32Array, so an
 * epoch is a few tight loops over typed arrays.
 */
import { accumulateRows, forwardRows } from './dense-kernels.js';
import type { ResidualBounds } from '../model/score-combiner.js';
import { HeadModel, type PriorMode, priorLogit } from '../model/head-model.js';
import { adamStep } from './adam.js';
import { classBalanceWeights, createLoss, type LossFn } from './losses.js';
import { auroc } from './metrics.js';
import { createRng } from '../util/rng.js';

export interface Sample {
  readonly embedding: Float32Array;
  /** Backbone probability of the target; required unless priorMode is 'none'. */
  readonly prior?: number;
  readonly label: 0 | 1;
  /** Multiplies the sample's loss (default 1), e.g. to weigh confirmed hard negatives more. */
  readonly weight?: number;
  /** Negative subcategory or data source; not used by training, carried for evaluation. */
  readonly source?: string;
}

export type FitLoss =
  | { readonly kind: 'focal'; readonly alpha: number; readonly gamma: number }
  /** Class weights from the counts the optimiser sees (equal when oversampling); `beta`: see classBalanceWeights. */
  | { readonly kind: 'balanced-bce'; readonly beta?: number };

export interface FitHeadOptions {
  readonly priorMode: PriorMode;
  /** 0 = logistic layer (default). */
  readonly hiddenSize?: number;
  /** Default focal with alpha 0.5 (classes are already balanced by oversampling) and gamma 2. */
  readonly loss?: FitLoss;
  readonly learningRate?: number; // default 3e-3
  readonly batchSize?: number; // default 128
  /** Decoupled weight decay per step, scaled by the learning rate; not applied to biases. Default 1e-4. */
  readonly weightDecay?: number;
  readonly maxEpochs?: number; // default 50
  /** Epochs without a validation-loss improvement of more than minDelta before stopping. Default 5. */
  readonly patience?: number;
  readonly minDelta?: number; // default 1e-4
  readonly oversampleMinority?: boolean; // default true
  readonly priorEpsilon?: number; // default 1e-4
  readonly seed?: number; // default 1
  /**
   * 'offset' mode only: the head's output is bounded around the prior, z = offset + B·tanh(h/B) with B = up or down
   * by the sign of h, as the score combiner applies it (src/score/score-combiner.ts), so training sees the function
   * that will run.
   */
  readonly residualBound?: ResidualBounds;
  readonly onEpoch?: (record: EpochRecord) => void;
}

export interface EpochRecord {
  readonly epoch: number; // 1-based
  /** Mean weighted loss over the epoch's (oversampled) training stream. */
  readonly trainLoss: number;
  /** Class-balanced validation loss: mean of the positives' and the negatives' mean loss. NaN without validation. */
  readonly valLoss: number;
  readonly valAuroc: number;
}

export interface FitHeadResult {
  readonly model: HeadModel;
  readonly history: EpochRecord[];
  /** The epoch whose weights the model holds. */
  readonly bestEpoch: number;
  readonly stoppedEarly: boolean;
}

interface Prepared {
  readonly x: Float32Array;
  readonly offset: Float64Array;
  readonly label: Uint8Array;
  readonly weight: Float64Array;
  readonly count: number;
}

export function fitHead(input: { train: readonly Sample[]; val: readonly Sample[]; options: FitHeadOptions }): FitHeadResult {
  const { train, val, options } = input;
  const lr = options.learningRate ?? 3e-3;
  const batchSize = options.batchSize ?? 128;
  const weightDecay = options.weightDecay ?? 1e-4;
  const maxEpochs = options.maxEpochs ?? 50;
  const patience = options.patience ?? 5;
  const minDelta = options.minDelta ?? 1e-4;
  const oversample = options.oversampleMinority ?? true;
  const lossOption = options.loss ?? { kind: 'focal', alpha: 0.5, gamma: 2 };
  const rng = createRng(options.seed ?? 1);

  if (train.length === 0) throw new RangeError('fitHead needs training samples');
  const positives: number[] = [];
  const negatives: number[] = [];
  train.forEach((s, i) => (s.label === 1 ? positives : negatives).push(i));
  if (positives.length === 0 || negatives.length === 0) {
    throw new RangeError(`fitHead needs both classes, got ${positives.length} positives and ${negatives.length} negatives`);
  }

  const config = {
    embeddingDim: train[0].embedding.length,
    hiddenSize: options.hiddenSize ?? 0,
    priorMode: options.priorMode,
    priorEpsilon: options.priorEpsilon ?? 1e-4,
  };
  const { mean, std } = featureStats(train, config.priorMode, config.priorEpsilon);
  const model = HeadModel.initial(config, mean, std, rng);
  const tr = prepare(model, train);
  const va = prepare(model, val);
  const bound = options.residualBound;
  if (bound !== undefined && !(bound.up > 0 && bound.down > 0 && config.priorMode === 'offset')) throw new RangeError("residualBound needs priorMode 'offset' and bounds > 0");
  const outputOf = (offset: number, raw: number): { z: number; slope: number } => {
    if (bound === undefined) return { z: offset + raw, slope: 1 };
    const b = raw >= 0 ? bound.up : bound.down;
    const t = Math.tanh(raw / b);
    return { z: offset + b * t, slope: 1 - t * t };
  };

  const streamLength = oversample ? 2 * Math.max(positives.length, negatives.length) : train.length;
  const lossFn = trainingLoss(lossOption, oversample, positives.length, negatives.length);
  const valLossFn = lossOption.kind === 'focal' ? lossFn : createLoss({ kind: 'balanced-bce', positiveWeight: 1, negativeWeight: 1 });

  const P = model.params;
  const grad = new Float64Array(P.length);
  const adamM = new Float64Array(P.length);
  const adamV = new Float64Array(P.length);
  const scratch = createScratch(batchSize, config.hiddenSize);
  const best = new Float64Array(P.length);
  const history: EpochRecord[] = [];
  let bestLoss = Infinity;
  let bestEpoch = 0;
  let step = 0;
  let stoppedEarly = false;

  for (let epoch = 1; epoch <= maxEpochs; epoch++) {
    const stream = oversample ? balancedStream(positives, negatives, rng) : rng.shuffle(Uint32Array.from(train.keys()));
    let lossSum = 0;
    for (let start = 0; start < streamLength; start += batchSize) {
      const end = Math.min(streamLength, start + batchSize);
      grad.fill(0);
      lossSum += batchGradient(model, tr, stream, start, end, lossFn, grad, scratch, outputOf);
      step++;
      adamStep({ params: P, grad, m: adamM, v: adamV, step, learningRate: lr, weightDecay, decayRanges: model.layout.weightRanges, gradScale: 1 / (end - start) });
    }
    const record = { epoch, trainLoss: lossSum / streamLength, ...validate(model, va, valLossFn, outputOf) };
    history.push(record);
    options.onEpoch?.(record);

    if (va.count === 0 || record.valLoss < bestLoss - minDelta) {
      bestLoss = va.count === 0 ? bestLoss : record.valLoss;
      bestEpoch = epoch;
      best.set(P);
    } else if (epoch - bestEpoch >= patience) {
      stoppedEarly = true;
      break;
    }
  }
  P.set(best);
  return { model, history, bestEpoch, stoppedEarly };
}

/** Mean and standard deviation of every input feature over the training samples; constant features get std 1. */
function featureStats(samples: readonly Sample[], priorMode: PriorMode, priorEpsilon: number): { mean: Float64Array; std: Float64Array } {
  const d = samples[0].embedding.length;
  const n = d + (priorMode === 'feature' ? 1 : 0);
  const sum = new Float64Array(n);
  const sumSq = new Float64Array(n);
  for (const s of samples) {
    if (s.embedding.length !== d) throw new RangeError(`embeddings differ in length: ${s.embedding.length} vs ${d}`);
    for (let i = 0; i < d; i++) {
      const v = s.embedding[i];
      sum[i] += v;
      sumSq[i] += v * v;
    }
    if (priorMode === 'feature') {
      if (s.prior === undefined) throw new TypeError("priorMode 'feature' needs a prior on every sample");
      const z = priorLogit(s.prior, priorEpsilon);
      sum[d] += z;
      sumSq[d] += z * z;
    }
  }
  const mean = new Float64Array(n);
  const std = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    mean[i] = sum[i] / samples.length;
    const variance = Math.max(0, sumSq[i] / samples.length - mean[i] * mean[i]);
    std[i] = variance > 1e-12 ? Math.sqrt(variance) : 1;
  }
  return { mean, std };
}

function prepare(model: HeadModel, samples: readonly Sample[]): Prepared {
  const n = model.inputDim;
  const x = new Float32Array(samples.length * n);
  const offset = new Float64Array(samples.length);
  const label = new Uint8Array(samples.length);
  const weight = new Float64Array(samples.length);
  samples.forEach((s, i) => {
    if (s.label !== 0 && s.label !== 1) throw new RangeError(`sample ${i} label must be 0 or 1, got ${String(s.label)}`);
    const w = s.weight ?? 1;
    if (!(w >= 0 && Number.isFinite(w))) throw new RangeError(`sample ${i} weight must be finite and >= 0, got ${w}`);
    model.standardise(s.embedding, s.prior, x, i * n);
    offset[i] = model.outputOffset(s.prior);
    label[i] = s.label;
    weight[i] = w;
  });
  return { x, offset, label, weight, count: samples.length };
}

function trainingLoss(option: FitLoss, oversample: boolean, positives: number, negatives: number): LossFn {
  if (option.kind === 'focal') return createLoss(option);
  // When oversampling, the optimiser sees both classes equally often, so the balanced weights are equal.
  const counts = oversample ? [1, 1] : [positives, negatives];
  return createLoss({ kind: 'balanced-bce', ...classBalanceWeights(counts[0], counts[1], oversample ? undefined : option.beta) });
}

/** The majority class once plus the minority class repeated (whole copies, then a random remainder), shuffled. */
function balancedStream(positives: readonly number[], negatives: readonly number[], rng: ReturnType<typeof createRng>): Uint32Array {
  const [major, minor] = positives.length >= negatives.length ? [positives, negatives] : [negatives, positives];
  const out = new Uint32Array(2 * major.length);
  out.set(major, 0);
  let k = major.length;
  while (k + minor.length <= out.length) {
    out.set(minor, k);
    k += minor.length;
  }
  const rest = rng.shuffle(minor.slice());
  for (let i = 0; k < out.length; i++) out[k++] = rest[i];
  return rng.shuffle(out);
}

/** Reused per-batch buffers of the forward/backward pass. */
interface BatchScratch {
  readonly xOffsets: Int32Array;
  /** Pre-activations, then activations (MLP: batch x hidden; logistic: batch x 1). */
  readonly act: Float64Array;
  /** dLoss/d(pre-activation) per sample and unit. */
  readonly delta: Float64Array;
}

function createScratch(batchSize: number, hiddenSize: number): BatchScratch {
  const width = Math.max(1, hiddenSize);
  return { xOffsets: new Int32Array(batchSize), act: new Float64Array(batchSize * width), delta: new Float64Array(batchSize * width) };
}

/**
 * Forward and backward pass of the samples stream[start .. end); adds the summed weighted gradient to `grad` and
 * returns the summed weighted loss.
 */
type OutputFn = (offset: number, raw: number) => { z: number; slope: number };

function batchGradient(
  model: HeadModel, data: Prepared, stream: Uint32Array, start: number, end: number,
  lossFn: LossFn, grad: Float64Array, s: BatchScratch, outputOf: OutputFn,
): number {
  const n = model.inputDim;
  const H = model.config.hiddenSize;
  const rows = Math.max(1, H);
  const L = model.layout;
  const P = model.params;
  const count = end - start;
  for (let b = 0; b < count; b++) s.xOffsets[b] = stream[start + b] * n;
  forwardRows(P, L.w1, rows, n, data.x, s.xOffsets, count, s.act);
  let lossSum = 0;
  for (let b = 0; b < count; b++) {
    const i = stream[start + b];
    const base = b * rows;
    let raw = 0;
    if (H === 0) raw = s.act[base] + P[L.b1];
    else {
      raw = P[L.b2];
      for (let j = 0; j < H; j++) {
        const a = s.act[base + j] + P[L.b1 + j];
        const h = a > 0 ? a : 0;
        s.act[base + j] = h;
        raw += P[L.w2 + j] * h;
      }
    }
    const out = outputOf(data.offset[i], raw);
    const { loss, dLogit } = lossFn(out.z, data.label[i] as 0 | 1);
    const w = data.weight[i];
    const g = dLogit * w * out.slope;
    lossSum += loss * w;
    if (H === 0) {
      s.delta[base] = g;
      grad[L.b1] += g;
      continue;
    }
    grad[L.b2] += g;
    for (let j = 0; j < H; j++) {
      const h = s.act[base + j];
      grad[L.w2 + j] += g * h;
      const d = h > 0 ? g * P[L.w2 + j] : 0;
      s.delta[base + j] = d;
      grad[L.b1 + j] += d;
    }
  }
  accumulateRows(grad, L.w1, rows, n, data.x, s.xOffsets, count, s.delta);
  return lossSum;
}

function validate(model: HeadModel, data: Prepared, lossFn: LossFn, outputOf: OutputFn): { valLoss: number; valAuroc: number } {
  if (data.count === 0) return { valLoss: NaN, valAuroc: NaN };
  const logits = new Float64Array(data.count);
  const sum = [0, 0];
  const weightSum = [0, 0];
  for (let i = 0; i < data.count; i++) {
    const y = data.label[i] as 0 | 1;
    logits[i] = outputOf(data.offset[i], model.logitStandardised(data.x, i * model.inputDim, 0)).z;
    sum[y] += lossFn(logits[i], y).loss * data.weight[i];
    weightSum[y] += data.weight[i];
  }
  const means = [0, 1].filter((y) => weightSum[y] > 0).map((y) => sum[y] / weightSum[y]);
  return { valLoss: means.reduce((a, b) => a + b, 0) / means.length, valAuroc: auroc(logits, data.label) };
}
