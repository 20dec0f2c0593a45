/**
 * Replays: a repeated cached read answered without routing, validation or JSON work.
 *
 * A route that opts in (`route({ replay: true })`: a GET whose answer is a function of its URL,
 * its caller and the cached reads behind it, with no rate limit) leaves, after a 200 whose every
 * cached read L1 now holds, the exact bytes and headers it sent, keyed by the caller's
 * `Authorization` header and the URL's path and query. The next identical request is sent those
 * bytes when — checked on every hit — the token is one this isolate verified and has not expired,
 * its user still has one of the route's roles, every L1 entry behind the answer is still the
 * current one (so invalidation, the bus, the staleness bound, the L1 TTL and an L2 epoch change
 * end a replay exactly as they end the L1 hit), and the domain's `maySee` rules still pass. Any no
 * falls through to the full route, which answers as usual.
 * Nothing waits, so the request deadline cannot be reached here.
 */
import type { Context } from "hono";
import { LRUCache } from "lru-cache";
import { type AppRole, knownUser, mayCall } from "../auth.ts";
import { cache } from "../cache/index.ts";
import type { CheckAgain } from "../cache/authorized.ts";
import type { AppEnv } from "./env.ts";

interface Replay {
  /** The route template, for the request's metric and log line. */
  readonly route: string;
  readonly roles: readonly AppRole[];
  readonly again: readonly CheckAgain[];
  readonly body: string;
  /** The answer's headers less those made per request (request id, timings). */
  readonly headers: readonly [string, string][];
}

/** Made per request, so never replayed. */
const PER_REQUEST = new Set(["x-request-id", "server-timing", "date", "content-length"]);

const replays = new LRUCache<string, Replay>({
  max: 10_000,
  maxSize: 32 * 1024 * 1024,
  sizeCalculation: (r, key) => (r.body.length + key.length) * 2 + 256,
});

let served = 0;

/** Whose and which answer: the caller's header and the URL's path and query (`url` is absolute). */
function replayKey(authorization: string, url: string): string {
  return `${authorization}\n${url.slice(url.indexOf("/", url.indexOf("//") + 2))}`;
}

/** Keeps the answer `c` just built, if its route and its service allow a replay. */
export async function keepForReplay(c: Context<AppEnv>, route: string): Promise<void> {
  const source = c.get("replay");
  if (!source?.again || source.reads !== 1 || c.res.status !== 200 || c.req.method !== "GET") {
    return;
  }
  const authorization = c.req.header("authorization");
  if (!authorization) return;
  const headers: [string, string][] = [];
  c.res.headers.forEach((value, name) => {
    // A replay is an L1 hit, whichever tier answered the request it repeats.
    if (name === "x-cache") headers.push([name, "l1"]);
    else if (!PER_REQUEST.has(name)) headers.push([name, value]);
  });
  const body = await c.res.clone().text();
  replays.set(replayKey(authorization, c.req.url), {
    route,
    roles: source.roles,
    again: source.again,
    body,
    headers,
  });
}

/** The replayed answer to `request`, or undefined when the full route must answer it. */
export function replay(
  request: Request,
  perRequest: (started: number, route: string) => [string, string][],
): Response | undefined {
  if (request.method !== "GET") return undefined;
  const authorization = request.headers.get("authorization");
  if (!authorization) return undefined;
  const started = performance.now();
  const key = replayKey(authorization, request.url);
  const kept = replays.get(key);
  if (!kept) return undefined;
  const user = knownUser(authorization);
  if (!user || !mayCall(user, kept.roles)) return undefined;
  for (const check of kept.again) if (!check.maySee()) return undefined;
  for (const check of kept.again) {
    if (!cache.isCurrent(check.key, check.entry)) {
      replays.delete(key);
      return undefined;
    }
  }
  served++;
  return new Response(kept.body, {
    headers: [...kept.headers, ...perRequest(started, kept.route)],
  });
}

/** Replay counters of this isolate (in `/stats`). */
export function replayStats() {
  return { served, kept: replays.size };
}
