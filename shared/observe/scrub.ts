/**
 * What an error report may carry off the machine. Sentry is a third party: an event leaves with
 * the error's type, its stack, our tags and the caller's user id — no request data, no user
 * profile, and no IC number, bank account or email address that slipped into a message. Pure
 * and free of config so the unit tier tests it without an environment; shared/observe/sentry.ts
 * runs it as `beforeSend`.
 */
import type { Breadcrumb, Event } from "@sentry/deno";

export const REDACTED = "[redacted]";

/**
 * One pass over a string, alternatives in order: the query and fragment of a URL (tokens and
 * signed parameters live there; scheme, host and path stay); UUIDs (request ids, user ids) kept,
 * so their digit-only last group is not mistaken for an account number; then emails,
 * Malaysian IC numbers (YYMMDD-PB-NNNN, dashes or spaces optional) and any other run of 8–20
 * digits (bank accounts, card-like numbers, an IC without dashes). Digits next to letters are not
 * a run: hex ids and hashes stay readable.
 */
const SENSITIVE = new RegExp(
  [
    "(?<=\\bhttps?://[^\\s?#\"'<>]+)[?#][^\\s\"'<>]*",
    "(?<uuid>\\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\b)",
    "[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}",
    "(?<![A-Za-z0-9])\\d{6}[-\\s]?\\d{2}[-\\s]?\\d{4}(?![A-Za-z0-9])",
    "(?<![A-Za-z0-9])\\d{8,20}(?![A-Za-z0-9])",
  ].join("|"),
  "gi",
);

/** Keys whose values are secret or personal whatever they hold. */
const SECRET_KEYS = new Set([
  "authorization",
  "cookie",
  "set-cookie",
  "password",
  "secret",
  "token",
  "apikey",
  "api_key",
  "email",
  "ic",
  "ic_number",
  "nric",
  "bank_account",
  "account_number",
  "ip_address",
]);

/** Nesting beyond this is dropped: the SDK normalises to depth 3 anyway. */
const MAX_DEPTH = 8;

/**
 * What every alternative of SENSITIVE needs somewhere in the string: six digits in a row (an IC's
 * first group, any longer run), an `@` (an email) or a `?` / `#` (a URL's query or fragment).
 * Most strings in a log line (route templates, names, codes) have none, and this test costs a
 * fraction of the full pass with its lookbehinds.
 */
const MAYBE_SENSITIVE = /\d{6}|[@?#]/;

/** The string with every sensitive match replaced by `[redacted]`. */
export function scrubString(text: string): string {
  if (!MAYBE_SENSITIVE.test(text)) return text;
  return text.replace(SENSITIVE, (match, ...rest) => {
    const groups = rest.at(-1) as { uuid?: string } | undefined;
    return groups?.uuid ? match : REDACTED;
  });
}

/** A copy of any JSON-like value with strings scrubbed, secret keys and long numbers redacted. */
export function scrubValue(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return scrubString(value);
  // An account or IC number may arrive as a number: 8+ integer digits is not worth the risk.
  if (typeof value === "number") {
    return Number.isInteger(value) && Math.abs(value) >= 1e7 ? REDACTED : value;
  }
  if (typeof value === "bigint") return REDACTED;
  if (value === null || typeof value !== "object") return value;
  if (depth >= MAX_DEPTH) return REDACTED;
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = SECRET_KEYS.has(key.toLowerCase()) ? REDACTED : scrubValue(v, depth + 1);
  }
  return out;
}

function scrubBreadcrumb(crumb: Breadcrumb): Breadcrumb {
  return {
    ...crumb,
    ...(crumb.message !== undefined ? { message: scrubString(crumb.message) } : {}),
    ...(crumb.data !== undefined ? { data: scrubValue(crumb.data) as Breadcrumb["data"] } : {}),
  };
}

/**
 * A copy of the event fit to send: request reduced to method and path-only URL, user reduced to
 * `{ id }`, messages, breadcrumbs, extra and contexts (except the trace ids) scrubbed. Never
 * mutates its input.
 */
export function scrubEvent<T extends Event>(event: T): T {
  const out: T = { ...event };
  if (event.request) {
    // Headers carry the bearer token and cookies, the query string what was searched for, the
    // body anything at all: only the method and the path survive.
    const { method, url } = event.request;
    out.request = {
      ...(method ? { method } : {}),
      ...(url ? { url: scrubString(url.split(/[?#]/)[0]) } : {}),
    };
  }
  if (event.user) {
    const id = event.user.id;
    if (id === undefined || id === null || id === "") delete out.user;
    else out.user = { id: typeof id === "string" ? scrubString(id) : id };
  }
  if (typeof event.message === "string") out.message = scrubString(event.message);
  if (event.logentry) out.logentry = scrubValue(event.logentry) as Event["logentry"];
  if (event.exception?.values) {
    out.exception = {
      ...event.exception,
      values: event.exception.values.map((ex) => ({
        ...ex,
        ...(ex.value !== undefined ? { value: scrubString(ex.value) } : {}),
      })),
    };
  }
  if (event.breadcrumbs) out.breadcrumbs = event.breadcrumbs.map(scrubBreadcrumb);
  if (event.extra) out.extra = scrubValue(event.extra) as Event["extra"];
  if (event.contexts) {
    // Trace and span ids are hex that may happen to be all digits: they are ours, not personal.
    const { trace, ...rest } = event.contexts;
    out.contexts = {
      ...(scrubValue(rest) as Event["contexts"]),
      ...(trace ? { trace } : {}),
    };
  }
  return out;
}
