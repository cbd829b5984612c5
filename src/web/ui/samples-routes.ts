/** The review queue's routes: the page, the list as JSON, the images by database id, and bulk labelling. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { SAMPLE_STATES, type SampleState } from '../../store/sample-rows.js';
import type { SampleStore } from '../../store/sample-store.js';
import { CatwatchError } from '../../util/errors.js';
import type { Logger } from '../../util/log.js';
import { HttpError, readJson, send, sendHtml, sendJson, type Route } from './http-kit.js';
import { samplesPage, type SamplesFilter } from './samples-page.js';

export interface SamplesRoutesDeps { samples: SampleStore; dataDir: string; log: Logger }

const labelBody = z.strictObject({ ids: z.array(z.number().int().positive()).min(1).max(5000), state: z.enum(SAMPLE_STATES) });

function filterFrom(url: URL): SamplesFilter {
  const state = url.searchParams.get('state') ?? 'mined';
  const camera = url.searchParams.get('camera') || undefined;
  const limit = Math.min(500, Math.max(1, Number(url.searchParams.get('limit') ?? 200) || 200));
  const known = (SAMPLE_STATES as readonly string[]).includes(state);
  const time = (name: string) => (url.searchParams.has(name) && Number.isFinite(Number(url.searchParams.get(name))) ? Number(url.searchParams.get(name)) : undefined);
  const [sinceMs, untilMs] = [time('from'), time('to')];
  return { ...(known ? { state: state as SampleState } : {}), ...(camera ? { camera } : {}), ...(sinceMs === undefined ? {} : { sinceMs }), ...(untilMs === undefined ? {} : { untilMs }), limit };
}

export function samplesRoutes(deps: SamplesRoutesDeps): Route[] {
  return [
    { method: 'GET', path: '/samples', handle: ({ res, url, session }) => {
      const filter = filterFrom(url);
      sendHtml(res, samplesPage(deps.samples.list(filter), filter, session.csrf));
    } },
    { method: 'GET', path: '/api/samples', handle: ({ res, url }) => sendJson(res, 200, { samples: deps.samples.list(filterFrom(url)) }) },
    { method: 'GET', path: /^\/api\/samples\/(\d{1,12})\/(crop|frame)\.jpg$/, handle: async ({ res, params }) => {
      const sample = deps.samples.get(Number(params[0]));
      if (!sample) throw new HttpError(404, `no sample ${params[0]}`);
      const file = params[1] === 'crop' ? sample.cropFile : sample.frameFile;
      send(res, 200, 'image/jpeg', await readFile(join(deps.dataDir, file)), { 'cache-control': 'private, max-age=3600' });
    } },
    { method: 'POST', path: '/api/samples/label', handle: async ({ req, res }) => {
      const { ids, state } = await readJson(req, labelBody);
      try {
        const { updated } = deps.samples.label(ids, state, { allOrNothing: true });
        deps.log.info({ count: updated, state }, 'samples labelled');
        sendJson(res, 200, { updated, state });
      } catch (err) {
        if (err instanceof CatwatchError && err.code === 'E_NOT_FOUND') throw new HttpError(404, err.message);
        throw err;
      }
    } },
  ];
}
