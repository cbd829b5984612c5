// The review queue's keyboard and bulk labelling (served as is: no bundler). Labels go to POST /api/samples/label,
// all-or-nothing per request; `u` undoes the last labelling by restoring each sample's previous state.
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const cards = [...document.querySelectorAll('.card')];
const selected = new Set();
const undo = [];
let cursor = 0;
let anchor = null;

// Boxes are placed here (CSP allows no inline style): data-box is the scored box, 0..1 of the frame.
for (const el of document.querySelectorAll('.box[data-box]')) {
  if (!el.dataset.box) continue;
  const b = JSON.parse(el.dataset.box);
  Object.assign(el.style, { left: `${b.x * 100}%`, top: `${b.y * 100}%`, width: `${b.w * 100}%`, height: `${b.h * 100}%`, display: 'block' });
}

function render() {
  cards.forEach((card, i) => {
    card.classList.toggle('cursor', i === cursor);
    card.classList.toggle('selected', selected.has(card));
  });
  document.getElementById('selected-count').textContent = String(selected.size);
}

function say(text) {
  document.getElementById('message').textContent = text;
}

async function post(ids, state) {
  const res = await fetch('/api/samples/label', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify({ ids, state }) });
  const body = await res.json();
  if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
  return body;
}

function setState(card, state) {
  card.dataset.state = state;
  card.querySelector('.state').textContent = state;
}

async function label(state) {
  const targets = selected.size > 0 ? [...selected] : cards[cursor] ? [cards[cursor]] : [];
  if (targets.length === 0) return;
  try {
    await post(targets.map((c) => Number(c.dataset.id)), state);
  } catch (err) {
    say(`not labelled: ${err.message}`);
    return;
  }
  undo.push(targets.map((c) => [c, c.dataset.state]));
  for (const c of targets) setState(c, state);
  say(`labelled ${targets.length} as ${state}`);
  if (selected.size === 0) cursor = Math.min(cards.length - 1, cursor + 1);
  selected.clear();
  render();
}

async function undoLast() {
  const last = undo.pop();
  if (!last) return say('nothing to undo');
  const byState = new Map();
  for (const [card, state] of last) byState.set(state, [...(byState.get(state) ?? []), card]);
  try {
    for (const [state, group] of byState) await post(group.map((c) => Number(c.dataset.id)), state);
  } catch (err) {
    undo.push(last);
    return say(`undo failed: ${err.message}`);
  }
  for (const [card, state] of last) setState(card, state);
  say(`undid the labelling of ${last.length}`);
}

function move(delta) {
  cursor = Math.max(0, Math.min(cards.length - 1, cursor + delta));
  cards[cursor]?.scrollIntoView({ block: 'nearest' });
  render();
}

const keys = {
  j: () => move(1),
  k: () => move(-1),
  x: () => {
    const card = cards[cursor];
    if (card) selected.has(card) ? selected.delete(card) : selected.add(card);
    render();
  },
  n: () => label('negative'),
  p: () => label('positive'),
  r: () => label('rejected'),
  u: () => undoLast(),
  '?': () => document.querySelector('.help').classList.toggle('shown'),
};

document.addEventListener('keydown', (e) => {
  if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement) return;
  if ((e.ctrlKey || e.metaKey) && e.key === 'a') {
    e.preventDefault();
    cards.forEach((c) => selected.add(c));
    return render();
  }
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const action = keys[e.key];
  if (action) {
    e.preventDefault();
    action();
  }
});

cards.forEach((card, i) => {
  card.addEventListener('click', (e) => {
    if (e.shiftKey && anchor !== null) {
      const [from, to] = [Math.min(anchor, i), Math.max(anchor, i)];
      for (let k = from; k <= to; k++) selected.add(cards[k]);
    } else {
      selected.has(card) ? selected.delete(card) : selected.add(card);
      anchor = i;
    }
    cursor = i;
    render();
  });
});

for (const button of document.querySelectorAll('#bulk button[data-label]')) button.addEventListener('click', () => label(button.dataset.label));
render();
