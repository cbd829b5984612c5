/**
 * A scoring worker thread: owns one backbone instance and embeds the batches the pool sends. Pixels arrive as
 * transferred ArrayBuffers (no copy); outputs go back the same way.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import type { BackboneOutput, RemoteBackboneStats } from '../model/backbone.js';
import type { RgbImage } from '../image/image.js';
import type { BackboneSpec } from './backbone-spec.js';
import { createBackbone } from './create-backbone.js';

export interface WorkerInit { spec: BackboneSpec; logLevel: string; workerId: number }
export interface EmbedRequest { id: number; images: Array<{ data: ArrayBuffer; width: number; height: number }> }
export type WorkerMessage =
  | { type: 'ready'; id: string; runtime: string; embeddingDim: number; hasPrior: boolean }
  | { type: 'result'; id: number; outputs: BackboneOutput[]; ms: number; remote?: RemoteBackboneStats }
  | { type: 'error'; id: number; message: string }
  | { type: 'fatal'; message: string }
  | { type: 'pong'; n: number };
export type PoolMessage = EmbedRequest | { type: 'close' } | { type: 'ping'; n: number };

const init = workerData as WorkerInit;
const log = pino({ level: init.logLevel, base: { pid: process.pid } }).child({ component: 'score-worker', worker: init.workerId });
const port = parentPort;
if (!port) throw new Error('score-worker must run in a worker thread');

createBackbone(init.spec, log).then(
  (backbone) => {
    port.postMessage({ type: 'ready', id: backbone.id, runtime: backbone.runtime, embeddingDim: backbone.embeddingDim, hasPrior: backbone.hasPrior } satisfies WorkerMessage);
    // The embed in progress, so `close` releases the backbone only after it (never under a running session).
    let current: Promise<unknown> = Promise.resolve();
    port.on('message', (msg: PoolMessage) => {
      // Answered after the embed in progress: a backbone that hangs stops the pongs (the watchdog's heartbeat).
      if ('type' in msg && msg.type === 'ping') {
        void current.finally(() => port.postMessage({ type: 'pong', n: msg.n } satisfies WorkerMessage));
        return;
      }
      if ('type' in msg) {
        void current.finally(() => backbone.close()).finally(() => {
          port.close();
          process.exit(0);
        });
        return;
      }
      const images: RgbImage[] = msg.images.map((i) => ({ data: new Uint8Array(i.data), width: i.width, height: i.height }));
      const started = performance.now();
      current = backbone.embed(images).then(
        (raw) => {
          // Fresh buffers per embedding: a backbone may return views into one big output tensor.
          const outputs = raw.map((o) => ({ ...o, embedding: Float32Array.from(o.embedding) }));
          port.postMessage({ type: 'result', id: msg.id, outputs, ms: performance.now() - started, remote: backbone.remoteStats?.() } satisfies WorkerMessage, outputs.map((o) => o.embedding.buffer as ArrayBuffer));
        },
        (err: unknown) => port.postMessage({ type: 'error', id: msg.id, message: (err as Error).message } satisfies WorkerMessage),
      );
    });
  },
  (err: unknown) => port.postMessage({ type: 'fatal', message: (err as Error).message } satisfies WorkerMessage),
);
