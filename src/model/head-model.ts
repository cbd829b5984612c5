/**
 * The trained head: a logistic layer (hiddenSize 0) or a one-hidden-layer ReLU MLP over the standardised input
 * [embedding..., logit(prior)?]. The backbone's prior enters in one of three ways (`priorMode`):
 * - 'feature': logit(prior) is one more (standardised) input, the head decides how much to trust it;
 * - 'offset':  output = logit(prior) + head(embedding), so the head only learns corrections to the prior;
 * - 'none':    the backbone has no prior, the head sees the embedding alone.
 * All parameters live in one flat Float64Array (layout below) so the optimiser and serialisation treat them as one
 * vector; JSON numbers round-trip float64 exactly, so a reloaded model predicts bit-identically.
 */
import type { Rng } from '../util/rng.js';

export type PriorMode = 'none' | 'feature' | 'offset';

export interface HeadConfig {
  readonly embeddingDim: number;
  /** 0 = logistic layer; > 0 = one hidden ReLU layer of this many units. */
  readonly hiddenSize: number;
  readonly priorMode: PriorMode;
  /** The prior is clipped to [eps, 1 - eps] before the logit, bounding it to about ±ln(1/eps). */
  readonly priorEpsilon: number;
}

export interface HeadModelJson {
  readonly format: 'catwatch-head/v1';
  readonly embeddingDim: number;
  readonly hiddenSize: number;
  readonly priorMode: PriorMode;
  readonly priorEpsilon: number;
  readonly featureMean: number[];
  readonly featureStd: number[];
  readonly params: number[];
}

/**
 * Offsets into `params`. Logistic: w[inputDim] then b. MLP: W1[hidden][inputDim] (row per unit), b1[hidden],
 * w2[hidden], b2. `weightRanges` are the [start, end) spans that take weight decay (biases do not).
 */
export interface ParamLayout {
  readonly w1: number;
  readonly b1: number;
  readonly w2: number;
  readonly b2: number;
  readonly size: number;
  readonly weightRanges: ReadonlyArray<readonly [number, number]>;
}

export function priorLogit(prior: number, epsilon: number): number {
  if (!Number.isFinite(prior)) throw new RangeError(`prior must be a finite probability, got ${prior}`);
  const p = Math.min(1 - epsilon, Math.max(epsilon, prior));
  return Math.log(p) - Math.log1p(-p);
}

export function paramLayout(inputDim: number, hiddenSize: number): ParamLayout {
  if (hiddenSize === 0) {
    return { w1: 0, b1: inputDim, w2: inputDim, b2: inputDim, size: inputDim + 1, weightRanges: [[0, inputDim]] };
  }
  const b1 = hiddenSize * inputDim;
  const w2 = b1 + hiddenSize;
  const b2 = w2 + hiddenSize;
  return { w1: 0, b1, w2, b2, size: b2 + 1, weightRanges: [[0, b1], [w2, b2]] };
}

export class HeadModel {
  readonly inputDim: number;
  readonly layout: ParamLayout;
  private scratchInput: Float32Array | undefined;
  private scratchHidden: Float64Array | undefined;

  constructor(
    readonly config: HeadConfig,
    /** Per input feature (embedding dims, then the prior feature in 'feature' mode). */
    readonly featureMean: Float64Array,
    readonly featureStd: Float64Array,
    readonly params: Float64Array,
  ) {
    validateConfig(config);
    this.inputDim = config.embeddingDim + (config.priorMode === 'feature' ? 1 : 0);
    this.layout = paramLayout(this.inputDim, config.hiddenSize);
    if (featureMean.length !== this.inputDim || featureStd.length !== this.inputDim) {
      throw new RangeError(`feature stats have ${featureMean.length}/${featureStd.length} entries, expected ${this.inputDim}`);
    }
    if (params.length !== this.layout.size) throw new RangeError(`params have ${params.length} entries, expected ${this.layout.size}`);
  }

  /**
   * A fresh model: hidden weights He-initialised, output layer zero, so training starts from logit 0 ('none',
   * 'feature') or from the prior itself ('offset').
   */
  static initial(config: HeadConfig, featureMean: Float64Array, featureStd: Float64Array, rng: Rng): HeadModel {
    const inputDim = config.embeddingDim + (config.priorMode === 'feature' ? 1 : 0);
    const layout = paramLayout(inputDim, config.hiddenSize);
    const params = new Float64Array(layout.size);
    if (config.hiddenSize > 0) {
      const scale = Math.sqrt(2 / inputDim);
      for (let i = layout.w1; i < layout.b1; i++) params[i] = rng.normal() * scale;
    }
    return new HeadModel(config, featureMean, featureStd, params);
  }

  /** The additive output offset of a sample: logit(prior) in 'offset' mode, else 0. */
  outputOffset(prior: number | undefined): number {
    if (this.config.priorMode !== 'offset') return 0;
    return priorLogit(this.requirePrior(prior), this.config.priorEpsilon);
  }

