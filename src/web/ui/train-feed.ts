/**
 * The training's live state for the /train page: the last state (running, complete, rejected, failed) and the
 * running training's progress, pushed to every open page as server-sent events. At most MAX_CLIENTS streams; a
 * comment every 15 s keeps proxies from closing an idle one.
 */
import type { ServerResponse } from 'node:http';
import type { TrainProgress, TrainStateUpdate } from '../../train/train-supervisor.js';

const MAX_CLIENTS = 32;
const KEEPALIVE_MS = 15_000;

export interface TrainSnapshot { state: (TrainStateUpdate & { atMs: number }) | null; progress: TrainProgress | null }

export function createTrainFeed(now: () => number = Date.now) {
  const snapshot: TrainSnapshot = { state: null, progress: null };
  const clients = new Set<ServerResponse>();
  let keepalive: NodeJS.Timeout | undefined;

  function broadcast(event: string, data: unknown): void {
    const chunk = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const res of clients) res.write(chunk);
  }

  return {
    state(update: TrainStateUpdate): void {
      snapshot.state = { ...update, atMs: now() };
      if (update.state !== 'running') snapshot.progress = null;
      broadcast('state', snapshot.state);
    },
    progress(progress: TrainProgress): void {
      snapshot.progress = progress;
      broadcast('progress', progress);
    },
    snapshot: (): TrainSnapshot => ({ ...snapshot }),
    /** Turns the response into an event stream (false when too many are open). */
    subscribe(res: ServerResponse): boolean {
      if (clients.size >= MAX_CLIENTS) return false;
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-content-type-options': 'nosniff' });
      res.write(`event: snapshot\ndata: ${JSON.stringify(snapshot)}\n\n`);
      clients.add(res);
      res.on('close', () => clients.delete(res));
      keepalive ??= setInterval(() => broadcast('keepalive', {}), KEEPALIVE_MS).unref();
      return true;
    },
  };
}

export type TrainFeed = ReturnType<typeof createTrainFeed>;
