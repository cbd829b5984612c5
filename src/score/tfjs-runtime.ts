/**
 * Picks the TensorFlow.js runtime for tfjs backbones: `@tensorflow/tfjs-node-gpu` when installed and working, then
 * `@tensorflow/tfjs-node`, else the WebAssembly backend that ships with catwatch. The two native packages are not
 * dependencies of catwatch (their install downloads a libtensorflow build of its own): a user who wants them runs
 * `npm install @tensorflow/tfjs-node` (or `-gpu`) beside it. Each candidate that does not load is logged with its
 * reason and the next one is tried, so a broken or absent GPU runtime never stops a start.
 *
 * All copies of tfjs-core in one thread share one engine (it lives on globalThis), so one thread runs one runtime;
 * catwatch runs one backbone per worker thread, each with its own globals.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as TfCore from '@tensorflow/tfjs-core';
import type { loadGraphModel } from '@tensorflow/tfjs-converter';
import type { Logger } from '../util/log.js';
import { errorMessage } from '../util/errors.js';

export type TfjsPreference = 'auto' | 'gpu' | 'node' | 'wasm';
export type TfjsBackendName = 'tfjs-node-gpu' | 'tfjs-node' | 'tfjs-wasm';

/** The part of the tfjs API that backbones use: tfjs-core plus the graph-model loader of tfjs-converter. */
export type Tfjs = typeof TfCore & { readonly loadGraphModel: typeof loadGraphModel };

export interface TfjsRuntime {
  readonly tf: Tfjs;
  readonly backend: TfjsBackendName;
}

export interface LoadTfjsOptions {
  /** auto and gpu: node-gpu, node, wasm; node: node, wasm; wasm: wasm only. Default auto. */
  readonly prefer?: TfjsPreference;
  readonly log: Logger;
  /**
   * Threads for the WebAssembly backend. tfjs 4.9 turns the multithreaded wasm build off under Node, so this takes
   * effect only where tfjs reports thread support; the count in use is logged.
   */
  readonly wasmThreads?: number;
}

const CANDIDATES: Record<TfjsPreference, readonly TfjsBackendName[]> = {
  auto: ['tfjs-node-gpu', 'tfjs-node', 'tfjs-wasm'],
  gpu: ['tfjs-node-gpu', 'tfjs-node', 'tfjs-wasm'],
  node: ['tfjs-node', 'tfjs-wasm'],
  wasm: ['tfjs-wasm'],
};

const NATIVE_PACKAGES = { 'tfjs-node-gpu': '@tensorflow/tfjs-node-gpu', 'tfjs-node': '@tensorflow/tfjs-node' } as const;

export async function loadTfjs(options: LoadTfjsOptions): Promise<TfjsRuntime> {
  const prefer = options.prefer ?? 'auto';
  const { log } = options;
  const candidates = CANDIDATES[prefer];
  const reasons: string[] = [];
  for (const [i, backend] of candidates.entries()) {
    try {
      const runtime = backend === 'tfjs-wasm' ? await loadWasm(log, options.wasmThreads) : await loadNative(backend);
      log.info({ backend, prefer, tfjsVersion: runtime.tf.version_core, tfBackend: runtime.tf.getBackend() }, 'tfjs runtime selected');
      return runtime;
    } catch (err) {
      const reason = errorMessage(err);
      reasons.push(`${backend}: ${reason}`);
      const next = candidates[i + 1];
      if (next === undefined) break;
      // Under auto an optional package that is simply not installed is the normal case, not a fault worth a
      // warning on every start; a package that is installed but fails, or one asked for by name, is.
      const level = prefer === 'auto' && isNotInstalled(err, backend) ? 'info' : 'warn';
      log[level]({ backend, next, reason }, 'tfjs runtime unavailable, falling back');
    }
  }
  throw new Error(`no TensorFlow.js runtime could be loaded (${reasons.join('; ')})`);
}

async function loadNative(backend: keyof typeof NATIVE_PACKAGES): Promise<TfjsRuntime> {
  const pkg: string = NATIVE_PACKAGES[backend];
  // A plain string variable keeps TypeScript from resolving a package that is deliberately not a dependency.
  const ns = (await import(pkg)) as Tfjs & { default?: Tfjs };
  // CommonJS module: its full exports object is `default`; the named exports Node detects may be incomplete.
  const tf = ns.default ?? ns;
  await tf.ready();
  if (tf.getBackend() !== 'tensorflow') throw new Error(`${pkg} loaded but the active tfjs backend is '${tf.getBackend()}'`);
  // Loading libtensorflow can succeed while running a kernel fails (e.g. a CUDA library that is missing or too old).
  tf.tidy(() => tf.matMul(tf.ones([2, 2]), tf.ones([2, 2])).dataSync());
  return { tf, backend };
}

async function loadWasm(log: Logger, threads: number | undefined): Promise<TfjsRuntime> {
  const [core, converter, wasm] = await Promise.all([
    import('@tensorflow/tfjs-core'),
    import('@tensorflow/tfjs-converter'),
    import('@tensorflow/tfjs-backend-wasm'),
  ]);
  // The .wasm binaries are read from the installed package (a directory prefix ending in '/'), never fetched.
  const require = createRequire(import.meta.url);
  wasm.setWasmPaths(`${join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')}/`);
  if (threads !== undefined) wasm.setThreadsCount(threads);
  if (!(await core.setBackend('wasm'))) throw new Error('the tfjs WebAssembly backend failed to initialise');
  await core.ready();
  log.debug({ threadsRequested: threads, threads: wasm.getThreadsCount() }, 'tfjs wasm backend ready');
  const tf: Tfjs = { ...core, loadGraphModel: converter.loadGraphModel };
  return { tf, backend: 'tfjs-wasm' };
}

function isNotInstalled(err: unknown, backend: TfjsBackendName): boolean {
  if (backend === 'tfjs-wasm') return false;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && errorMessage(err).includes(NATIVE_PACKAGES[backend]);
}
