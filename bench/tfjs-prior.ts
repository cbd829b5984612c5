/**
 * Benchmark of the TensorFlow.js CenterNet backbone, per input size: inference time per image (single images and
 * batches, resize included, decoding not; wall and CPU time), and how well its COCO cat prior alone separates cats
 * from other photos (zero-shot: no head). Photos are picked evenly spaced from the sorted dev folders, so runs repeat.
 * Usage: node dist/bench/tfjs-prior.js [--data DIR] [--cats 300] [--notcats 600] [--dogs 200] [--sizes 224,320,512]
 *        [--prefer auto|gpu|node|wasm] [--timing-images 40] [--batch 8]
 * Prints one JSON line per measurement.
 */
import { parseArgs } from 'node:util';
import { createTfjsCenternetBackbone } from '../src/score/backbones/tfjs-centernet.js';
import { decodeImage } from '../src/image/decode-image.js';
import type { TfjsPreference } from '../src/score/tfjs-runtime.js';
import { createLogger } from '../src/util/log.js';
import { benchItems, measurePrior, timeBackbone } from './backbone-bench.js';
import { devDataDir } from '../test/helpers/paths.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: devDataDir },
    cats: { type: 'string', default: '300' },
    notcats: { type: 'string', default: '600' },
    dogs: { type: 'string', default: '200' },
    sizes: { type: 'string', default: '224,320,512' },
    prefer: { type: 'string', default: 'auto' },
    'timing-images': { type: 'string', default: '40' },
    batch: { type: 'string', default: '8' },
  },
});
const log = createLogger({ level: 'warn', pretty: false });

const items = benchItems(values.data, Number(values.cats), Number(values.notcats), Number(values.dogs));
const timingImages = await Promise.all(items.slice(0, Number(values['timing-images'])).map(({ file }) => decodeImage(file)));

for (const inputSizePx of values.sizes.split(',').map(Number)) {
  const backbone = await createTfjsCenternetBackbone({ log, prefer: values.prefer as TfjsPreference, inputSizePx });
  try {
    await timeBackbone(backbone, timingImages, Number(values.batch));
    await measurePrior(backbone, items);
  } finally {
    await backbone.close();
  }
}
