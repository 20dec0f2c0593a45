/**
 * Ceiling for a replayed read: a bare `Deno.serve` that answers `GET /p/<key>` with the exact
 * status, headers and body bytes the projects function gave for that key, kept in a Map — the
 * least a server can do to send that answer. At start it asks the function once per key
 * (`--from` + key, with `BENCH_TOKEN`), as a replay keeps the bytes of its last answer.
 * `deno run -A bench/ceilings/map-serve.ts --port N --from http://127.0.0.1:P/projects/ --keys F`
 */
import { parseArgs } from "node:util";

interface Kept {
  status: number;
  headers: [string, string][];
  body: ArrayBuffer;
}

/** Fetches each key's answer once; the handler serves them from memory. */
export async function createMapHandler(
  from: string,
  keys: string[],
  token: string,
): Promise<(request: Request) => Response> {
  const kept = new Map<string, Kept>();
  for (const key of keys) {
    // As wrk asks: no Accept-Encoding, so Deno.serve does not gzip and the bytes kept are the
    // bytes wrk gets (fetch would otherwise ask for gzip and hand back the inflated body).
    const res = await fetch(from + key, {
      headers: { authorization: `Bearer ${token}`, "accept-encoding": "identity" },
    });
    kept.set(key, {
      status: res.status,
      headers: [...res.headers.entries()],
      body: await res.arrayBuffer(),
    });
  }
  return (request) => {
    const url = new URL(request.url);
    const entry = kept.get(url.pathname.slice("/p/".length));
    if (!entry) return new Response("no such key", { status: 404 });
    return new Response(entry.body, { status: entry.status, headers: entry.headers });
  };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { port: { type: "string" }, from: { type: "string" }, keys: { type: "string" } },
  });
  const keys = (await Deno.readTextFile(values.keys!)).split("\n").filter(Boolean);
  const handler = await createMapHandler(values.from!, keys, Deno.env.get("BENCH_TOKEN") ?? "");
  Deno.serve(
    { hostname: "127.0.0.1", port: Number(values.port ?? 8002), onListen: () => {} },
    handler,
  );
}
