/**
 * The body of every route handler: the caller, the service call timed for `Server-Timing`, and
 * the cache tier of a cached answer in `x-cache` — so routes say only which service they call.
 */
import type { Context } from "hono";
import { type Cached, isCached, replayChecks } from "../cache/authorized.ts";
import { type Caller, toCaller } from "../caller.ts";
import type { AppEnv } from "./env.ts";

/** A service result, unwrapped when it is a cached answer. */
export type Served<R> = R extends Cached<infer T> ? T : R;

/** Runs `work` as the route's caller, timed under `metric`. */
export async function handle<R>(
  c: Context<AppEnv>,
  metric: string,
  work: (caller: Caller) => Promise<R>,
): Promise<Served<R>> {
  const timings = c.get("timings");
  const started = performance.now();
  let result: R;
  try {
    result = await work(toCaller(c.get("user")));
  } finally {
    timings[metric] = (timings[metric] ?? 0) + performance.now() - started;
  }
  if (isCached(result)) {
    const replay = c.get("replay");
    if (replay && ++replay.reads === 1) replay.again = replayChecks(result);
    c.header("x-cache", result.source);
    return result.value as Served<R>;
  }
  return result as Served<R>;
}
