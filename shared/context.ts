/**
 * The request's own context — its id and its deadline — carried through every `await` by
 * AsyncLocalStorage, so the database layer can bound its work by the request's deadline
 * without every service passing it along. Outside a request (tests, scripts, background work)
 * there is no context and only the pool's own timeouts apply.
 */
import { AsyncLocalStorage } from "node:async_hooks";

export interface RequestContext {
  readonly requestId: string;
  /** `performance.now()` value past which the request answers 504 and its database work stops. */
  readonly deadline: number;
  /** Milliseconds spent in database transactions so far (the request log's `db_ms`). */
  dbMs?: number;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs `fn` with `context` visible to everything it awaits. */
export function runWithContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** The context of the request being served, if any. */
export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}

/** Milliseconds left before the current request's deadline (Infinity outside a request). */
export function remainingMs(now = performance.now()): number {
  const context = storage.getStore();
  return context ? context.deadline - now : Infinity;
}
