/** /models and /train: versions, use and rollback, "Retrain now", the live training feed and the saved reports. */
import { z } from 'zod';
import type { Registry } from '../../registry/registry.js';
import { CatwatchError } from '../../util/errors.js';
import type { Logger } from '../../util/log.js';
import type { TrainRun } from '../../train/train-supervisor.js';
import { HttpError, readJson, send, sendHtml, sendJson, type Route } from './http-kit.js';
import { modelsPage, trainPage } from './models-page.js';
import type { TrainFeed } from './train-feed.js';

export interface ModelsRoutesDeps {
  registry: Registry;
  trainer: { request(reason: string): void; history(limit?: number): TrainRun[] };
  feed: TrainFeed;
  log: Logger;
}

/** The saved eval report runs sandboxed: no script, its own origin, nothing but its inline style and data images. */
const REPORT_CSP = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'";
const useBody = z.strictObject({ version: z.string().regex(/^[\w.-]{1,64}$/) });

function registryCall<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof CatwatchError && err.code === 'E_MODEL_MISSING') throw new HttpError(404, err.message);
    throw err;
  }
}

export function modelsRoutes(deps: ModelsRoutesDeps): Route[] {
  const versions = () => deps.registry.list();
  return [
    { method: 'GET', path: '/models', handle: ({ res, session }) => sendHtml(res, modelsPage({ versions: versions(), current: deps.registry.currentVersion(), previous: deps.registry.previousVersion(), csrf: session.csrf })) },
    { method: 'GET', path: '/api/models', handle: ({ res }) => sendJson(res, 200, { current: deps.registry.currentVersion() ?? null, versions: versions() }) },
    { method: 'POST', path: '/api/models/use', handle: async ({ req, res }) => {
      const { version } = await readJson(req, useBody);
      registryCall(() => deps.registry.use(version));
      deps.log.info({ version }, 'model version made current from the web UI');
      sendJson(res, 200, { current: version });
    } },
    { method: 'POST', path: '/api/models/rollback', handle: async ({ req, res }) => {
      await readJson(req, z.strictObject({}));
      const version = registryCall(() => deps.registry.rollback());
      deps.log.info({ version }, 'model rolled back from the web UI');
      sendJson(res, 200, { current: version });
    } },
    { method: 'GET', path: /^\/models\/([\w.-]{1,64})\/report\.html$/, handle: ({ res, params }) => {
      const report = deps.registry.versionFile(params[0], 'report.html');
      if (report === undefined) throw new HttpError(404, `no report for version ${params[0]}`);
      send(res, 200, 'text/html; charset=utf-8', report, { 'content-security-policy': REPORT_CSP });
    } },
    { method: 'GET', path: '/train', handle: ({ res, session }) => sendHtml(res, trainPage({ runs: deps.trainer.history(), versions: versions(), current: deps.registry.currentVersion(), feed: deps.feed.snapshot(), csrf: session.csrf })) },
    { method: 'GET', path: '/api/train', handle: ({ res }) => sendJson(res, 200, { ...deps.feed.snapshot(), runs: deps.trainer.history() }) },
    { method: 'POST', path: '/api/train', handle: async ({ req, res }) => {
      await readJson(req, z.strictObject({}));
      deps.trainer.request('web UI');
      sendJson(res, 202, { requested: true });
    } },
    { method: 'GET', path: '/api/train/events', handle: ({ res }) => {
      if (!deps.feed.subscribe(res)) throw new HttpError(503, 'too many open training feeds');
    } },
  ];
}
