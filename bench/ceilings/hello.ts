/**
 * Ceiling: a bare `Deno.serve` answering "hello" — the most any handler on this machine can do.
 * Served directly (`deno run -A bench/ceilings/hello.ts --port N`) and, through
 * bench/functions/hello, behind the gateway, so the gateway hop is measured on its own.
 */
import { parseArgs } from "node:util";

/** The whole handler: no routing, no JSON, no auth. */
export function hello(): Response {
  return new Response("hello");
}

if (import.meta.main) {
  const { values } = parseArgs({ args: Deno.args, options: { port: { type: "string" } } });
  Deno.serve(
    { hostname: "127.0.0.1", port: Number(values.port ?? 8000), onListen: () => {} },
    hello,
  );
}
