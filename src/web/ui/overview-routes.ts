/** The overview (/), the live view (/live/<camera> and its MJPEG stream) and the event history (/events). */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CameraIngestStats } from '../../ingest/camera-ingest.js';
import { SAMPLE_STATES } from '../../store/sample-rows.js';
import type { SampleStore } from '../../store/sample-store.js';
import type { EventStore } from '../../store/event-store.js';
import type { LiveView } from '../live-view.js';
import { HttpError, send, sendHtml, sendJson, type Route } from './http-kit.js';
import { eventsPage, livePage, overviewPage, type Overview } from './overview-page.js';

export interface OverviewRoutesDeps {
  cameraNames: () => string[];
  cameraStats: () => Map<string, CameraIngestStats>;
  modelVersion: () => string | undefined;
  samples: Pick<SampleStore, 'count' | 'totalBytes'>;
  events: EventStore;
  live: LiveView;
  quotaMb: () => number;
  dataDir: string;
}

const CAMERA = '([a-zA-Z0-9_-]{1,64})';

export function overviewRoutes(deps: OverviewRoutesDeps): Route[] {
  const overview = (): Overview => {
    const stats = deps.cameraStats();
    return {
      cameras: deps.cameraNames().map((name) => ({ name, connected: stats.get(name)?.connected ?? false, fps: stats.get(name)?.fps ?? 0, lastError: stats.get(name)?.lastError ?? null })),
      modelVersion: deps.modelVersion() ?? null,
      samples: Object.fromEntries(SAMPLE_STATES.map((s) => [s, deps.samples.count(s)])),
      diskBytes: deps.samples.totalBytes(),
      quotaBytes: deps.quotaMb() * 1024 * 1024,
      lastEvents: deps.events.list({ limit: 10 }),
    };
  };
  const known = (camera: string): string => {
    if (!deps.cameraNames().includes(camera)) throw new HttpError(404, `no camera ${camera}`);
    return camera;
  };
  const eventFilter = eventQuery;
  return [
    { method: 'GET', path: '/', handle: ({ res, session }) => sendHtml(res, overviewPage(overview(), session.csrf)) },
    { method: 'GET', path: '/api/overview', handle: ({ res }) => sendJson(res, 200, overview()) },
    { method: 'GET', path: new RegExp(`^/live/${CAMERA}$`), handle: ({ res, session, params }) => sendHtml(res, livePage(known(params[0]), session.csrf)) },
    { method: 'GET', path: new RegExp(`^/api/live/${CAMERA}\\.mjpeg$`), handle: ({ res, params }) => {
      if (!deps.live.subscribe(known(params[0]), res)) throw new HttpError(503, 'too many viewers of this camera');
    } },
    { method: 'GET', path: '/events', handle: ({ res, url, session }) => sendHtml(res, eventsPage(deps.events.list(eventFilter(url)), eventFilter(url), session.csrf)) },
    { method: 'GET', path: '/api/events', handle: ({ res, url }) => sendJson(res, 200, { events: deps.events.list(eventFilter(url)) }) },
    { method: 'GET', path: /^\/api\/events\/([\w.#-]{1,128})\/snapshot\.jpg$/, handle: async ({ res, params }) => {
      const event = deps.events.get(params[0]);
      if (!event?.snapshotFile) throw new HttpError(404, `no snapshot for event ${params[0]}`);
      send(res, 200, 'image/jpeg', await readFile(join(deps.dataDir, event.snapshotFile)), { 'cache-control': 'private, max-age=3600' });
    } },
  ];
}

/** The event list's query string, checked: a bad `limit` or `since` is the caller's error (400), never SQLite's (500). */
export function eventQuery(url: URL): { camera: string | undefined; sinceMs: number | undefined; limit: number } {
  const limitText = url.searchParams.get('limit');
  const limit = limitText === null || limitText === '' ? 200 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new HttpError(400, 'limit must be a whole number from 1 to 1000');
  const sinceText = url.searchParams.get('since');
  const sinceMs = sinceText ? Date.parse(sinceText) : undefined;
  if (sinceMs !== undefined && !Number.isFinite(sinceMs)) throw new HttpError(400, 'since must be a date, e.g. 2026-12-07 or 2026-12-07T21:00:00Z');
  return { camera: url.searchParams.get('camera') || undefined, sinceMs, limit };
}
