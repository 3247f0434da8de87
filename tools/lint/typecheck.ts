// A compile-only check (tsc --strict --noEmit, see tsconfig.json) that the types openapi-typescript
// generates from openapi.yaml are usable and say what the contract means. lint.sh writes
// generated/billing.d.ts before it runs tsc; nothing here is executed. The mistakes the types must
// refuse are in mistakes.ts.
import type { components, operations, paths } from "./generated/billing";

type Schemas = components["schemas"];

// Compile-time equality: Expect<Equal<A, B>> fails to compile unless A and B are the same type.
type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;

// The 200 answers of the operations are the named schemas (so renaming a schema or re-pointing a
// response breaks this file, not a client).
type Describe200 =
  paths["/v1/organizations/billing/describe"]["get"]["responses"][200]["content"]["application/json"];
type History200 =
  paths["/v1/organizations/billing/history"]["get"]["responses"][200]["content"]["application/json"];
type Update200 = operations["updateBilling"]["responses"][200]["content"]["application/json"];
export type Checks = [
  Expect<Equal<Describe200, Schemas["DescribeResponse"]>>,
  Expect<Equal<History200, Schemas["HistoryResponse"]>>,
  Expect<Equal<Update200, Schemas["LinkResponse"] | Schemas["StatusResponse"]>>,
  // `subscription` is nullable and never absent.
  Expect<Equal<null extends Schemas["DescribeResponse"]["response"]["subscription"] ? true : false, true>>,
  Expect<Equal<undefined extends Schemas["DescribeResponse"]["response"]["subscription"] ? true : false, false>>,
  // `status` is the literal 200 on every success.
  Expect<Equal<Schemas["Status200"], 200>>,
  // `action` is required on every operation and limited to the operation's actions.
  Expect<Equal<operations["describeBilling"]["parameters"]["query"]["action"], "getorganization">>,
  Expect<Equal<operations["billingHistory"]["parameters"]["query"]["action"], "list_billing">>,
  Expect<
    Equal<
      operations["updateBilling"]["parameters"]["query"]["action_query"]["action"],
      "getpaymentlink" | "getupdatecardlink" | "updatesubscription" | "cancelsubscription"
    >
  >,
  // org_id is required on describe and history, in the query string.
  Expect<Equal<operations["describeBilling"]["parameters"]["query"]["org_id"], string>>,
  Expect<Equal<operations["billingHistory"]["parameters"]["query"]["org_id"], string>>,
  // update's body is one of the two body shapes, both with org_id required.
  Expect<
    Equal<
      NonNullable<operations["updateBilling"]["requestBody"]>["content"]["application/json"],
      Schemas["OrgRequest"] | Schemas["QuantityRequest"]
    >
  >,
];

// Sample answers, as the examples in openapi.yaml show them.
export const withSubscription: Describe200 = {
  status: 200,
  response: {
    organization: { resources: 12, name: "Acme Corp", id: "org_acme", owner: "usr_owner" },
    subscription: { payment_exp: "2028-04", plan: "pro", quantity: "3", status: "active" },
  },
};

export const withoutSubscription: Schemas["DescribeResponse"] = {
  status: 200,
  response: {
    organization: { resources: 0, name: "New Co", id: "org_new", owner: "usr_owner" },
    subscription: null,
  },
};

export const history: History200 = {
  status: 200,
  billing_history: [
    {
      status: "unpaid",
      id: "inv_acme_0004",
      organization: "org_acme",
      date: "2026-10-15",
      due_date: "2026-10-29",
      amount: "36.00",
    },
  ],
};

export const link: Update200 = { status: 200, response: "http://127.0.0.1:8080/checkout/chk_1" };
export const changed: Update200 = { status: 200 };

// `subscription` must be narrowed before use: reading `.plan` without the null check does not compile.
export function planOf(answer: Describe200): string {
  const sub = answer.response.subscription;
  if (sub === null) {
    return "none";
  }
  return `${sub.plan} x ${sub.quantity}${sub.status === "past_due" ? " (past due)" : ""}`;
}

// `billing_history` is an array of invoices with literal statuses.
export function unpaidTotal(answer: History200): number {
  return answer.billing_history
    .filter((invoice) => invoice.status === "unpaid")
    .reduce((sum, invoice) => sum + Number(invoice.amount), 0);
}

// An error answer: the envelope, with the code narrowed by the status-specific schema.
export const conflict: Schemas["SubscriptionExistsError"] = {
  status: 409,
  error: { code: "subscription_exists", message: "organization org_acme already has an active subscription" },
};

// @ts-expect-error -- a status other than 200 is not a DescribeResponse.
export const wrongStatus: Describe200 = { status: 201, response: withSubscription.response };

// @ts-expect-error -- a Subscription needs `plan`.
export const missingPlan: Schemas["Subscription"] = { payment_exp: "2028-04", quantity: "3" };

// @ts-expect-error -- an invoice status is `paid` or `unpaid`, lower case.
export const badInvoice: Schemas["Invoice"] = { ...history.billing_history[0]!, status: "PAID" };
