/**
 * When a failed call is tried again: the one rule, pure, so a unit test reads it whole.
 *
 * - 429 means the request was refused before it ran: any request is retried.
 * - 503 is retried for GET / PUT / DELETE and for requests carrying an Idempotency-Key; another
 *   POST or PATCH only on `overloaded` (shed before it ran) — after `db_unavailable` the write may
 *   have committed, and trying again without a key could do it twice.
 * - A network error (no answer) is retried on the same terms as a 503 other than `overloaded`.
 * - The wait is the server's `Retry-After`; without one, `fallbackDelayMs` doubling per attempt.
 *   A server asking for longer than `maxWaitMs` is not waited for: the error (with its
 *   `retryAfterS`) goes to the caller at once.
 */
import type { CrewApiError } from "./errors.ts";

/** How a client retries 429 / 503 answers and network errors. */
export interface RetryOptions {
  /** Retries after the first attempt (default 2; 0 turns retrying off). */
  maxRetries?: number;
  /** The longest single wait, in ms (default 10 000). */
  maxWaitMs?: number;
  /** The first wait when the server sent no `Retry-After`, in ms (default 500). */
  fallbackDelayMs?: number;
}

export const RETRY_DEFAULTS: Required<RetryOptions> = {
  maxRetries: 2,
  maxWaitMs: 10_000,
  fallbackDelayMs: 500,
};

/** What the rule needs to know of the request. */
export interface Attempted {
  method: string;
  /** The request carried an Idempotency-Key (the server answers a repeat once). */
  keyed: boolean;
  /** Retries made so far (0 after the first attempt). */
  retries: number;
}

const SAFE = new Set(["GET", "HEAD", "PUT", "DELETE"]);

/** Milliseconds to wait before trying `request` again after `error`, or null: do not. */
export function retryDelayMs(
  error: Pick<CrewApiError, "status" | "code" | "retryAfterS">,
  request: Attempted,
  options: Required<RetryOptions>,
): number | null {
  if (request.retries >= options.maxRetries) return null;
  const repeatable = SAFE.has(request.method) || request.keyed;
  const retry = error.status === 429 ||
    (error.status === 503 && (repeatable || error.code === "overloaded")) ||
    (error.status === 0 && error.code === "network_error" && repeatable);
  if (!retry) return null;
  const delay = error.retryAfterS !== undefined
    ? error.retryAfterS * 1000
    : options.fallbackDelayMs * 2 ** request.retries;
  return delay > options.maxWaitMs ? null : delay;
}
