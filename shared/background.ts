/**
 * Work that runs after (or between) responses: the metrics flush, the invalidation outbox
 * replay. On hosted Supabase an isolate may be suspended as soon as no request is open, and only
 * promises handed to `EdgeRuntime.waitUntil(...)` are let finish; elsewhere (the local stack,
 * tests) a plain promise runs anyway. Either way a failure is the work's own business: it never
 * becomes an unhandled rejection.
 */
interface EdgeRuntimeGlobal {
  waitUntil(promise: Promise<unknown>): void;
}

const edge = (globalThis as { EdgeRuntime?: EdgeRuntimeGlobal }).EdgeRuntime;

/** Runs `work` in the background, kept alive by the runtime where it can be. */
export function background(work: () => Promise<unknown>): Promise<void> {
  const running = work().then(() => undefined, () => undefined);
  edge?.waitUntil(running);
  return running;
}

/** Whether the runtime is Supabase's Edge Runtime (it has `EdgeRuntime.waitUntil`). */
export const onEdgeRuntime = edge !== undefined;

/**
 * How long work already under way may go on once the isolate is told it retires (its wall clock,
 * an early drop): the runtime ends it soon after `beforeunload`, so nothing new starts and what
 * runs should be done within this.
 */
export const RETIRING_WORK_MS = 1_000;
let retiringAt: number | undefined;
globalThis.addEventListener("beforeunload", () => retiringAt ??= performance.now());

/** `end` (a `performance.now()` time), or earlier if the isolate is retiring. */
export function endBefore(end: number): number {
  return retiringAt === undefined ? end : Math.min(end, retiringAt + RETIRING_WORK_MS);
}

/**
 * Runs `fn` when the isolate is about to end (`beforeunload` in Supabase's Edge Runtime and in
 * Deno, `unload` as well), once.
 */
export function beforeShutdown(fn: () => Promise<unknown>): void {
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    background(fn);
  };
  globalThis.addEventListener("beforeunload", once);
  globalThis.addEventListener("unload", once);
}
