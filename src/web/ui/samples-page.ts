/**
 * The review queue: newest samples first (default: the unreviewed ones), each card with the frame and the scored box
 * drawn over it, the crop, score, camera, time, reason and model version. The keyboard and bulk labelling live in
 * static/samples.js; labels go to POST /api/samples/label.
 */
import type { SampleRecord, SampleState } from '../../store/sample-rows.js';
import { formatTime, html, layout, type RawHtml } from './html.js';

export interface SamplesFilter { state?: SampleState; camera?: string; sinceMs?: number; untilMs?: number; limit: number }

function card(s: SampleRecord): RawHtml {
  const box = s.box ? JSON.stringify(s.box) : '';
  return html`<article class="card" data-id="${s.id}" data-state="${s.state}" tabindex="-1">
<div class="frame"><img src="/api/samples/${s.id}/frame.jpg" alt="frame of sample ${s.id}" loading="lazy"><div class="box" data-box="${box}"></div></div>
<img class="crop" src="/api/samples/${s.id}/crop.jpg" alt="crop of sample ${s.id}" loading="lazy">
<p><b>#${s.id}</b> <span class="state">${s.state}</span> score ${s.score.toFixed(3)}</p>
<p>${s.camera} · ${formatTime(s.capturedAtMs)} · ${s.reason} · model ${s.modelVersion ?? '?'}</p>
</article>`;
}

export function samplesPage(samples: readonly SampleRecord[], filter: SamplesFilter, csrf: string): string {
  const body = html`<h1>Samples</h1>
<form class="filters" method="get" action="/samples">
<label>state <select name="state">${['mined', 'negative', 'positive', 'rejected', 'all'].map((st) => html`<option value="${st}"${(filter.state ?? 'all') === st ? html` selected` : html``}>${st}</option>`)}</select></label>
<label>camera <input name="camera" value="${filter.camera ?? ''}"></label>
<button>Filter</button></form>
<div class="bulk" id="bulk"><span id="selected-count">0</span> selected — label as
<button data-label="negative">negative (n)</button> <button data-label="positive">positive (p)</button> <button data-label="rejected">rejected (r)</button>
<span id="message" role="status"></span></div>
<p class="help">j/k move · x select · shift-click range · Ctrl+A all · n/p/r label · u undo · ? help</p>
<section id="cards">${samples.map(card)}</section>
${samples.length === 0 ? html`<p>No samples here.</p>` : html``}`;
  return layout({ title: 'Samples', csrf, body, script: 'samples.js' });
}
