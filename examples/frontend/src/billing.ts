// A typed client of the Cloud Plans billing API, as a browser app would write it: the types come
// from openapi.yaml (npm run generate → src/generated/billing.d.ts), the calls from openapi-fetch.
// Every path, action, parameter and answer below is checked by `tsc --strict` against the contract,
// so a change of openapi.yaml that breaks the app breaks `make lint` first.
import createClient from "openapi-fetch";
import type { components, paths } from "./generated/billing";

export type Schemas = components["schemas"];
export type Subscription = NonNullable<Schemas["DescribeResponse"]["response"]["subscription"]>;
export type Invoice = Schemas["HistoryResponse"]["billing_history"][number];
/** The error envelope of every non-2xx answer: {"status": 409, "error": {"code", "message"}}. */
export type ErrorEnvelope = Schemas["Error"];

/** An error answer of the billing API, with the envelope's stable code. */
export class BillingError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface BillingOptions {
  /** Where the billing API is: the mock ("http://127.0.0.1:8080") or the real service. */
  baseUrl: string;
  /** The signed-in user's bearer token. */
  token: string;
  /** The mock only: X-Mock-Session, so that tests or developers get a state of their own. */
  session?: string;
  /** The fetch to send requests with (default: globalThis.fetch). */
  fetch?: (request: Request) => Promise<Response>;
}

const update = "/v1/organizations/billing/update";

/** A client of the six billing actions; every method resolves to its answer or throws a BillingError. */
export function billingClient(opts: BillingOptions) {
  const headers: Record<string, string> = { Authorization: `Bearer ${opts.token}` };
  if (opts.session !== undefined) headers["X-Mock-Session"] = opts.session;
  const client = createClient<paths>({
    baseUrl: opts.baseUrl,
    headers,
    // update's query string is one object parameter (action_query) whose members are the query
    // parameters themselves: ?action=getpaymentlink&org_id=org_new&quantity=2. openapi-fetch sends
    // objects as deepObject (action_query[action]=...) unless told otherwise.
    querySerializer: { object: { style: "form", explode: true } },
    ...(opts.fetch !== undefined && { fetch: opts.fetch }),
  });

  function fail(status: number, error: ErrorEnvelope | undefined): never {
    throw new BillingError(status, error?.error.code ?? "unknown_error", error?.error.message ?? `HTTP ${status}`);
  }

  return {
    /** The organization and its subscription (null when it has none). */
    async describe(orgId: string) {
      const { data, error, response } = await client.GET("/v1/organizations/billing/describe", {
        params: { query: { action: "getorganization", org_id: orgId } },
      });
      if (!data) fail(response.status, error);
      return data.response;
    },

    /** The organization's invoices, newest first. */
    async history(orgId: string): Promise<Invoice[]> {
      const { data, error, response } = await client.GET("/v1/organizations/billing/history", {
        params: { query: { action: "list_billing", org_id: orgId } },
      });
      if (!data) fail(response.status, error);
      return data.billing_history;
    },

    /** Subscribes: answers the hosted checkout page's link; returnUrl is where it comes back to. */
    async paymentLink(orgId: string, quantity: number, returnUrl?: string): Promise<string> {
      const { data, error, response } = await client.POST(update, {
        params: { query: { action_query: { action: "getpaymentlink", org_id: orgId, quantity } } },
      });
      if (!data) fail(response.status, error);
      return withReturn(linkOf(data), returnUrl);
    },

    // The three actions below take a JSON body. The contract cannot tie a body to the action in the
    // query string (update's body type is either shape, for any action), so each body names its
    // action's own type with `satisfies`: a quantity sent to cancelsubscription, or one missing from
    // updatesubscription, is then a compile error.

    /** Changes the card: answers the hosted update-card page's link. */
    async updateCardLink(orgId: string, returnUrl?: string): Promise<string> {
      const { data, error, response } = await client.POST(update, {
        params: { query: { action_query: { action: "getupdatecardlink" } } },
        body: { org_id: orgId } satisfies Schemas["OrgRequest"],
      });
      if (!data) fail(response.status, error);
      return withReturn(linkOf(data), returnUrl);
    },

    /** Changes the number of instances (an invoice for the difference). */
    async updateQuantity(orgId: string, quantity: number): Promise<void> {
      const { data, error, response } = await client.POST(update, {
        params: { query: { action_query: { action: "updatesubscription" } } },
        body: { org_id: orgId, quantity } satisfies Schemas["QuantityRequest"],
      });
      if (!data) fail(response.status, error);
    },

    /** Cancels the subscription at once; the invoices stay. */
    async cancel(orgId: string): Promise<void> {
      const { data, error, response } = await client.POST(update, {
        params: { query: { action_query: { action: "cancelsubscription" } } },
        body: { org_id: orgId } satisfies Schemas["OrgRequest"],
      });
      if (!data) fail(response.status, error);
    },
  };
}

/** The link of a getpaymentlink or getupdatecardlink answer. */
function linkOf(data: Schemas["LinkResponse"] | Schemas["StatusResponse"]): string {
  if (!("response" in data)) throw new BillingError(500, "bad_response", "the answer carries no link");
  return data.response;
}

/** Adds return_url to a hosted page's link: the page sends the browser back there when done. */
export function withReturn(link: string, returnUrl?: string): string {
  if (returnUrl === undefined) return link;
  const u = new URL(link);
  u.searchParams.set("return_url", returnUrl);
  return u.href;
}
