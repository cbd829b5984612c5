// The /train page: "Retrain now" (actions.js) and the running training's progress from the server-sent events.
import './actions.js';

const el = (id) => document.getElementById(id);

function showProgress(p) {
  if (!p) return;
  el('train-state').textContent = 'running';
  el('train-phase').textContent = `${p.phase} ${p.done}/${p.total}`;
  el('train-bar').max = Math.max(1, p.total);
  el('train-bar').value = p.done;
  const parts = [p.phase === 'fit' ? `epoch ${p.done}` : '', p.loss === undefined ? '' : `loss ${p.loss.toFixed(4)}`, p.etaS === null ? '' : `about ${p.etaS} s left`];
  el('train-detail').textContent = parts.filter(Boolean).join(', ');
}

function showState(s) {
  if (!s) return;
  el('train-state').textContent = s.state;
  if (s.state === 'running') return;
  el('train-phase').textContent = '';
  el('train-detail').textContent = '';
  const result = el('train-result');
  result.textContent = `${s.state}${s.version ? `: version ${s.version}` : ''}${s.message ? ` — ${s.message}` : ''} `;
  if (s.version) {
    const link = document.createElement('a');
    link.href = `/models/${encodeURIComponent(s.version)}/report.html`;
    link.textContent = 'report';
    link.id = 'train-report';
    result.append(link);
  }
}

const events = new EventSource('/api/train/events');
events.addEventListener('snapshot', (e) => {
  const snap = JSON.parse(e.data);
  showState(snap.state);
  showProgress(snap.progress);
});
events.addEventListener('state', (e) => showState(JSON.parse(e.data)));
events.addEventListener('progress', (e) => showProgress(JSON.parse(e.data)));
