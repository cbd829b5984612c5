/** HTML for the server-rendered pages: one escape for every text, one layout. */
import { escapeHtml } from '../../util/escape-html.js';

export { escapeHtml };

/** A tagged template whose interpolations are escaped unless they are `raw(...)` (already-built HTML). */
export interface RawHtml { readonly html: string }
export const raw = (html: string): RawHtml => ({ html });

export function html(strings: TemplateStringsArray, ...values: Array<string | number | RawHtml | RawHtml[]>): RawHtml {
  let out = strings[0];
  values.forEach((v, i) => {
    const text = Array.isArray(v) ? v.map((x) => x.html).join('') : typeof v === 'object' ? v.html : escapeHtml(String(v));
    out += text + strings[i + 1];
  });
  return raw(out);
}

/** A time as the pages show it: `2026-12-02 17:30:05` (UTC). */
export const formatTime = (ms: number): string => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

/** Same-origin only: no inline script or style (boxes are placed by the page's module through the CSSOM). */
export const CONTENT_SECURITY_POLICY = "default-src 'self'; img-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export function layout(o: { title: string; csrf: string; body: RawHtml; script?: string }): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="${o.csrf}">
<title>${o.title} · catwatch</title><link rel="stylesheet" href="/static/catwatch.css">
${o.script ? raw(`<script type="module" src="/static/${escapeHtml(o.script)}"></script>`) : raw('')}
</head><body>
<nav><a href="/">Overview</a> <a href="/samples">Samples</a> <a href="/events">Events</a> <a href="/train">Training</a> <a href="/models">Models</a> <a href="/api/status">Status</a></nav>
<main>${o.body}</main>
</body></html>
`.html;
}
