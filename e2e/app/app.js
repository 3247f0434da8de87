// The example app: everything it knows of billing comes from fetch() calls to the billing API, made
// exactly as a frontend app makes them (a bearer token, JSON, CORS). No framework, no build step.
'use strict';

const params = new URLSearchParams(location.search);
const api = params.get('api');
const org = params.get('org') || 'org_acme';
const token = params.get('token') || 'tok_owner';
const session = params.get('session') || '';
const prefer = params.get('prefer') || '';

const $ = (id) => document.getElementById(id);

/** An error answer of the billing API: its envelope's code and message. */
class BillingError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
  toString() {
    return this.status ? `${this.message} (${this.code}, HTTP ${this.status})` : `${this.message} (${this.code})`;
  }
}

/** Calls one billing action; resolves to the answer's JSON, rejects with a BillingError. */
async function billing(method, path, action, query = {}, body = undefined) {
  const url = new URL(path, api);
  url.searchParams.set('action', action);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, String(v));
  const headers = { Authorization: `Bearer ${token}` };
  if (session) headers['X-Mock-Session'] = session;
  if (prefer) headers.Prefer = prefer;
  const init = { method, headers };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(url, init);
  } catch (err) {
    // A CORS refusal or an unreachable server: the browser tells the script nothing more.
    throw new BillingError(0, 'network_error', `The billing service could not be reached: ${err.message}`);
  }
  let data;
  try {
    data = await res.json();
  } catch {
    throw new BillingError(res.status, 'bad_response', `The billing service answered HTTP ${res.status} without JSON`);
  }
  if (!res.ok) {
    throw new BillingError(res.status, data?.error?.code ?? 'unknown_error', data?.error?.message ?? `HTTP ${res.status}`);
  }
  return data;
}

function show(el, on) { el.hidden = !on; }

function showError(el, prefix, err) {
  el.replaceChildren();
  const text = document.createElement('span');
  text.className = 'message';
  text.textContent = `${prefix}: ${err instanceof BillingError ? err.toString() : err}`;
  el.append(text);
  if (err instanceof BillingError) {
    el.dataset.code = err.code;
    el.dataset.status = String(err.status);
  }
  show(el, true);
}

// --- the organization and its subscription ----------------------------------------------------
async function loadOrg() {
  const section = $('org');
  section.dataset.state = 'loading';
  show($('org-status'), true);
  show($('org-error'), false);
  try {
    const { response } = await billing('GET', '/v1/organizations/billing/describe', 'getorganization', { org_id: org });
    $('org-name').textContent = response.organization.name;
    $('org-id').textContent = response.organization.id;
    const sub = response.subscription;
    show($('no-subscription'), sub === null);
    show($('subscription'), sub !== null);
    if (sub) {
      $('sub-plan').textContent = sub.plan;
      $('sub-quantity').textContent = sub.quantity;
      $('sub-status').textContent = sub.status ?? 'active';
      $('sub-card').textContent = sub.payment_exp;
      $('new-quantity').value = sub.quantity;
    }
    show($('org-body'), true);
    section.dataset.state = 'ready';
  } catch (err) {
    showError($('org-error'), 'Could not load the organization', err);
    const retry = document.createElement('button');
    retry.type = 'button';
    retry.id = 'org-retry';
    retry.textContent = 'Retry';
    retry.addEventListener('click', () => loadOrg());
    $('org-error').append(' ', retry);
    show($('org-body'), false);
    section.dataset.state = 'error';
  } finally {
    show($('org-status'), false);
  }
}

// --- the invoices --------------------------------------------------------------------------------
async function loadHistory() {
  const section = $('history');
  section.dataset.state = 'loading';
  show($('history-status'), true);
  show($('history-error'), false);
  try {
    const data = await billing('GET', '/v1/organizations/billing/history', 'list_billing', { org_id: org });
    const rows = data.billing_history.map((inv) => {
      const tr = document.createElement('tr');
      tr.dataset.invoiceId = inv.id;
      tr.dataset.status = inv.status;
      for (const text of [inv.id, inv.date, `$${inv.amount}`, inv.status]) {
        const td = document.createElement('td');
        td.textContent = text;
        tr.append(td);
      }
      return tr;
    });
    $('invoices').tBodies[0].replaceChildren(...rows);
    show($('invoices'), rows.length > 0);
    show($('no-invoices'), rows.length === 0);
    section.dataset.state = 'ready';
  } catch (err) {
    showError($('history-error'), 'Could not load the invoices', err);
    section.dataset.state = 'error';
  } finally {
    show($('history-status'), false);
  }
}

function refresh() {
  return Promise.all([loadOrg(), loadHistory()]);
}

// --- changes -------------------------------------------------------------------------------------
/** Runs a change; on success reloads the organization and its invoices, on failure says why. */
async function change(button, work) {
  show($('action-error'), false);
  button.disabled = true;
  try {
    await work();
  } catch (err) {
    showError($('action-error'), 'The change failed', err);
  } finally {
    button.disabled = false;
  }
}

/** Where a hosted page sends the browser back to: this page, without a previous outcome. */
function backHere() {
  const back = new URL(location.href);
  back.searchParams.delete('checkout');
  back.searchParams.delete('card');
  return back.href;
}

/** Opens a hosted page (a payment or update-card link) with return_url pointing back here. */
function openLink(link) {
  const u = new URL(link);
  u.searchParams.set('return_url', backHere());
  location.assign(u.href);
}

const update = '/v1/organizations/billing/update';

$('subscribe-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  change($('subscribe'), async () => {
    const quantity = Number($('subscribe-quantity').value);
    const { response } = await billing('POST', update, 'getpaymentlink', { org_id: org, quantity });
    openLink(response);
  });
});

$('quantity-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  change($('change-quantity'), async () => {
    const quantity = Number($('new-quantity').value);
    await billing('POST', update, 'updatesubscription', {}, { org_id: org, quantity });
    await refresh();
  });
});

$('change-card').addEventListener('click', () => {
  change($('change-card'), async () => {
    const { response } = await billing('POST', update, 'getupdatecardlink', {}, { org_id: org });
    openLink(response);
  });
});

$('cancel').addEventListener('click', () => {
  change($('cancel'), async () => {
    await billing('POST', update, 'cancelsubscription', {}, { org_id: org });
    await refresh();
  });
});

// --- coming back from a hosted page --------------------------------------------------------------
const outcomes = {
  'checkout=paid': 'Payment complete: the subscription is active.',
  'checkout=declined': 'Payment declined: nothing was charged.',
  'card=saved': 'Card saved.',
  'card=canceled': 'The card was not changed.',
};
for (const name of ['checkout', 'card']) {
  const value = params.get(name);
  const message = value && outcomes[`${name}=${value}`];
  if (message) {
    $('notice').textContent = message;
    $('notice').dataset.outcome = `${name}=${value}`;
    show($('notice'), true);
  }
}

if (!api) {
  showError($('org-error'), 'Configuration', new Error('add ?api=<the mock base URL> to this page'));
} else {
  refresh();
}
