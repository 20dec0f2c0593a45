/**
 * Unexpected errors (the generic 500s) reported to Sentry, as Supabase's Edge Functions guide
 * does it: no default integrations (no global handlers, no shared breadcrumbs — an isolate serves
 * many requests and there is no per-request scope), one `withScope` per error, and a bounded
 * `flush` before the response leaves, because the isolate may be recycled right after.
 * Without `SENTRY_DSN` nothing is loaded and nothing is sent.
 */
import type * as SentrySdk from "@sentry/deno";
import { config } from "../config.ts";
import { scrubEvent } from "./scrub.ts";
import { log } from "../log.ts";

/** What the request knew when it failed; the user goes out as `{ id }` only. */
export interface UnexpectedScope {
  requestId: string;
  fn: string;
  /** The route template (`/projects/{id}`), never the path. */
  route: string;
  method: string;
  userId?: string | null;
}

/** The longest a failed request waits for its report to leave (the SDK's own bound is 2×). */
const FLUSH_MS = 2_000;

type Sdk = typeof SentrySdk;

let sdk: Promise<Sdk | undefined> | undefined;

/**
 * The SDK, imported and initialised once per isolate. Imported only when a DSN is set (the
 * import costs ~180 ms of cold start), and started at module load so the first error does not
 * pay for it.
 */
function loadSdk(): Promise<Sdk | undefined> {
  const { dsn, environment, release } = config.sentry;
  if (!dsn) return Promise.resolve(undefined);
  sdk ??= import("@sentry/deno").then((Sentry) => {
    Sentry.init({
      dsn,
      environment,
      release,
      defaultIntegrations: false,
      tracesSampleRate: 0,
      sendDefaultPii: false,
      beforeSend: (event) => scrubEvent(event),
    });
    return Sentry;
  }).catch((error) => {
    logFailure("sentry_unavailable", error);
    return undefined;
  });
  return sdk;
}

if (config.sentry.dsn) loadSdk();

/**
 * Reports an error that became a generic 500: captured once in a scope of its own, tagged with
 * `request_id`, `function`, `route` and `method`, then flushed. Await it before returning the
 * response. Resolves at once without `SENTRY_DSN`; never throws; never waits much past 2 s.
 */
export async function captureUnexpected(error: unknown, scope: UnexpectedScope): Promise<void> {
  if (!config.sentry.dsn) return;
  const deadline = performance.now() + FLUSH_MS;
  try {
    const Sentry = await bounded(loadSdk(), FLUSH_MS);
    if (!Sentry) return;
    Sentry.withScope((s) => {
      s.setTags({
        request_id: scope.requestId,
        function: scope.fn,
        route: scope.route,
        method: scope.method,
      });
      if (scope.userId) s.setUser({ id: scope.userId });
      s.setLevel("error");
      Sentry.captureException(error);
    });
    const left = Math.max(0, deadline - performance.now());
    // `flush(t)` waits for the client, then the transport, each up to t: race it to hold 2 s.
    await bounded(Sentry.flush(FLUSH_MS), left);
  } catch (failure) {
    logFailure("sentry_capture_failed", failure);
  }
}

/** The promise's value, or `undefined` once `ms` have passed (the timer never outlives it). */
async function bounded<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<undefined>((resolve) => timer = setTimeout(() => resolve(undefined), ms)),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function logFailure(event: string, error: unknown): void {
  // The error's class only: its message could carry what the report was meant to keep private.
  const name = error instanceof Error ? error.name : typeof error;
  log.warn(event, { error: name });
}
