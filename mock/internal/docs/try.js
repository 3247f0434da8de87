// The API reference page's "Try it" forms: each sends its action to this mock with fetch() and
// shows the answer's status, the headers a client reads, and the body. The page reads the same
// without this script; it only shows the forms (they are hidden until then).
'use strict';

const shown = ['Content-Type', 'Preference-Applied', 'WWW-Authenticate', 'Allow'];

function line(text, className) {
  const p = document.createElement('p');
  p.className = className;
  p.textContent = text;
  return p;
}

async function send(form) {
  const out = form.querySelector('output');
  const button = form.querySelector('button');
  const url = new URL(form.dataset.path, window.location.origin);
  url.searchParams.set('action', form.dataset.action);
  for (const input of form.querySelectorAll('input[name="query"]')) {
    if (input.value !== '') url.searchParams.set(input.dataset.name, input.value);
  }
  const headers = {};
  const token = form.elements.token.value.trim();
  if (token !== '') headers.Authorization = `Bearer ${token}`;
  const session = form.elements.session.value.trim();
  if (session !== '') headers['X-Mock-Session'] = session;
  const prefer = form.elements.prefer.value;
  if (prefer !== '') headers.Prefer = `code=${prefer}`;
  let body;
  const textarea = form.elements.body;
  if (textarea && textarea.value.trim() !== '') {
    headers['Content-Type'] = 'application/json';
    body = textarea.value;
  }
  out.replaceChildren(line(`${form.dataset.method} ${url.pathname}${url.search} …`, 'line muted'));
  button.disabled = true;
  try {
    const res = await fetch(url, { method: form.dataset.method, headers, body, cache: 'no-store' });
    const text = await res.text();
    let pretty = text;
    try { pretty = JSON.stringify(JSON.parse(text), null, 2); } catch { /* not JSON: as it came */ }
    const status = line(`${res.status} ${res.statusText}`, `line status s${String(res.status)[0]}`);
    status.dataset.testid = 'answer-status';
    const head = shown.filter((h) => res.headers.has(h)).map((h) => `${h}: ${res.headers.get(h)}`).join('\n');
    const pre = document.createElement('pre');
    const code = document.createElement('code');
    code.textContent = (head ? `${head}\n\n` : '') + pretty;
    pre.append(code);
    pre.dataset.testid = 'answer-body';
    out.replaceChildren(status, pre);
  } catch (err) {
    out.replaceChildren(line(`The request failed: ${err.message}`, 'line status s5'));
  } finally {
    button.disabled = false;
  }
}

for (const form of document.querySelectorAll('form.try')) {
  form.hidden = false;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    send(form);
  });
}
