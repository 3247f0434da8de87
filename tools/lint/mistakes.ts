// Compile-fail checks of the types openapi-typescript generates from openapi.yaml: each line after a
// `// @ts-expect-error TSnnnn "fragment"` marker must fail tsc --strict with that error code, and its
// message must contain the fragment (expect-errors.mjs holds that, and that every other line of this
// file compiles); tsc itself holds that each marked line fails at all. lint.sh runs both.
import type { components, operations } from "./generated/billing";

type Schemas = components["schemas"];
/** What a client puts in update's query string (openapi-fetch: params.query.action_query). */
type UpdateQuery = operations["updateBilling"]["parameters"]["query"]["action_query"];
/** update's request body as the operation declares it: either shape, for any action. */
type UpdateBody = NonNullable<operations["updateBilling"]["requestBody"]>["content"]["application/json"];
type DescribeQuery = operations["describeBilling"]["parameters"]["query"];
type HistoryQuery = operations["billingHistory"]["parameters"]["query"];

// Correct calls compile: each action's query string and body where the contract puts them.
export const describeQuery: DescribeQuery = { action: "getorganization", org_id: "org_acme" };
export const historyQuery: HistoryQuery = { action: "list_billing", org_id: "org_acme" };
export const payQuery: UpdateQuery = { action: "getpaymentlink", org_id: "org_new", quantity: 3 };
export const cardQuery: UpdateQuery = { action: "getupdatecardlink" };
export const cardBody: Schemas["OrgRequest"] = { org_id: "org_acme" };
export const updateQuery: UpdateQuery = { action: "updatesubscription" };
export const updateBody: Schemas["QuantityRequest"] = { org_id: "org_acme", quantity: 5 };
export const cancelQuery: Schemas["CancelSubscriptionQuery"] = { action: "cancelsubscription" };
export const cancelBody: Schemas["OrgRequest"] = { org_id: "org_acme" };
export const anyBody: UpdateBody = { org_id: "org_acme", quantity: 5 };

// A call without org_id.
// @ts-expect-error TS2741 "Property 'org_id' is missing"
export const describeWithoutOrg: DescribeQuery = { action: "getorganization" };
// @ts-expect-error TS2741 "Property 'org_id' is missing"
export const historyWithoutOrg: HistoryQuery = { action: "list_billing" };
// @ts-expect-error TS2322 "Property 'org_id' is missing"
export const payWithoutOrg: UpdateQuery = { action: "getpaymentlink", quantity: 3 };
// @ts-expect-error TS2741 "Property 'org_id' is missing"
export const cancelWithoutOrg: Schemas["OrgRequest"] = {};
// @ts-expect-error TS2322 "Property 'org_id' is missing"
export const bodyWithoutOrg: UpdateBody = { quantity: 5 };

// quantity sent to cancelsubscription, in its body or its query string.
// @ts-expect-error TS2353 "'quantity' does not exist in type"
export const cancelWithQuantity: Schemas["OrgRequest"] = { org_id: "org_acme", quantity: 3 };
// @ts-expect-error TS2353 "'quantity' does not exist in type"
export const cancelQueryWithQuantity: Schemas["CancelSubscriptionQuery"] = { action: "cancelsubscription", quantity: 3 };

// A quantity given as a string, in a body (the action's own, or the operation's either shape) or in
// getpaymentlink's query string.
// @ts-expect-error TS2322 "Type 'string' is not assignable to type 'number'"
export const stringQuantity: Schemas["QuantityRequest"] = { org_id: "org_acme", quantity: "5" };
// @ts-expect-error TS2322 "Type 'string' is not assignable to type 'number'"
export const stringQuantityInAnyBody: UpdateBody = { org_id: "org_acme", quantity: "5" };
// @ts-expect-error TS2322 "Type 'string' is not assignable to type 'number'"
export const stringQuantityInQuery: UpdateQuery = { action: "getpaymentlink", org_id: "org_new", quantity: "3" };

// getpaymentlink without its quantity, an action another path has, an action no path has.
// @ts-expect-error TS2322 "Property 'quantity' is missing"
export const payWithoutQuantity: UpdateQuery = { action: "getpaymentlink", org_id: "org_new" };
// @ts-expect-error TS2322 "'\"list_billing\"' is not assignable"
export const historyActionOnDescribe: DescribeQuery = { action: "list_billing", org_id: "org_acme" };
// @ts-expect-error TS2322 "'\"refund\"' is not assignable"
export const unknownAction: UpdateQuery = { action: "refund" };

// What the standard constructs cannot say compiles (openapi.yaml's description, "What OpenAPI 3.0
// cannot say"): update's body is either shape for any action, so through the operation's own body
// type a cancelsubscription body with a quantity, and an updatesubscription body without one, are
// accepted. A client sees these mistakes only when it names the action's own body type, as the
// lines above and examples/frontend (with `satisfies`) do.
export const blindCancelWithQuantity: UpdateBody = { org_id: "org_acme", quantity: 3 };
export const blindUpdateWithoutQuantity: UpdateBody = { org_id: "org_acme" };
