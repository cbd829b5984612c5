/** What every UI route needs: an error with a status, responses with the security headers, capped bodies, routes. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { CONTENT_SECURITY_POLICY } from './html.js';
import type { WebSession } from './web-access.js';

export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export const MAX_BODY_BYTES = 64 * 1024;

export function send(res: ServerResponse, status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': type, 'cache-control': 'no-store', 'content-length': String(Buffer.byteLength(body)),
    // same-origin, not no-referrer: with no-referrer Chromium sends `Origin: null` on form posts, and the Origin check needs it.
    'content-security-policy': CONTENT_SECURITY_POLICY, 'x-content-type-options': 'nosniff', 'referrer-policy': 'same-origin', 'x-frame-options': 'DENY',
    ...headers,
  });
  res.end(body);
}

export const sendJson = (res: ServerResponse, status: number, value: unknown): void => send(res, status, 'application/json; charset=utf-8', `${JSON.stringify(value)}\n`);
export const sendHtml = (res: ServerResponse, page: string, status = 200): void => send(res, status, 'text/html; charset=utf-8', page);
export const redirect = (res: ServerResponse, location: string, headers: Record<string, string> = {}): void => send(res, 303, 'text/plain; charset=utf-8', `see ${location}\n`, { location, ...headers });

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The JSON body, validated; 400 naming every problem otherwise. An empty body is `{}`. */
export async function readJson<T>(req: IncomingMessage, schema: z.ZodType<T>): Promise<T> {
  const text = await readBody(req);
  let value: unknown;
  try {
    value = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw new HttpError(400, 'body is not valid JSON');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new HttpError(400, `bad request: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

export interface RouteContext { req: IncomingMessage; res: ServerResponse; url: URL; session: WebSession; params: string[] }

export interface Route {
  method: 'GET' | 'POST';
  /** An exact path, or a pattern whose groups become `params`. */
  path: string | RegExp;
  handle(ctx: RouteContext): void | Promise<void>;
}

/** The route for a method and path, with its parameters; `undefined` when none matches. */
export function matchRoute(routes: readonly Route[], method: string, path: string): { route: Route; params: string[] } | undefined {
  for (const route of routes) {
    if (route.method !== method && !(route.method === 'GET' && method === 'HEAD')) continue;
    if (typeof route.path === 'string') {
      if (route.path === path) return { route, params: [] };
      continue;
    }
    const m = route.path.exec(path);
    if (m) return { route, params: m.slice(1) };
  }
  return undefined;
}
