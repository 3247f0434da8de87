// Runs src/billing.ts with a recording fetch and checks what each method puts on the wire: the path,
// the query string byte for byte (openapi-fetch must send update's object query parameter as plain
// query parameters), the body and the headers. check.sh runs it after tsc; it needs no server.
//
//   node wire-check.mjs   (from examples/frontend, after npm ci)
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import ts from "typescript";

// Transpile billing.ts (its imports are openapi-fetch and types) next to node_modules, where the
// openapi-fetch import resolves.
const out = new URL("./node_modules/.wire/billing.mjs", import.meta.url);
mkdirSync(new URL(".", out), { recursive: true });
const source = readFileSync(new URL("./src/billing.ts", import.meta.url), "utf8");
const { outputText } = ts.transpileModule(source, {
  compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
});
writeFileSync(out, outputText);
const { billingClient } = await import(out.href);

const answers = {
  getorganization: { status: 200, response: { organization: { resources: 0, name: "New Co", id: "org_new", owner: "usr_owner" }, subscription: null } },
  list_billing: { status: 200, billing_history: [] },
  getpaymentlink: { status: 200, response: "http://127.0.0.1:8080/checkout/chk_1" },
  getupdatecardlink: { status: 200, response: "http://127.0.0.1:8080/update-card/crd_1" },
  updatesubscription: { status: 200 },
  cancelsubscription: { status: 200 },
};
const sent = [];
const billing = billingClient({
  baseUrl: "http://127.0.0.1:8080",
  token: "tok_owner",
  session: "wire-1",
  fetch: async (request) => {
    const url = new URL(request.url);
    sent.push({ method: request.method, path: url.pathname, query: url.search, body: await request.text(), headers: request.headers });
    const answer = answers[url.searchParams.get("action")] ?? { status: 400, error: { code: "unknown_action", message: "?" } };
    return new Response(JSON.stringify(answer), { status: answer.status, headers: { "Content-Type": "application/json" } });
  },
});

const api = "/v1/organizations/billing";
const calls = [
  [() => billing.describe("org_acme"), "GET", `${api}/describe`, "?action=getorganization&org_id=org_acme", ""],
  [() => billing.history("org_acme"), "GET", `${api}/history`, "?action=list_billing&org_id=org_acme", ""],
  [() => billing.paymentLink("org_new", 2), "POST", `${api}/update`, "?action=getpaymentlink&org_id=org_new&quantity=2", ""],
  [() => billing.updateCardLink("org_acme"), "POST", `${api}/update`, "?action=getupdatecardlink", '{"org_id":"org_acme"}'],
  [() => billing.updateQuantity("org_acme", 5), "POST", `${api}/update`, "?action=updatesubscription", '{"org_id":"org_acme","quantity":5}'],
  [() => billing.cancel("org_acme"), "POST", `${api}/update`, "?action=cancelsubscription", '{"org_id":"org_acme"}'],
];
for (const [call, method, path, query, body] of calls) {
  sent.length = 0;
  const failed = await call().then(() => null, (err) => err);
  assert.equal(sent.length, 1, `${path}${query}: one request`);
  const [r] = sent;
  assert.deepEqual({ method: r.method, path: r.path, query: r.query, body: r.body }, { method, path, query, body });
  assert.equal(failed, null, `${path}${query}: the call failed on a correct answer`);
  assert.equal(r.headers.get("authorization"), "Bearer tok_owner");
  assert.equal(r.headers.get("x-mock-session"), "wire-1");
  if (body !== "") assert.match(r.headers.get("content-type") ?? "", /^application\/json/);
}
console.log(`ok: examples/frontend sends each of its ${calls.length} calls as the contract says (path, query string, body, headers)`);
