// A typed client of the mock's control API. Its types come from controlapi.yaml: the build
// generates controlapi.d.ts with openapi-typescript, so a change of the control API's shapes shows
// up here (and in the code of whoever uses this client) as a compile error, never as a silent
// mismatch.
import type { operations, paths } from './controlapi';

type Operation = keyof operations;
type JSONContent<T> = T extends { content: { 'application/json': infer B } } ? B : never;

/** The JSON body an operation of the control API takes. */
export type RequestBody<O extends Operation> = JSONContent<NonNullable<operations[O]['requestBody']>>;

/** The JSON an operation answers when it succeeds (its 200 or 201). */
export type SuccessBody<O extends Operation> = {
  [S in keyof operations[O]['responses']]: S extends 200 | 201 ? JSONContent<operations[O]['responses'][S]> : never;
}[keyof operations[O]['responses']];

/** The query parameters of an operation. */
export type Query<O extends Operation> = NonNullable<operations[O]['parameters']['query']>;

/** A fault rule as mock.fault() takes it: an action (or '*') and a status, a delay or drop. */
export type FaultRule = RequestBody<'addFault'>;
/** A fault rule as the mock keeps it, with its id and how often it matched. */
export type Fault = SuccessBody<'addFault'>['fault'];
/** One entry of the request journal. */
export type JournalEntry = SuccessBody<'listRequests'>['requests'][number];
/** The filter of mock.requests(). */
export type JournalFilter = Query<'listRequests'>;
/** What completing a checkout or a card update may set. */
export type Card = RequestBody<'completeCheckout'>;
/** The answer of a completed or declined link. */
export type LinkResult = SuccessBody<'completeCheckout'>;
/** What a loaded state or scenario holds. */
export type StateLoaded = SuccessBody<'loadScenario'>;
/** The clock after an advance, with the renewal invoices it made. */
export type ClockAdvanced = SuccessBody<'advanceClock'>;

/** An error answer of the control API (its envelope's code and message). */
export class MockControlError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`${method} ${path}: ${status} ${code}: ${message}`);
    this.name = 'MockControlError';
  }
}

/** Where the mock is and which session a MockControl acts on. */
export interface MockControlOptions {
  /** The mock's base URL, e.g. http://127.0.0.1:8080. */
  url: string;
  /** The X-Mock-Session every call sends; '' (the default) is the default session. */
  session?: string;
  /** Per-call timeout in milliseconds (default 10000). */
  timeoutMs?: number;
}

/**
 * Drives one session of the mock: scenarios, the billing clock, faults, the request journal, and
 * paying or declining the links the billing API hands out. Every method sends the session's
 * X-Mock-Session and throws a MockControlError for an error answer.
 */
export class MockControl {
  readonly url: string;
  readonly session: string;
  readonly #timeoutMs: number;

