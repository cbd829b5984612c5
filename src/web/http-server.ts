/**
 * The operations endpoint (node:http, no framework): GET /healthz → 200 or 503 with the checks as JSON, GET /metrics
 * → Prometheus text, GET /api/status → the service's status snapshot (stages, cameras, model) as JSON, and the web UI
 * (src/web/ui) when given. It binds to loopback by default (config `http.host`).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../util/log.js';
import type { HealthReport } from './health.js';

export interface HttpServerDeps {
  host: string;
  /** 0 = any free port (tests); read the chosen one from `port()` after start. */
  port: number;
  health: () => HealthReport;
  metrics: Registry;
  status: () => unknown;
  /** The web UI (its paths are tried first). */
  ui?: { handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> };
  /** The UI's Host rule (web-access.ts) for these endpoints too: a DNS-rebinding page must not read the status. */
  hostAllowed?: (req: IncomingMessage) => boolean;
  log: Logger;
}

export interface HttpServer {
  readonly name: 'http';
  /** Optional: the service runs without it (a taken port is reported, not fatal). */
  readonly critical: false;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The bound port, once started. */
  port(): number;
}

/** Idle keep-alive connections are closed after this long, so stop() never waits on a scraper's open socket. */
const KEEP_ALIVE_MS = 5000;

export function createHttpServer(deps: HttpServerDeps): HttpServer {
  const log = deps.log.child({ component: 'http' });
  let server: Server | undefined;

  function send(res: ServerResponse, status: number, type: string, body: string): void {
    // The UI's pages set their own policy (http-kit.ts); these answers are data, never a page or a script.
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body), 'x-content-type-options': 'nosniff', 'content-security-policy': "default-src 'none'; frame-ancestors 'none'" });
    res.end(body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return send(res, 400, 'text/plain; charset=utf-8', 'bad request target\n');
    }
    if (deps.ui && (await deps.ui.handle(req, res, url))) return;
    const path = url.pathname;
    if (deps.hostAllowed && !deps.hostAllowed(req)) return send(res, 403, 'text/plain; charset=utf-8', 'this Host name is not served\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    }
    if (path === '/healthz') {
      const report = deps.health();
      return send(res, report.ok ? 200 : 503, 'application/json; charset=utf-8', `${JSON.stringify(report)}\n`);
    }
    if (path === '/metrics') return send(res, 200, deps.metrics.contentType, await deps.metrics.metrics());
    if (path === '/api/status') return send(res, 200, 'application/json; charset=utf-8', `${JSON.stringify(deps.status())}\n`);
    send(res, 404, 'text/plain; charset=utf-8', 'not found; try /healthz, /metrics or /api/status\n');
  }

  return {
    name: 'http',
    critical: false,
    start() {
      const s = createServer({ keepAliveTimeout: KEEP_ALIVE_MS }, (req, res) => {
        handle(req, res).catch((err: unknown) => {
          log.error({ err, url: req.url }, 'http request failed');
          if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
          else res.destroy();
        });
      });
      server = s;
      return new Promise((resolve, reject) => {
        s.once('error', reject);
        s.listen({ host: deps.host, port: deps.port }, () => {
          s.off('error', reject);
          s.on('error', (err) => log.error({ err }, 'http server error'));
          log.info({ host: deps.host, port: (s.address() as AddressInfo).port }, 'http endpoint listening');
          resolve();
        });
      });
    },
    stop() {
      const s = server;
      server = undefined;
      if (!s) return Promise.resolve();
      return new Promise((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections();
      });
    },
    port() {
      const address = server?.address();
      if (!address || typeof address === 'string') throw new Error('http server is not listening');
      return address.port;
    },
  };
}
