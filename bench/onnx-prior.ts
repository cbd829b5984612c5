/**
 * Benchmark of the ONNX MobileNetV2 backbone: inference time per image at 1 and 2 threads (single images and batches,
 * resize and normalisation included, decoding not; wall and CPU time), and how well its ImageNet cat prior alone separates cats from
 * other photos (zero-shot: no head). Photos are picked evenly spaced from the sorted dev folders, so runs repeat.
 * Usage: node dist/bench/onnx-prior.js [--model PATH] [--data DIR] [--cats 300] [--notcats 600] [--dogs 200]
 *        [--timing-images 40] [--batch 8]
 * Prints one JSON line per measurement.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createOnnxMobileNetV2Backbone } from '../src/score/backbones/onnx-mobilenetv2.js';
import { decodeImage } from '../src/image/decode-image.js';
import { createLogger } from '../src/util/log.js';
import { benchItems, measurePrior, timeBackbone } from './backbone-bench.js';
import { devDataDir, modelsMirrorDir } from '../test/helpers/paths.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: join(modelsMirrorDir, 'mobilenetv2-12-int8.onnx') },
    data: { type: 'string', default: devDataDir },
    cats: { type: 'string', default: '300' },
    notcats: { type: 'string', default: '600' },
    dogs: { type: 'string', default: '200' },
    'timing-images': { type: 'string', default: '40' },
    batch: { type: 'string', default: '8' },
  },
});
const log = createLogger({ level: 'warn', pretty: false });

const items = benchItems(values.data, Number(values.cats), Number(values.notcats), Number(values.dogs));
const timingImages = await Promise.all(items.slice(0, Number(values['timing-images'])).map(({ file }) => decodeImage(file)));
for (const threads of [1, 2]) {
  const backbone = await createOnnxMobileNetV2Backbone({ modelPath: values.model, log, intraOpNumThreads: threads });
  try {
    await timeBackbone(backbone, timingImages, Number(values.batch), { threads });
  } finally {
    await backbone.close();
  }
}
const backbone = await createOnnxMobileNetV2Backbone({ modelPath: values.model, log, intraOpNumThreads: 2 });
try {
  await measurePrior(backbone, items);
} finally {
  await backbone.close();
}
