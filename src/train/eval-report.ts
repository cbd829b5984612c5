/**
 * The HTML report of `catwatch eval`: one self-contained file (inline CSS, inline SVG curves, thumbnails as base64
 * JPEG data URIs) so it can be mailed or opened from any folder without a server or a chart library. It shows the
 * metrics, the FPR per negative subcategory at the model's threshold, the ROC and precision-recall curves, and the
 * photos the model gets most wrong: the highest-scoring negatives and the lowest-scoring positives (shown even when
 * they are on the right side of the threshold, because they are where the next error will come from).
 */
import { basename } from 'node:path';
import sharp from 'sharp';
import { NEAR_CLASS, type Evaluation, type Scored } from './evaluate.js';
import { auroc, prCurve, rocCurve } from './metrics.js';
import { escapeHtml } from '../util/escape-html.js';

export interface ReportItem extends Scored {
  ref: string;
  /** Parts of the score (v2 models): the backbone's prior, the head's contribution in logits, the guard's trust. */
  prior?: number;
  head?: number;
  trust?: number;
}

export interface EvalReportInput {
  version: string;
  backboneId: string;
  label: string;
  threshold: number;
  evaluation: Evaluation;
  items: readonly ReportItem[];
  createdAt: Date;
  /** Photos per gallery (default 12). */
  worstCount?: number;
}

const THUMB_PX = 112;
const PLOT_PX = 300;
const MARGIN_PX = 40;

function fmt(value: number, digits = 4): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

function pct(value: number): string {
  return Number.isFinite(value) ? `${(value * 100).toFixed(2)}%` : 'n/a';
}

/** A line chart on the unit square, with axes, ticks and an optional marked point (the operating point). */
function curveSvg(options: {
  title: string;
  xLabel: string;
  yLabel: string;
  points: ReadonlyArray<{ x: number; y: number }>;
  marker?: { x: number; y: number; label: string };
  diagonal?: boolean;
}): string {
  const size = PLOT_PX + 2 * MARGIN_PX;
  const px = (x: number) => MARGIN_PX + x * PLOT_PX;
  const py = (y: number) => MARGIN_PX + (1 - y) * PLOT_PX;
  // One vertex per distinct pixel position keeps a curve over thousands of scores to a few hundred vertices.
  const vertices: string[] = [];
  for (const p of options.points) {
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) continue;
    const v = `${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`;
    if (v !== vertices[vertices.length - 1]) vertices.push(v);
  }
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}" role="img" aria-label="${escapeHtml(options.title)}">`,
    `<text x="${size / 2}" y="18" text-anchor="middle" font-weight="bold">${escapeHtml(options.title)}</text>`,
    `<rect x="${MARGIN_PX}" y="${MARGIN_PX}" width="${PLOT_PX}" height="${PLOT_PX}" fill="none" stroke="#888"/>`,
    ...ticks.flatMap((t) => [
      `<line x1="${px(t)}" y1="${py(0)}" x2="${px(t)}" y2="${py(0) + 4}" stroke="#888"/>`,
      `<text x="${px(t)}" y="${py(0) + 15}" text-anchor="middle" font-size="10">${t}</text>`,
      `<line x1="${px(0) - 4}" y1="${py(t)}" x2="${px(0)}" y2="${py(t)}" stroke="#888"/>`,
      `<text x="${px(0) - 6}" y="${py(t) + 3}" text-anchor="end" font-size="10">${t}</text>`,
    ]),
    `<text x="${size / 2}" y="${size - 6}" text-anchor="middle" font-size="12">${escapeHtml(options.xLabel)}</text>`,
    `<text x="12" y="${size / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 12 ${size / 2})">${escapeHtml(options.yLabel)}</text>`,
  ];
  if (options.diagonal) parts.push(`<line x1="${px(0)}" y1="${py(0)}" x2="${px(1)}" y2="${py(1)}" stroke="#ccc" stroke-dasharray="4 4"/>`);
  parts.push(`<polyline fill="none" stroke="#1565c0" stroke-width="2" points="${vertices.join(' ')}"/>`);
  const m = options.marker;
  if (m && Number.isFinite(m.x) && Number.isFinite(m.y)) {
    parts.push(`<circle cx="${px(m.x).toFixed(1)}" cy="${py(m.y).toFixed(1)}" r="4" fill="#c62828"><title>${escapeHtml(m.label)}</title></circle>`);
  }
  parts.push('</svg>');
  return parts.join('\n');
}

