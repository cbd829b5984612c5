/**
 * The web UI, served by the HTTP endpoint: access rules first (web-access.ts: Host names, login, Origin and CSRF on
 * every POST), then the page assets from the package's static/ folder (an allowlist), then the routes of each page.
 * Images are looked up by database id, never by a path from the URL; bodies are capped and validated with zod.
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Logger } from '../../util/log.js';
import { html, layout } from './html.js';
import { HttpError, matchRoute, readBody, redirect, send, sendHtml, sendJson, type Route } from './http-kit.js';
import { sameOrigin, type WebAccess, type WebSession } from './web-access.js';

export interface WebUiDeps {
  access: WebAccess;
  staticDir: string;
  routes: Route[];
  log: Logger;
}

const JS = 'text/javascript; charset=utf-8';
const STATIC_FILES: Record<string, string> = { 'samples.js': JS, 'actions.js': JS, 'train.js': JS, 'catwatch.css': 'text/css; charset=utf-8' };

function loginPage(message = ''): string {
  return layout({ title: 'Log in', csrf: '', body: html`<h1>Log in</h1><form method="post" action="/login"><label>password <input type="password" name="password" autofocus></label> <button>Log in</button></form><p>${message}</p>` });
}

export function createWebUi(deps: WebUiDeps) {
  const log = deps.log.child({ component: 'web' });
  const ownPaths = (path: string): boolean => path === '/login' || path === '/logout' || path.startsWith('/static/') || deps.routes.some((r) => (typeof r.path === 'string' ? r.path === path : r.path.test(path)));

  async function login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // No session yet, so no CSRF token: the Origin check alone stops another site from logging the browser in.
    if (!sameOrigin(req)) throw new HttpError(403, 'cross-origin request refused');
    const password = new URLSearchParams(await readBody(req)).get('password') ?? '';
    const address = deps.access.clientAddress(req);
    const result = await deps.access.login(address, password);
    if (result === 'rate-limited') throw new HttpError(429, 'too many failed logins; wait a minute');
    if (result === 'wrong') return sendHtml(res, loginPage('wrong password'), 401);
    log.info({ address }, 'web login');
    redirect(res, '/', { 'set-cookie': deps.access.sessionCookie(result, req) });
  }

  async function dispatch(req: IncomingMessage, res: ServerResponse, url: URL, session: WebSession): Promise<void> {
    const method = req.method ?? 'GET';
    if (method === 'POST') {
      const refusal = deps.access.postRefusal(req, session);
      if (refusal) throw new HttpError(403, refusal);
      if (url.pathname === '/logout') {
        deps.access.logout(session);
        return redirect(res, '/login');
      }
    }
    const found = matchRoute(deps.routes, method, url.pathname);
    if (!found) throw new HttpError(405, `${method} is not allowed on ${url.pathname}`);
    await found.route.handle({ req, res, url, session, params: found.params });
  }

  async function serve(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (!deps.access.hostAllowed(req)) throw new HttpError(403, 'this Host name is not served (only loopback names without a password)');
    const asset = /^\/static\/([a-z-]+\.(?:js|css))$/.exec(url.pathname);
    if (asset && STATIC_FILES[asset[1]]) return send(res, 200, STATIC_FILES[asset[1]], await readFile(join(deps.staticDir, asset[1])));
    if (url.pathname === '/login') return req.method === 'POST' ? login(req, res) : sendHtml(res, loginPage());
    const session = deps.access.session(req);
    if (!session) {
      if (url.pathname.startsWith('/api/')) throw new HttpError(401, 'log in first');
      return redirect(res, '/login');
    }
    await dispatch(req, res, url, session);
  }

  return {
    /** Handles the request if the path is the UI's; false otherwise (the operations endpoints). */
    async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
      if (!ownPaths(url.pathname)) return false;
      try {
        await serve(req, res, url);
      } catch (err) {
        if (!(err instanceof HttpError)) throw err;
        if (!res.headersSent) sendJson(res, err.status, { error: err.message });
      }
      return true;
    },
  };
}

export type WebUi = ReturnType<typeof createWebUi>;