  constructor(options: MockControlOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.session = options.session ?? '';
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** The same mock, another session. */
  withSession(session: string): MockControl {
    return new MockControl({ url: this.url, session, timeoutMs: this.#timeoutMs });
  }

  /** The headers that put a request of your own in this session ({} for the default session). */
  headers(): Record<string, string> {
    return this.session ? { 'X-Mock-Session': this.session } : {};
  }

  health(): Promise<SuccessBody<'health'>> {
    return this.#call('GET', '/_mock/health');
  }

  /** Puts the session back to the seed it started from (its journal and fault rules cleared). */
  async reset(): Promise<void> {
    await this.#call('POST', '/_mock/reset');
  }

  /** The named scenarios. */
  async scenarios(): Promise<SuccessBody<'listScenarios'>['scenarios']> {
    return (await this.#call<SuccessBody<'listScenarios'>>('GET', '/_mock/scenarios')).scenarios;
  }

  /** Replaces the session's state with a named scenario, e.g. 'past-due'. */
  loadScenario(name: string): Promise<StateLoaded> {
    return this.#call('POST', '/_mock/scenarios/{name}', { name });
  }

  /** The session's whole state as seed YAML (what -fixtures loads). */
  exportState(): Promise<string> {
    return this.#call('GET', '/_mock/state', {}, { text: true });
  }

  /** Replaces the session's state with a seed (YAML or JSON text). */
  importState(seed: string): Promise<SuccessBody<'importState'>> {
    return this.#call('PUT', '/_mock/state', {}, { raw: seed });
  }

  /** The session's billing clock (RFC 3339). */
  async clock(): Promise<string> {
    return (await this.#call<SuccessBody<'getClock'>>('GET', '/_mock/clock')).now;
  }

  /** Moves the clock forward by a Go duration ('720h') or to a time ({ to: '2027-01-01T00:00:00Z' }). */
  advanceClock(by: string | RequestBody<'advanceClock'>): Promise<ClockAdvanced> {
    return this.#call('POST', '/_mock/clock/advance', {}, { json: typeof by === 'string' ? { by } : by });
  }

  /** Adds a fault rule, e.g. { action: 'getorganization', status: 500, count: 1 }; resolves to it. */
  async fault(rule: FaultRule): Promise<Fault> {
    return (await this.#call<SuccessBody<'addFault'>>('POST', '/_mock/faults', {}, { json: rule })).fault;
  }

  /** The session's fault rules, in the order they are tried. */
  async faults(): Promise<Fault[]> {
    return (await this.#call<SuccessBody<'listFaults'>>('GET', '/_mock/faults')).faults;
  }

  /** Deletes every fault rule, or the one with this id. */
  async clearFaults(id?: string): Promise<void> {
    if (id === undefined) await this.#call('DELETE', '/_mock/faults');
    else await this.#call('DELETE', '/_mock/faults/{id}', { id });
  }

  /** The session's request journal, newest first, e.g. requests({ action: 'updatesubscription' }). */
  async requests(filter: JournalFilter = {}): Promise<JournalEntry[]> {
    return (await this.#call<SuccessBody<'listRequests'>>('GET', '/_mock/requests', {}, { query: filter })).requests;
  }

  /** Pays a payment link (the whole link getpaymentlink answered, or its id). */
  completeCheckout(link: string, card: Card = {}): Promise<LinkResult> {
    return this.#call('POST', '/_mock/checkouts/{id}/complete', { id: linkId(link) }, { json: card });
  }

  /** Declines a payment link. */
  declineCheckout(link: string): Promise<SuccessBody<'declineCheckout'>> {
    return this.#call('POST', '/_mock/checkouts/{id}/decline', { id: linkId(link) });
  }

  /** Saves a new card through an update-card link (the whole link or its id). */
  completeCardUpdate(link: string, card: RequestBody<'completeCardUpdate'> = {}): Promise<SuccessBody<'completeCardUpdate'>> {
    return this.#call('POST', '/_mock/card-updates/{id}/complete', { id: linkId(link) }, { json: card });
  }

  /** Cancels an update-card link. */
  declineCardUpdate(link: string): Promise<SuccessBody<'declineCardUpdate'>> {
    return this.#call('POST', '/_mock/card-updates/{id}/decline', { id: linkId(link) });
  }

  async #call<T>(
    method: string,
    path: keyof paths,
    params: Record<string, string> = {},
    body: { json?: unknown; raw?: string; query?: Record<string, string | number | undefined>; text?: boolean } = {},
  ): Promise<T> {
    const filled = path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
    const url = new URL(this.url + filled);
    for (const [k, v] of Object.entries(body.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = this.headers();
    let payload: string | undefined;
    if (body.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(body.json);
    } else if (body.raw !== undefined) {
      headers['Content-Type'] = 'application/yaml';
      payload = body.raw;
    }
    const res = await fetch(url, { method, headers, body: payload, signal: AbortSignal.timeout(this.#timeoutMs) });
    const text = await res.text();
    if (res.ok && body.text) return text as T;
    let data: any;
    try {
      data = JSON.parse(text);
    } catch {
      throw new MockControlError(method, filled, res.status, 'bad_response', `not JSON: ${text.slice(0, 200)}`);
    }
    if (!res.ok) throw new MockControlError(method, filled, res.status, data?.error?.code ?? 'unknown', data?.error?.message ?? text);
    return data as T;
  }
}

/** The id of a payment or update-card link: its last path segment (a bare id stays as it is). */
export function linkId(link: string): string {
  const path = link.replace(/[?#].*$/, '');
  return path.slice(path.lastIndexOf('/') + 1);
}
