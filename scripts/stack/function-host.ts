/**
 * Runs one edge function instance for the local gateway, the way the edge runtime runs one isolate:
 * `deno run -A function-host.ts <entrypoint> <port>`.
 *
 * The entrypoint calls `Deno.serve(handler)` or `Deno.serve(options, handler)` exactly as on hosted
 * Supabase (or only does `export default { fetch }`), so the host swaps in a `Deno.serve` that pins
 * the listener to 127.0.0.1:<port> chosen by the gateway, then imports the entrypoint.
 */
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";

type Handler = Deno.ServeHandler;
type ServeOptions = Partial<Deno.ServeTcpOptions> & { handler?: Handler };

const [entrypoint, portArg] = Deno.args;
const port = Number(portArg);
if (!entrypoint || !Number.isInteger(port) || port <= 0) {
  console.error("usage: function-host.ts <entrypoint> <port>");
  Deno.exit(2);
}

/**
 * Ends the instance the way the edge runtime ends an isolate: a `beforeunload` event first, so
 * background work (the last metrics flush) can start, a short grace for it, then exit.
 */
let ending = false;
async function end(): Promise<never> {
  if (!ending) {
    ending = true;
    globalThis.dispatchEvent(new Event("beforeunload"));
    await new Promise((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS));
  }
  Deno.exit(0);
}
const SHUTDOWN_GRACE_MS = 1_000;
Deno.addSignalListener("SIGTERM", end);

// The gateway keeps our stdin open for as long as it lives; EOF means it is gone (even by
// SIGKILL), so exit instead of lingering as an orphan holding a port.
(async () => {
  const buffer = new Uint8Array(64);
  while ((await Deno.stdin.read(buffer)) !== null) { /* nothing is ever sent */ }
  await end();
})();

const realServe = Deno.serve.bind(Deno);
let served = false;

function pinnedServe(first: Handler | ServeOptions, second?: Handler): Deno.HttpServer {
  const options: ServeOptions = typeof first === "function" ? {} : first;
  const handler = typeof first === "function" ? first : second ?? options.handler;
  if (!handler) throw new TypeError("Deno.serve needs a handler");
  served = true;
  return realServe({
    ...options,
    hostname: "127.0.0.1",
    port,
    // Quiet: the gateway logs one line per instance itself.
    onListen: () => {},
  }, handler);
}
// Deno.serve is an accessor on the Deno namespace, so plain assignment replaces it.
(Deno as { serve: unknown }).serve = pinnedServe;

const module = await import(pathToFileURL(resolve(entrypoint)).href);
const fetchExport = module.default?.fetch;
if (!served) {
  if (typeof fetchExport !== "function") {
    console.error(`${entrypoint} neither calls Deno.serve nor exports default { fetch }`);
    Deno.exit(1);
  }
  pinnedServe((request, info) => fetchExport.call(module.default, request, info));
}
