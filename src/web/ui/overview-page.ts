/** The overview, live and events pages. */
import type { EventRecord } from '../../store/event-store.js';
import { formatTime, html, layout, type RawHtml } from './html.js';

export interface Overview {
  cameras: Array<{ name: string; connected: boolean; fps: number; lastError: string | null }>;
  modelVersion: string | null;
  samples: Record<string, number>;
  diskBytes: number;
  quotaBytes: number;
  lastEvents: EventRecord[];
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function eventRows(events: readonly EventRecord[]): RawHtml {
  return html`<table class="events"><thead><tr><th>start</th><th>camera</th><th>duration</th><th>top score</th><th>model</th><th>snapshot</th><th></th></tr></thead><tbody>
${events.map((e) => html`<tr data-event="${e.id}"><td>${formatTime(e.startMs)}</td><td>${e.camera}</td><td>${e.endMs === null ? 'ongoing' : `${((e.endMs - e.startMs) / 1000).toFixed(1)} s`}</td><td>${e.topScore.toFixed(3)}</td><td>${e.modelVersion ?? '?'}</td>
<td>${e.snapshotFile ? html`<img class="thumb" src="/api/events/${encodeURIComponent(e.id)}/snapshot.jpg" alt="snapshot" loading="lazy">` : html`—`}</td>
<td><a href="/samples?state=all&amp;camera=${encodeURIComponent(e.camera)}&amp;from=${e.startMs}&amp;to=${e.endMs ?? e.startMs + 600_000}">samples</a></td></tr>`)}
</tbody></table>`;
}

export function overviewPage(o: Overview, csrf: string): string {
  const body = html`<h1>catwatch</h1>
<p>Model: <b>${o.modelVersion ?? 'none loaded'}</b> · samples ${Object.entries(o.samples).map(([s, n]) => `${s} ${n}`).join(', ')} · disk ${mb(o.diskBytes)} of ${mb(o.quotaBytes)}</p>
<section class="cameras">${o.cameras.map((c) => html`<figure class="camera" data-camera="${c.name}"><a href="/live/${c.name}"><img class="live-thumb" src="/api/live/${c.name}.mjpeg" alt="live ${c.name}"></a>
<figcaption><b>${c.name}</b> ${c.connected ? 'connected' : 'disconnected'} · ${c.fps.toFixed(1)} fps${c.lastError ? html` · <span class="error">${c.lastError}</span>` : html``}</figcaption></figure>`)}</section>
<h2>Last events</h2>${eventRows(o.lastEvents)}`;
  return layout({ title: 'Overview', csrf, body });
}

export function livePage(camera: string, csrf: string): string {
  return layout({ title: `Live ${camera}`, csrf, body: html`<h1>${camera}</h1><img class="live" src="/api/live/${camera}.mjpeg" alt="live view of ${camera}">` });
}

export function eventsPage(events: readonly EventRecord[], filter: { camera?: string }, csrf: string): string {
  const body = html`<h1>Events</h1><form class="filters" method="get" action="/events"><label>camera <input name="camera" value="${filter.camera ?? ''}"></label>
<label>since <input name="since" type="date"></label> <button>Filter</button></form>${eventRows(events)}`;
  return layout({ title: 'Events', csrf, body });
}