async function thumbnail(file: string): Promise<string | undefined> {
  try {
    const jpeg = await sharp(file).rotate().resize(THUMB_PX, THUMB_PX, { fit: 'cover' }).jpeg({ quality: 70 }).toBuffer();
    return `data:image/jpeg;base64,${jpeg.toString('base64')}`;
  } catch {
    return undefined; // the file changed or vanished since it was scored: show the caption without a picture
  }
}

async function gallery(title: string, items: readonly ReportItem[], isError: (i: ReportItem) => boolean, errorName: string): Promise<string> {
  if (items.length === 0) return `<h2>${escapeHtml(title)}</h2><p>none</p>`;
  const figures = await Promise.all(items.map(async (item) => {
    const src = await thumbnail(item.ref);
    const image = src ? `<img src="${src}" width="${THUMB_PX}" height="${THUMB_PX}" alt="">` : '<div class="missing">unreadable</div>';
    const flag = isError(item) ? ` <b class="err">${errorName}</b>` : '';
    const parts = item.prior === undefined || !Number.isFinite(item.prior) ? '' : ` (prior ${fmt(item.prior)}, head ${fmt(item.head ?? Number.NaN)}, trust ${fmt(item.trust ?? Number.NaN)})`;
    return `<figure title="${escapeHtml(item.ref)}">${image}<figcaption>${fmt(item.score)}${parts}${flag}<br>${escapeHtml(item.subcategory)}<br><span class="file">${escapeHtml(basename(item.ref))}</span></figcaption></figure>`;
  }));
  return `<h2>${escapeHtml(title)}</h2>\n<div class="gallery">\n${figures.join('\n')}\n</div>`;
}

function metricsTable(input: EvalReportInput): string {
  const m = input.evaluation.metrics;
  const rows: Array<[string, string]> = [
    ['positives / negatives', `${m.positives} / ${m.negatives}`],
    ['AUROC', fmt(m.auroc)],
    ['FPR at 95% TPR', pct(m.fprAt95Tpr)],
    ['near-class AUROC', fmt(m.nearAuroc)],
    ['near-class FPR at 95% TPR', pct(m.nearFprAt95Tpr)],
    ['far AUROC', fmt(m.farAuroc)],
    ['far FPR at 95% TPR', pct(m.farFprAt95Tpr)],
    ['threshold', fmt(input.threshold)],
    ['precision at threshold', fmt(m.precision)],
    ['recall at threshold', fmt(m.recall)],
    ['FPR at threshold', pct(m.fprAtThreshold)],
    ['expected calibration error', fmt(m.ece)],
  ];
  return `<table>\n${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('\n')}\n</table>`;
}

/** Prior alone against the combined score, overall and per source (file-name tag up to the first `_`). */
function partsTable(items: readonly ReportItem[]): string {
  if (items.length === 0 || items.some((i) => i.prior === undefined || !Number.isFinite(i.prior))) return '';
  const source = (i: ReportItem) => basename(i.ref).split('_')[0] || 'other';
  const groups = new Map<string, ReportItem[]>([['all', [...items]]]);
  for (const i of items) groups.set(source(i), [...(groups.get(source(i)) ?? []), i]);
  const rows = [...groups].map(([name, own]) => {
    const label = own[0].label;
    const set = name === 'all' || own.every((i) => i.label !== label) ? own : [...own, ...items.filter((i) => i.label !== label)];
    const labels = set.map((i) => i.label);
    const a = (scores: number[]) => (labels.includes(0) && labels.includes(1) ? fmt(auroc(scores, labels)) : 'n/a');
    return `<tr><td>${escapeHtml(name)}</td><td>${own.length}</td><td>${a(set.map((i) => i.prior ?? 0))}</td><td>${a(set.map((i) => i.score))}</td></tr>`;
  });
  return `<h2>Prior alone and combined score (AUROC; a source is measured against the other class)</h2>
<table>\n<tr><th>source</th><th>images</th><th>prior alone</th><th>combined</th></tr>\n${rows.join('\n')}\n</table>`;
}

