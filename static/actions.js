// Buttons that change state: <button data-post="/api/..." data-body="{json}">. POST with the page's CSRF token;
// the answer (or the error) goes to #message, and the page reloads to show the new state when asked (data-reload).
const csrf = document.querySelector('meta[name="csrf-token"]').content;

export async function postJson(url, body) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body });
  const answer = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(answer.error ?? `HTTP ${res.status}`);
  return answer;
}

const message = document.getElementById('message');
for (const button of document.querySelectorAll('button[data-post]')) {
  button.addEventListener('click', async () => {
    try {
      const answer = await postJson(button.dataset.post, button.dataset.body || '{}');
      if (message) message.textContent = answer.current ? `current: ${answer.current}` : 'requested';
      if (answer.current) setTimeout(() => location.reload(), 300);
    } catch (err) {
      if (message) message.textContent = `refused: ${err.message}`;
    }
  });
}
