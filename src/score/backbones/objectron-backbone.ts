/**
 * The offline default backbone: the SSD-MobileNetV2 Open Images detector shipped in `@mediapipe/objectron`.
 * It runs on ONNX Runtime (converted at load) unless the config asks for tflite-wasm or the conversion or ONNX
 * Runtime fails; then it runs on the WebAssembly TFLite interpreter, logged with the reason. Both produce the same
 * numbers (test/integration/objectron-numerics.test.ts), so the id, and every head trained on it, is the same.
 */
import type { Logger } from '../../util/log.js';
import { errorMessage } from '../../util/errors.js';
import type { Backbone } from '../../model/backbone.js';
import { BACKBONE_CATALOGUE } from '../../model/backbone-catalogue.js';
import type { ExecutionProviderName } from '../onnx-session.js';
import {
  OBJECTRON_EMBEDDING_DIM, OBJECTRON_VERSION, objectronPixels, readObjectronAssets, summariseObjectron, type ObjectronRunner,
} from './objectron-assets.js';

export type ObjectronEngine = 'auto' | 'onnxruntime' | 'tflite-wasm';

export interface ObjectronBackboneDeps {
  readonly log: Logger;
  /** auto (default) and onnxruntime convert to ONNX and fall back to tflite-wasm when that fails. */
  readonly engine?: ObjectronEngine;
  readonly executionProviders?: readonly ExecutionProviderName[];
  /** Threads per inference. */
  readonly numThreads?: number;
  /** The .tflite bytes instead of the npm package's (tests feed altered models). */
  readonly model?: Uint8Array;
}

export const OBJECTRON_ID = `${BACKBONE_CATALOGUE.objectron.idPrefix}${OBJECTRON_VERSION}`;

export async function createObjectronBackbone(deps: ObjectronBackboneDeps): Promise<Backbone> {
  const log = deps.log.child({ backbone: 'objectron' });
  const assets = await readObjectronAssets();
  const model = deps.model ?? assets.model;
  const runner = await openRunner({ ...deps, log, model });
  let closed = false;
  log.info({ runtime: runner.runtime, modelBytes: model.length, numThreads: deps.numThreads ?? 1 }, 'backbone loaded');
  return {
    id: OBJECTRON_ID,
    runtime: runner.runtime,
    embeddingDim: OBJECTRON_EMBEDDING_DIM,
    hasPrior: true,
    async embed(images) {
      if (closed) throw new Error('objectron backbone used after close()');
      const raw = await runner.run(objectronPixels(images));
      return raw.map((r) => summariseObjectron(r, assets.targetClass));
    },
    async close() {
      if (closed) return;
      closed = true;
      await runner.close();
      log.info('backbone closed');
    },
  };
}

async function openRunner(deps: ObjectronBackboneDeps & { model: Uint8Array }): Promise<ObjectronRunner> {
  const tflite = async (): Promise<ObjectronRunner> => {
    const { createObjectronTfliteRunner } = await import('./objectron-tflite.js');
    return createObjectronTfliteRunner({ model: deps.model, log: deps.log, numThreads: deps.numThreads });
  };
  if (deps.engine === 'tflite-wasm') return tflite();
  try {
    const { createObjectronOnnxRunner } = await import('./objectron-onnx.js');
    return await createObjectronOnnxRunner({
      model: deps.model, log: deps.log, executionProviders: deps.executionProviders, intraOpNumThreads: deps.numThreads,
    });
  } catch (err) {
    deps.log.warn({ reason: errorMessage(err), fallback: 'tflite-wasm' }, 'objectron detector not runnable on ONNX Runtime, falling back');
    return tflite();
  }
}