function subcategoryTable(evaluation: Evaluation): string {
  const rows = Object.entries(evaluation.bySubcategory).map(([name, s]) =>
    `<tr><td>${escapeHtml(name)}</td><td>${NEAR_CLASS.has(name) ? 'near' : 'far'}</td><td>${s.negatives}</td><td>${s.falsePositives}</td><td>${pct(s.fpr)}</td></tr>`);
  return `<table>\n<tr><th>subcategory</th><th>kind</th><th>negatives</th><th>false positives</th><th>FPR</th></tr>\n${rows.join('\n')}\n</table>`;
}

export async function renderEvalReport(input: EvalReportInput): Promise<string> {
  const worst = input.worstCount ?? 12;
  const scores = input.items.map((i) => i.score);
  const labels = input.items.map((i) => i.label);
  const m = input.evaluation.metrics;
  const roc = curveSvg({
    title: `ROC (AUROC ${fmt(m.auroc)})`, xLabel: 'false-positive rate', yLabel: 'true-positive rate', diagonal: true,
    points: rocCurve(scores, labels).map((p) => ({ x: p.fpr, y: p.tpr })),
    marker: { x: m.fprAtThreshold, y: m.recall, label: `threshold ${fmt(input.threshold)}` },
  });
  const pr = curveSvg({
    title: 'Precision-recall', xLabel: 'recall', yLabel: 'precision',
    points: prCurve(scores, labels).map((p) => ({ x: p.recall, y: p.precision })),
    marker: { x: m.recall, y: m.precision, label: `threshold ${fmt(input.threshold)}` },
  });
  const negatives = input.items.filter((i) => i.label === 0).sort((a, b) => b.score - a.score).slice(0, worst);
  const positives = input.items.filter((i) => i.label === 1).sort((a, b) => a.score - b.score).slice(0, worst);
  const title = `catwatch eval: ${input.label} model ${input.version}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; } th, td { border: 1px solid #ccc; padding: 4px 10px; text-align: left; }
.curves { display: flex; flex-wrap: wrap; gap: 2em; }
.gallery { display: flex; flex-wrap: wrap; gap: 10px; }
figure { margin: 0; width: ${THUMB_PX}px; font-size: 11px; } figure img { display: block; }
.missing { width: ${THUMB_PX}px; height: ${THUMB_PX}px; background: #eee; }
.file { color: #777; word-break: break-all; } .err { color: #c62828; }
</style></head><body>
<h1>${escapeHtml(title)}</h1>
<p>Backbone ${escapeHtml(input.backboneId)}; evaluated ${escapeHtml(input.createdAt.toISOString())}. A photo counts as
${escapeHtml(input.label)} when its score is at least the threshold.</p>
${metricsTable(input)}
${partsTable(input.items)}
<h2>False-positive rate per negative subcategory at the threshold</h2>
${subcategoryTable(input.evaluation)}
<div class="curves">
${roc}
${pr}
</div>
${await gallery(`Highest-scoring negatives (${negatives.length})`, negatives, (i) => i.score >= input.threshold, 'false positive')}
${await gallery(`Lowest-scoring positives (${positives.length})`, positives, (i) => i.score < input.threshold, 'false negative')}
</body></html>
`;
}