  /** Writes the standardised input vector of one sample into out[outOffset .. outOffset + inputDim). */
  standardise(embedding: Float32Array, prior: number | undefined, out: Float32Array, outOffset: number): void {
    const d = this.config.embeddingDim;
    if (embedding.length !== d) throw new RangeError(`embedding has ${embedding.length} dims, head expects ${d}`);
    const mean = this.featureMean;
    const std = this.featureStd;
    for (let i = 0; i < d; i++) out[outOffset + i] = (embedding[i] - mean[i]) / std[i];
    if (this.config.priorMode === 'feature') {
      const z = priorLogit(this.requirePrior(prior), this.config.priorEpsilon);
      out[outOffset + d] = (z - mean[d]) / std[d];
    }
  }

  /**
   * Logit of a standardised input at x[xOffset ..]. When `hidden` is given, the post-ReLU hidden activations are
   * left in it (the trainer needs them for the backward pass).
   */
  logitStandardised(x: Float32Array, xOffset: number, offset: number, hidden?: Float64Array): number {
    const p = this.params;
    const n = this.inputDim;
    const L = this.layout;
    if (this.config.hiddenSize === 0) return offset + p[L.b1] + dot(p, L.w1, x, xOffset, n);
    const h = hidden ?? (this.scratchHidden ??= new Float64Array(this.config.hiddenSize));
    let z = offset + p[L.b2];
    for (let j = 0; j < this.config.hiddenSize; j++) {
      const a = p[L.b1 + j] + dot(p, L.w1 + j * n, x, xOffset, n);
      const r = a > 0 ? a : 0;
      h[j] = r;
      z += p[L.w2 + j] * r;
    }
    return z;
  }

  /** The head's logit for one sample; `prior` is required unless priorMode is 'none'. */
  predictLogit(embedding: Float32Array, prior?: number): number {
    const x = (this.scratchInput ??= new Float32Array(this.inputDim));
    this.standardise(embedding, prior, x, 0);
    return this.logitStandardised(x, 0, this.outputOffset(prior));
  }

  /** The head's own part of the logit, without the 'offset' mode's logit(prior): a residual head's correction. */
  residualLogit(embedding: Float32Array, prior?: number): number {
    const x = (this.scratchInput ??= new Float32Array(this.inputDim));
    this.standardise(embedding, prior, x, 0);
    return this.logitStandardised(x, 0, 0);
  }

  toJSON(): HeadModelJson {
    return {
      format: 'catwatch-head/v1',
      embeddingDim: this.config.embeddingDim,
      hiddenSize: this.config.hiddenSize,
      priorMode: this.config.priorMode,
      priorEpsilon: this.config.priorEpsilon,
      featureMean: Array.from(this.featureMean),
      featureStd: Array.from(this.featureStd),
      params: Array.from(this.params),
    };
  }

  static fromJSON(json: HeadModelJson): HeadModel {
    if (json.format !== 'catwatch-head/v1') throw new TypeError(`unknown head format ${String(json.format)}`);
    for (const key of ['featureMean', 'featureStd', 'params'] as const) {
      if (!Array.isArray(json[key]) || !json[key].every(Number.isFinite)) throw new TypeError(`head JSON ${key} must be finite numbers`);
    }
    const config: HeadConfig = {
      embeddingDim: json.embeddingDim,
      hiddenSize: json.hiddenSize,
      priorMode: json.priorMode,
      priorEpsilon: json.priorEpsilon,
    };
    return new HeadModel(config, Float64Array.from(json.featureMean), Float64Array.from(json.featureStd), Float64Array.from(json.params));
  }

  private requirePrior(prior: number | undefined): number {
    if (prior === undefined) throw new TypeError(`head with priorMode '${this.config.priorMode}' needs a prior for every sample`);
    return prior;
  }
}

function validateConfig(c: HeadConfig): void {
  if (!Number.isInteger(c.embeddingDim) || c.embeddingDim < 1) throw new RangeError(`embeddingDim must be a positive integer, got ${c.embeddingDim}`);
  if (!Number.isInteger(c.hiddenSize) || c.hiddenSize < 0) throw new RangeError(`hiddenSize must be an integer >= 0, got ${c.hiddenSize}`);
  if (c.priorMode !== 'none' && c.priorMode !== 'feature' && c.priorMode !== 'offset') throw new RangeError(`unknown priorMode ${String(c.priorMode)}`);
  if (!(c.priorEpsilon > 0 && c.priorEpsilon < 0.5)) throw new RangeError(`priorEpsilon must be in (0, 0.5), got ${c.priorEpsilon}`);
}

/** w[wOffset ..] · x[xOffset ..] over n entries; four accumulators so V8 can keep the loop pipelined. */
export function dot(w: Float64Array, wOffset: number, x: Float32Array, xOffset: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    s0 += w[wOffset + i] * x[xOffset + i];
    s1 += w[wOffset + i + 1] * x[xOffset + i + 1];
    s2 += w[wOffset + i + 2] * x[xOffset + i + 2];
    s3 += w[wOffset + i + 3] * x[xOffset + i + 3];
  }
  for (; i < n; i++) s0 += w[wOffset + i] * x[xOffset + i];
  return s0 + s1 + s2 + s3;
}
