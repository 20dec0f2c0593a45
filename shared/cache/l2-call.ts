/**
 * One Redis call as L2 makes it: under the circuit breaker and a timeout, timed into the stats,
 * and never throwing — `undefined` means "L2 unavailable" and the cache answers without it.
 */
import type { CircuitBreaker } from "./breaker.ts";
import type { CacheStats } from "./stats.ts";

class L2Timeout extends Error {}

export interface CallGuard {
  breaker: CircuitBreaker;
  stats: CacheStats;
  timeoutMs: number;
}

/**
 * Runs `fn` under `guard`. A `supervised` call (the outbox replayer probing an outage) goes out
 * whatever the breaker says and leaves it as it is.
 */
export async function guardedCall<T>(
  guard: CallGuard,
  fn: () => Promise<T>,
  supervised = false,
): Promise<T | undefined> {
  const { breaker, stats } = guard;
  if (!supervised && !breaker.allow()) return undefined;
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pending: Promise<T>;
  try {
    pending = fn();
  } catch {
    stats.l2Errors++;
    if (!supervised) breaker.failure();
    return undefined;
  }
  // The loser of the race must not surface later as an unhandled rejection.
  pending.catch(() => {});
  try {
    const result = await Promise.race([
      pending,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new L2Timeout()), guard.timeoutMs);
      }),
    ]);
    stats.recordLatency(performance.now() - started);
    if (!supervised) breaker.success();
    return result;
  } catch (error) {
    const timedOut = error instanceof L2Timeout ||
      (error instanceof DOMException && error.name === "TimeoutError");
    if (timedOut) stats.l2Timeouts++;
    else stats.l2Errors++;
    if (!supervised) breaker.failure();
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
