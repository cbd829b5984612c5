/**
 * Opens an ONNX Runtime session on the first execution provider that works, from a list in order of preference.
 * CUDA and TensorRT exist only where onnxruntime-node's GPU provider libraries are installed (and a GPU with its
 * drivers is present); everywhere else they fail at session creation. A failed provider is logged with its reason
 * and the next one is tried; CPU, which is built into every onnxruntime-node, is always the last resort, so a GPU
 * setting never stops a CPU-only host from running.
 */
import * as ort from 'onnxruntime-node';
import type { Logger } from '../util/log.js';
import { errorMessage } from '../util/errors.js';

export type ExecutionProviderName = 'cuda' | 'tensorrt' | 'cpu';

export interface OnnxSessionDeps {
  /** Path of the .onnx file, or its bytes (e.g. after adding graph outputs). */
  readonly model: string | Uint8Array;
  readonly log: Logger;
  /** In order of preference; default `['cpu']`. CPU is the last resort whether listed or not. */
  readonly executionProviders?: readonly ExecutionProviderName[];
  /** Threads for one inference; default: onnxruntime's choice (one per physical core). */
  readonly intraOpNumThreads?: number;
  /**
   * Runs once on each candidate session before it is accepted: a GPU provider can register fine and still fail on
   * the first inference (missing kernel libraries, out of memory); such a failure moves on to the next provider.
   */
  readonly warmup?: (session: ort.InferenceSession) => Promise<void>;
}

export interface OnnxSession {
  readonly session: ort.InferenceSession;
  /** The provider that was accepted. */
  readonly executionProvider: ExecutionProviderName;
  /** For `Backbone.runtime`: `onnxruntime-cpu`, `onnxruntime-cuda`, `onnxruntime-tensorrt`. */
  readonly runtime: string;
}

export async function createOnnxSession(deps: OnnxSessionDeps): Promise<OnnxSession> {
  const requested = deps.executionProviders ?? ['cpu'];
  const cpuAt = requested.indexOf('cpu');
  // Providers listed after CPU can never be reached: CPU always works.
  const gpuProviders = [...new Set(cpuAt === -1 ? requested : requested.slice(0, cpuAt))];
  for (let i = 0; i < gpuProviders.length; i++) {
    const provider = gpuProviders[i];
    // The GPU providers after this one are registered too, so that TensorRT hands the nodes it cannot take to CUDA
    // rather than straight to CPU (ONNX Runtime itself always adds CPU last).
    const providers = gpuProviders.slice(i);
    let session: ort.InferenceSession | undefined;
    try {
      session = await createSession(deps, providers);
      if (deps.warmup) await deps.warmup(session);
      return { session, executionProvider: provider, runtime: `onnxruntime-${provider}` };
    } catch (err) {
      // The creation or warm-up error is the one worth reporting; a failing release adds nothing to it.
      if (session) await session.release().catch(() => undefined);
      const next = gpuProviders[i + 1] ?? 'cpu';
      deps.log.warn({ provider, next, reason: errorMessage(err) }, 'onnx execution provider unavailable, falling back');
    }
  }
  const session = await createSession(deps, ['cpu']);
  try {
    if (deps.warmup) await deps.warmup(session);
  } catch (err) {
    await session.release().catch(() => undefined);
    throw err;
  }
  return { session, executionProvider: 'cpu', runtime: 'onnxruntime-cpu' };
}

function createSession(deps: OnnxSessionDeps, providers: readonly ExecutionProviderName[]): Promise<ort.InferenceSession> {
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: [...providers],
    graphOptimizationLevel: 'all',
    // Operators run in order, each spread over the intra-op threads; more throughput comes from worker threads
    // (docs/architecture.md, "score"), so no inter-op pool is needed.
    executionMode: 'sequential',
    interOpNumThreads: 1,
    ...(deps.intraOpNumThreads === undefined ? {} : { intraOpNumThreads: deps.intraOpNumThreads }),
  };
  // Two overloads of create(): TypeScript cannot pass the union to either directly.
  return typeof deps.model === 'string'
    ? ort.InferenceSession.create(deps.model, options)
    : ort.InferenceSession.create(deps.model, options);
}
