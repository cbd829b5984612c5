/**
 * The HTTP endpoint as the service runs it (http.*): /healthz, /metrics, /api/status and the web UI behind one access
 * policy (web-access.ts: Host names, login, Origin and CSRF). Undefined when http.enabled is false.
 */
import type { Config } from '../config/schema.js';
import type { Logger } from '../util/log.js';
import { staticAssetsDir } from '../util/package-root.js';
import type { HttpServerDeps } from './http-server.js';
import { createHttpServer } from './http-server.js';
import { modelsRoutes, type ModelsRoutesDeps } from './ui/models-routes.js';
import { overviewRoutes, type OverviewRoutesDeps } from './ui/overview-routes.js';
import { samplesRoutes, type SamplesRoutesDeps } from './ui/samples-routes.js';
import { createWebAccess } from './ui/web-access.js';
import { createWebUi } from './ui/web-ui.js';

export interface ServiceHttpDeps extends Pick<HttpServerDeps, 'health' | 'metrics' | 'status'> {
  http: Config['http'];
  log: Logger;
  overview: OverviewRoutesDeps;
  samples: SamplesRoutesDeps['samples'];
  models: Omit<ModelsRoutesDeps, 'log'>;
}

export function createServiceHttp(deps: ServiceHttpDeps) {
  const { http, log } = deps;
  if (!http.enabled) return undefined;
  const access = createWebAccess({ passwordHash: http.passwordHash, trustProxy: http.trustProxy });
  const routes = [...overviewRoutes(deps.overview), ...samplesRoutes({ samples: deps.samples, dataDir: deps.overview.dataDir, log }), ...modelsRoutes({ ...deps.models, log })];
  const ui = createWebUi({ access, staticDir: staticAssetsDir(), log, routes });
  return createHttpServer({ ...http, health: deps.health, metrics: deps.metrics, status: deps.status, ui, hostAllowed: access.hostAllowed, log });
}
