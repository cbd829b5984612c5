/** Builds the Backbone a spec names (inside a worker thread, or in-process for tools and tests). */
import type { Logger } from '../util/log.js';
import type { Backbone } from '../model/backbone.js';
import type { BackboneSpec } from './backbone-spec.js';

export async function createBackbone(spec: BackboneSpec, log: Logger): Promise<Backbone> {
  switch (spec.kind) {
    case 'objectron': {
      const { createObjectronBackbone } = await import('./backbones/objectron-backbone.js');
      return createObjectronBackbone({ log, engine: spec.engine, executionProviders: spec.executionProviders, numThreads: spec.threads });
    }
    case 'triton': {
      const { createTritonBackbone } = await import('./backbones/triton-backbone.js');
      return createTritonBackbone({
        log, triton: spec.triton, local: { engine: spec.engine, executionProviders: spec.executionProviders, numThreads: spec.threads },
      });
    }
    case 'onnx-mobilenetv2': {
      const { createOnnxMobileNetV2Backbone } = await import('./backbones/onnx-mobilenetv2.js');
      return createOnnxMobileNetV2Backbone({ modelPath: spec.modelPath, log, executionProviders: spec.executionProviders, intraOpNumThreads: spec.threads });
    }
    case 'tfjs-centernet': {
      const { createTfjsCenternetBackbone } = await import('./backbones/tfjs-centernet.js');
      return createTfjsCenternetBackbone({ log, prefer: spec.prefer, wasmThreads: spec.threads });
    }
  }
}
