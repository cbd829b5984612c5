/** The /models and /train pages: model versions with their metrics and gate decisions, training runs and progress. */
import type { ModelManifest } from '../../model/manifest.js';
import type { TrainRun } from '../../train/train-supervisor.js';
import { formatTime, html, layout, type RawHtml } from './html.js';
import type { TrainSnapshot } from './train-feed.js';

const pct = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '—' : `${(x * 100).toFixed(2)}%`);
const num = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(4));

function versionRow(m: ModelManifest, current: string | undefined, actions: boolean): RawHtml {
  const isCurrent = m.version === current;
  return html`<tr data-version="${m.version}" class="${isCurrent ? 'current' : ''}">
<td>${m.version}${isCurrent ? html` <b>(current)</b>` : html``}</td><td>${m.createdAt.slice(0, 19).replace('T', ' ')}</td><td>${m.reason}</td>
<td>${num(m.metrics.auroc)}</td><td>${pct(m.metrics.nearFprAt95Tpr)}</td><td>${pct(m.metrics.farFprAt95Tpr)}</td><td>${num(m.threshold)}</td>
<td class="decision">${m.decision ?? ''}</td><td><a href="/models/${m.version}/report.html">report</a></td>
${actions ? html`<td>${isCurrent ? html`` : html`<button data-post="/api/models/use" data-body="${JSON.stringify({ version: m.version })}">use</button>`}</td>` : html``}
</tr>`;
}

function versionsTable(versions: readonly ModelManifest[], current: string | undefined, actions: boolean): RawHtml {
  return html`<table class="versions"><thead><tr><th>version</th><th>created</th><th>reason</th><th>AUROC</th><th>near FPR@95%TPR</th><th>far FPR@95%TPR</th><th>threshold</th><th>gate decision</th><th></th>${actions ? html`<th></th>` : html``}</tr></thead>
<tbody>${[...versions].reverse().map((m) => versionRow(m, current, actions))}</tbody></table>`;
}

/** `previous`: what a rollback would make current; without one there is nothing to roll back to, and no button. */
export function modelsPage(o: { versions: readonly ModelManifest[]; current: string | undefined; previous: string | undefined; csrf: string }): string {
  const { versions, current, previous, csrf } = o;
  const rollback = previous ? html`<button data-post="/api/models/rollback" data-body="{}">Roll back to ${previous}</button>` : html``;
  const body = html`<h1>Models</h1><p>Current: <b id="current-version">${current ?? 'the bundled model'}</b>
${rollback} <span id="message" role="status"></span></p>
${versionsTable(versions, current, true)}`;
  return layout({ title: 'Models', csrf, body, script: 'actions.js' });
}

export function trainPage(o: { runs: readonly TrainRun[]; versions: readonly ModelManifest[]; current: string | undefined; feed: TrainSnapshot; csrf: string }): string {
  const time = (ms: number | null): string => (ms === null ? '—' : formatTime(ms));
  const body = html`<h1>Training</h1>
<p><button id="retrain" data-post="/api/train" data-body="{}">Retrain now</button> <span id="message" role="status"></span></p>
<section id="progress" data-snapshot="${JSON.stringify(o.feed)}"><p>State: <b id="train-state">${o.feed.state?.state ?? 'idle'}</b>
<span id="train-phase"></span> <progress id="train-bar" max="1" value="0"></progress> <span id="train-detail"></span></p>
<p id="train-result"></p></section>
<h2>Runs</h2><table class="runs"><thead><tr><th>#</th><th>started</th><th>finished</th><th>reason</th><th>outcome</th><th>version</th></tr></thead><tbody>
${o.runs.map((r) => html`<tr><td>${r.id}</td><td>${time(r.startedAtMs)}</td><td>${time(r.finishedAtMs)}</td><td>${r.reason}</td><td>${r.outcome ?? 'running'}</td><td>${r.version ? html`<a href="/models/${r.version}/report.html">${r.version}</a>` : html`—`}</td></tr>`)}
</tbody></table>
<h2>Versions</h2>${versionsTable(o.versions, o.current, false)}`;
  return layout({ title: 'Training', csrf: o.csrf, body, script: 'train.js' });
}
