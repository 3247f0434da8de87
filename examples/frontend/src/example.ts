// How an app uses the client: show the subscription, subscribe through the hosted checkout and come
// back, handle the envelope's error codes.
import { BillingError, billingClient, type Subscription } from "./billing";

const billing = billingClient({ baseUrl: "http://127.0.0.1:8080", token: "tok_owner" });

export function describeSubscription(sub: Subscription | null): string {
  if (sub === null) return "No subscription";
  // quantity is a string of digits in describe, as the API docs have it.
  return `${sub.plan}, ${Number(sub.quantity)} instances, card expires ${sub.payment_exp}` +
    (sub.status === "past_due" ? " (payment past due)" : "");
}

export async function showBilling(orgId: string): Promise<string[]> {
  try {
    const [{ organization, subscription }, invoices] = await Promise.all([billing.describe(orgId), billing.history(orgId)]);
    return [
      `${organization.name} (${organization.id})`,
      describeSubscription(subscription),
      ...invoices.map((inv) => `${inv.date} ${inv.id} $${inv.amount} ${inv.status}`),
    ];
  } catch (err) {
    if (err instanceof BillingError && err.code === "forbidden") return ["You may not see this organization's billing."];
    throw err;
  }
}

/** Sends the browser to the hosted checkout; it comes back to this page with ?checkout=paid|declined. */
export async function subscribe(orgId: string, quantity: number): Promise<void> {
  try {
    location.assign(await billing.paymentLink(orgId, quantity, location.href));
  } catch (err) {
    if (err instanceof BillingError && err.code === "subscription_exists") return; // already subscribed
    throw err;
  }
}
