// The five lines of the README's "In the browser" section, as written there (only the import path
// differs), so that `make lint` keeps them true.
import createClient from "openapi-fetch";
import type { paths } from "./generated/billing";

declare const token: string;
declare function showError(message: string): void;
declare function render(subscription: { plan: string; quantity: string; payment_exp: string } | null): void;

export async function readmeExample(): Promise<void> {
const billing = createClient<paths>({ baseUrl: "http://127.0.0.1:8080", headers: { Authorization: `Bearer ${token}` } });
const { data, error } = await billing.GET("/v1/organizations/billing/describe", { params: { query: { action: "getorganization", org_id: "org_acme" } } });
if (error) showError(`${error.error.message} (${error.error.code})`); else render(data.response.subscription); // null: no subscription
}
