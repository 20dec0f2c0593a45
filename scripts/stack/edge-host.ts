/**
 * The local stand-in for one Edge Runtime worker. The gateway writes a two-line module per
 * function — this file first, then the function's entrypoint — and runs it on the runtime's Deno
 * inside the sandbox (scripts/stack/edge-runtime.ts). A static import, as the deploy bundle is:
 * the entrypoint's npm graph resolves as `supabase functions deploy` resolves it.
 *
 * What it does, as the runtime does:
 * - `Deno.serve` honours only the handler, onListen and onError; the port is the gateway's.
 * - `EdgeRuntime.waitUntil(promise)` keeps work going after a response; there is no `Worker`.
 * - The worker retires after its wall clock (`wall_clock`), once no request came for an idle
 *   period and nothing is in flight or waited for (`early_drop`), or when stopped
 *   (`termination`): a
 *   `beforeunload` CustomEvent whose `detail.reason` says why, then in-flight requests and
 *   waitUntil work get a grace period, then the process ends. The gateway is told first (one
 *   control line on stderr) and sends the next request to a fresh worker: a cold start.
 * CPU and memory are watched from outside (the gateway reads /proc; V8's heap cap).
 *
 * Runs on the runtime's Deno (2.1): no API newer than that here.
 */

import { CONTROL_PREFIX } from "./edge-control.ts";

type Handler = (request: Request, info: Deno.ServeHandlerInfo) => Response | Promise<Response>;
interface ServeOptions {
  handler?: Handler;
  onListen?: (addr: Deno.NetAddr) => void;
  onError?: (error: unknown) => Response | Promise<Response>;
}

const env = (name: string) => Deno.env.get(name) ?? "";
const port = Number(env("EDGE_HOST_PORT"));
const wallClockMs = Number(env("EDGE_HOST_WALL_CLOCK_S") || 0) * 1000;
const idleMs = Number(env("EDGE_HOST_IDLE_S") || 0) * 1000;
const graceMs = Number(env("EDGE_HOST_GRACE_MS") || 3000);
if (!Number.isInteger(port) || port <= 0) throw new Error("EDGE_HOST_PORT is not set");

let inFlight = 0;
const waited = new Set<Promise<unknown>>();
let lastRequest = performance.now();
let retiring = false;
const ROUTED_MS = 500;

function control(line: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(`${CONTROL_PREFIX}${line}\n`));
}

/** What the runtime offers a function for work past its response. */
const edgeRuntime = {
  waitUntil(promise: Promise<unknown>): void {
    const tracked = Promise.resolve(promise).catch(() => undefined);
    waited.add(tracked);
    // Finished background work is not activity: a worker whose timers keep handing work to
    // waitUntil (a metrics flush, a replay round) is still dropped once requests stop.
    tracked.finally(() => waited.delete(tracked));
  },
};
Object.defineProperty(globalThis, "EdgeRuntime", { value: edgeRuntime, configurable: false });
// A hosted worker cannot start Web Workers (nor has Deno KV or Deno.cron: unstable, off here).
Reflect.deleteProperty(globalThis, "Worker");

async function retire(reason: "wall_clock" | "early_drop" | "termination"): Promise<never> {
  if (!retiring) {
    retiring = true;
    control(`retiring ${reason}`);
    globalThis.dispatchEvent(new CustomEvent("beforeunload", { detail: { reason } }));
    const until = performance.now() + graceMs;
    // The gateway reads the control line a moment later: a request it routed here meanwhile
    // may not have reached the handler yet, so serve for at least ROUTED_MS before ending.
    const routed = performance.now() + ROUTED_MS;
    while (
      (inFlight > 0 || waited.size > 0 || performance.now() < routed) && performance.now() < until
    ) {
      await new Promise((done) => setTimeout(done, 20));
    }
    control(`retired ${reason} in_flight=${inFlight} waiting=${waited.size}`);
  }
  Deno.exit(0);
}

if (wallClockMs > 0) setTimeout(() => retire("wall_clock"), wallClockMs);
if (idleMs > 0) {
  setInterval(() => {
    if (inFlight === 0 && waited.size === 0 && performance.now() - lastRequest >= idleMs) {
      retire("early_drop");
    }
  }, Math.min(1_000, idleMs));
}
Deno.addSignalListener("SIGTERM", () => retire("termination"));
// The gateway keeps our stdin open for as long as it lives; EOF means it is gone (even by
// SIGKILL), so end instead of lingering as an orphan holding a port.
(async () => {
  const buffer = new Uint8Array(64);
  while ((await Deno.stdin.read(buffer)) !== null) { /* nothing is ever sent */ }
  await retire("termination");
})();

const realServe = Deno.serve.bind(Deno) as (
  options: Deno.ServeTcpOptions,
  handler: Handler,
) => Deno.HttpServer;
let served = false;

function counted(handler: Handler): Handler {
  return async (request, info) => {
    inFlight++;
    try {
      return await handler(request, info);
    } finally {
      inFlight--;
      lastRequest = performance.now();
    }
  };
}

function pinnedServe(first: Handler | ServeOptions, second?: Handler): Deno.HttpServer {
  const options: ServeOptions = typeof first === "function" ? {} : first;
  const handler = typeof first === "function" ? first : second ?? options.handler;
  if (!handler) throw new TypeError("Deno.serve needs a handler");
  served = true;
  // Only what the runtime honours: the port, hostname and signal of the caller are ignored.
  return realServe({
    hostname: "127.0.0.1",
    port,
    onListen: () => {},
    ...(options.onError ? { onError: options.onError } : {}),
  }, counted(handler));
}
// Deno.serve is an accessor on the Deno namespace, so plain assignment replaces it.
(Deno as { serve: unknown }).serve = pinnedServe;

/** Called by the generated module after the entrypoint ran: serves `export default { fetch }`. */
export function afterEntrypoint(module: { default?: { fetch?: Handler } }): void {
  if (served) return;
  const fetchExport = module.default?.fetch;
  if (typeof fetchExport !== "function") {
    throw new Error("the entrypoint neither calls Deno.serve nor exports default { fetch }");
  }
  pinnedServe((request, info) => fetchExport.call(module.default, request, info));
}
