/**
 * The live view: MJPEG (`multipart/x-mixed-replace`) from the frames the service already decodes — no second ffmpeg
 * per viewer. `offer` is on the ingest hot path and only keeps a reference to a watched camera's newest frame; per
 * camera one timer at `http.liveFps` encodes that frame once (scaled to `http.liveWidthPx`, with the last scored box)
 * and writes the same JPEG to every viewer. No viewer: no timer, no frame kept, no encoding. A viewer whose socket
 * buffer is full (a slow client) skips frames instead of growing memory.
 */
import type { ServerResponse } from 'node:http';
import type { Config } from '../config/schema.js';
import { encodeSnapshot } from '../events/snapshot.js';
import type { NormBox } from '../image/image.js';
import type { Frame } from '../ingest/frame.js';
import type { Logger } from '../util/log.js';

export const MJPEG_BOUNDARY = 'catwatch-frame';
/** Bytes a viewer may have queued before it skips frames. */
const MAX_QUEUED_BYTES = 2 * 1024 * 1024;
/** Viewers per camera at most. */
const MAX_VIEWERS = 16;

interface CameraLive { viewers: Set<ServerResponse>; frame?: Frame; sentSeq: number; box: NormBox | null; timer?: NodeJS.Timeout; encoding: boolean }

export interface LiveViewDeps { config: () => Config; log: Logger }

export function createLiveView(deps: LiveViewDeps) {
  const log = deps.log.child({ component: 'live' });
  const cameras = new Map<string, CameraLive>();
  let encoded = 0;

  const camera = (name: string): CameraLive => {
    let c = cameras.get(name);
    if (!c) cameras.set(name, (c = { viewers: new Set(), sentSeq: -1, box: null, encoding: false }));
    return c;
  };

  async function tick(c: CameraLive): Promise<void> {
    const frame = c.frame;
    if (!frame || frame.seq === c.sentSeq || c.encoding) return;
    c.encoding = true;
    try {
      const { liveWidthPx, liveOverlay } = deps.config().http;
      const jpeg = await encodeSnapshot(frame, c.box, { annotate: liveOverlay, maxWidthPx: liveWidthPx, quality: 70 });
      c.sentSeq = frame.seq;
      encoded++;
      const head = `--${MJPEG_BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: ${jpeg.length}\r\n\r\n`;
      for (const res of c.viewers) if (res.writableLength < MAX_QUEUED_BYTES) res.write(Buffer.concat([Buffer.from(head), jpeg, Buffer.from('\r\n')]));
    } catch (err) {
      log.warn({ camera: frame.camera, err: (err as Error).message }, 'live frame encoding failed');
    } finally {
      c.encoding = false;
    }
  }

  function release(c: CameraLive, res: ServerResponse): void {
    c.viewers.delete(res);
    if (c.viewers.size > 0) return;
    clearInterval(c.timer);
    c.timer = undefined;
    c.frame = undefined;
  }

  return {
    /** Every decoded frame (hot path): kept only while someone watches its camera. */
    offer(frame: Frame): void {
      const c = cameras.get(frame.camera);
      if (c && c.viewers.size > 0) c.frame = frame;
    },
    /** Where the target was last scored on a camera (the overlay). */
    scored(cameraName: string, box: NormBox | null): void {
      const c = cameras.get(cameraName);
      if (c && c.viewers.size > 0) c.box = box;
    },
    /** Turns the response into the camera's MJPEG stream; false when it already has MAX_VIEWERS. */
    subscribe(name: string, res: ServerResponse): boolean {
      const c = camera(name);
      if (c.viewers.size >= MAX_VIEWERS) return false;
      res.writeHead(200, { 'content-type': `multipart/x-mixed-replace; boundary=${MJPEG_BOUNDARY}`, 'cache-control': 'no-store', connection: 'close', 'x-content-type-options': 'nosniff' });
      c.viewers.add(res);
      // The HTTP server's stop closes every connection: that releases the viewers and stops the timers.
      res.on('close', () => release(c, res));
      c.timer ??= setInterval(() => void tick(c), Math.round(1000 / deps.config().http.liveFps));
      return true;
    },
    stats: () => ({ viewers: [...cameras.values()].reduce((n, c) => n + c.viewers.size, 0), encoded }),
  };
}

export type LiveView = ReturnType<typeof createLiveView>;
