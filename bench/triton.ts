/**
 * The triton backbone (issue 16) against the local objectron backbone, one thread each: the fake KServe v2 server
 * (test/helpers/fake-kserve-server.ts, its own process, onnxruntime-node on CPU with one intra-op thread) stands in
 * for a Triton GPU server, so the figures show what the protocol costs, not what a GPU gains.
 *   - regions/s through the server and locally, batches of 1 and 8 (model.batchSize's default), run one after another;
 *   - per request: the client's round trip (pixels in, raw outputs parsed) against the server's session.run time and
 *     its whole handler time; the difference is what HTTP, encoding and parsing add;
 *   - network bytes per region, request and response bodies.
 * Usage: node dist/bench/triton.js [--regions 48]. Prints one JSON line per measurement, then a markdown table.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Backbone } from '../src/model/backbone.js';
import type { RgbImage } from '../src/image/image.js';
import { decodeImage } from '../src/image/decode-image.js';
import { objectronPixels } from '../src/score/backbones/objectron-assets.js';
import { createObjectronBackbone, OBJECTRON_ID } from '../src/score/backbones/objectron-backbone.js';
import { createTritonBackbone } from '../src/score/backbones/triton-backbone.js';
import { exportTritonModel } from '../src/score/triton/export-triton.js';
import { createKserveClient } from '../src/score/triton/kserve-client.js';
import { createObjectronRemote } from '../src/score/triton/objectron-remote.js';
import { createLogger } from '../src/util/log.js';
import { evenlySpaced, printLine } from './backbone-bench.js';
import { startFakeKserve, type FakeKserve } from '../test/helpers/fake-kserve.js';
import { devDataDir } from '../test/helpers/paths.js';

const { values } = parseArgs({ options: { regions: { type: 'string', default: '48' } } });
const REGIONS = Number(values.regions);
const MODEL = 'catwatch_objectron';
const BATCHES = [1, 8];

async function regionsPerSecond(backbone: Backbone, images: readonly RgbImage[], batch: number): Promise<number> {
  await backbone.embed(images.slice(0, batch)); // warm-up
  const started = performance.now();
  for (let i = 0; i < images.length; i += batch) await backbone.embed(images.slice(i, i + batch));
  return images.length / ((performance.now() - started) / 1000);
}

/** Client round trip of raw requests (no resize, no post-processing) against the server's own times. */
async function requestOverhead(server: FakeKserve, images: readonly RgbImage[], batch: number): Promise<Record<string, number>> {
  const remote = createObjectronRemote({ client: createKserveClient({ url: server.url, timeoutMs: 30_000 }), model: MODEL, version: '1', backboneId: OBJECTRON_ID });
  await remote.verify();
  const pixels = objectronPixels(images);
  await remote.run(pixels.slice(0, batch));
  await server.resetStats();
  const started = performance.now();
  let requests = 0;
  for (let i = 0; i < pixels.length; i += batch, requests++) await remote.run(pixels.slice(i, i + batch));
  const roundTripMs = (performance.now() - started) / requests;
  const stats = await server.stats();
  const r = (x: number): number => +x.toFixed(2);
  return {
    roundTripMs: r(roundTripMs), serverRunMs: r(stats.serverMs / requests), serverHandlerMs: r(stats.handlerMs / requests),
    overheadMs: r(roundTripMs - stats.serverMs / requests),
    // The warm-up request's bytes are in the traffic counters too.
    requestBytesPerRegion: Math.round(remote.traffic.requestBytes / (batch + pixels.length)),
    responseBytesPerRegion: Math.round(remote.traffic.responseBytes / (batch + pixels.length)),
  };
}

async function main(): Promise<void> {
  const log = createLogger({ level: 'warn' });
  const files = [...evenlySpaced(join(devDataDir, 'cat'), REGIONS / 2), ...evenlySpaced(join(devDataDir, 'notcat', 'scene'), REGIONS / 2)];
  const images = await Promise.all(files.map((f) => decodeImage(f)));
  const repository = mkdtempSync(join(tmpdir(), 'cw-bench-triton-'));
  await exportTritonModel({ dir: repository, model: MODEL, version: '1' });
  const server = await startFakeKserve({ repository, model: MODEL, version: '1', threads: 1 });
  const local = await createObjectronBackbone({ log, executionProviders: ['cpu'], numThreads: 1 });
  const triton = await createTritonBackbone({
    log, triton: { url: server.url, model: MODEL, version: '1', timeoutMs: 30_000, retryAfterMs: 5000 }, local: { executionProviders: ['cpu'], numThreads: 1 },
  });
  const rows: string[] = [];
  try {
    for (const batch of BATCHES) {
      const localRps = await regionsPerSecond(local, images, batch);
      const tritonRps = await regionsPerSecond(triton, images, batch);
      const overhead = await requestOverhead(server, images, batch);
      const record = { bench: 'triton', regions: images.length, batch, localRegionsPerS: +localRps.toFixed(1), tritonRegionsPerS: +tritonRps.toFixed(1), ...overhead };
      printLine(record);
      rows.push(`| ${batch} | ${record.localRegionsPerS} | ${record.tritonRegionsPerS} | ${overhead.roundTripMs} | ${overhead.serverRunMs} | ${overhead.serverHandlerMs} | ${overhead.overheadMs} | ${overhead.requestBytesPerRegion} | ${overhead.responseBytesPerRegion} |`);
    }
    const stats = triton.tritonStats();
    if (stats.fallbackBatches > 0) throw new Error(`the server failed during the bench: ${JSON.stringify(stats)}`);
    printLine({ bench: 'triton', tritonStats: stats });
  } finally {
    await triton.close();
    await local.close();
    await server.kill();
    rmSync(repository, { recursive: true, force: true });
  }
  process.stdout.write([
    '',
    '| batch | local regions/s | via server regions/s | round trip ms/request | server run ms | server handler ms | overhead ms/request | request bytes/region | response bytes/region |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n'));
}

await main();
