/**
 * The ceilings the functions are compared with: a bare Deno.serve hello and a raw select by id
 * through pgbouncer (bench/ceilings/), each direct and through the gateway, and a GET through
 * the Upstash REST bridge.
 */
import { IDS } from "./analysis.ts";
import { ROOT, type Service, startDeno } from "./procs.ts";
import type { Session } from "./session.ts";
import type { Stack } from "./stack.ts";

/** The two ceiling servers, started by `withCeilingServers`. */
export interface CeilingServers {
  hello: Service;
  pg: Service;
}

/** Starts the ceiling servers (logs in `logDir`), runs `work` with them, then stops them. */
export async function withCeilingServers(
  stack: Stack,
  logDir: string,
  work: (servers: CeilingServers) => Promise<void>,
) {
  const ceilingEnv = { ...stack.env };
  const hello = await startDeno({
    name: "ceiling-hello",
    script: `${ROOT}/bench/ceilings/hello.ts`,
    args: (port) => ["--port", String(port)],
    env: ceilingEnv,
    logDir,
  });
  const pg = await startDeno({
    name: "ceiling-pg-select",
    script: `${ROOT}/bench/ceilings/pg-select.ts`,
    args: (port) => ["--port", String(port)],
    env: ceilingEnv,
    logDir,
    // A real row: the ceiling answers 404 for unknown ids, and readiness wants a 200.
    readyPath: `/p/${(await Deno.readTextFile(stack.keys.projects)).split("\n")[0]}`,
  }).catch(async (error) => {
    await hello.stop();
    throw error;
  });
  try {
    await work({ hello, pg });
  } finally {
    await hello.stop();
    await pg.stop();
  }
}

/**
 * Measures hello and the raw select, direct and through `gw`, then the bridge: what the
 * functions' own rows are read against.
 */
export async function measureCeilings(
  session: Session,
  stack: Stack,
  gw: Service,
  servers: CeilingServers,
) {
  const { hello, pg } = servers;
  const base = { seed: stack.seed, connections: 50, cacheMode: null, functions: [] };
  const get = (path: string, keys?: string) => ({
    BENCH_PATH: path,
    ...(keys ? { BENCH_KEYS: keys } : {}),
    BENCH_TOKEN: stack.adminToken,
  });
  const rows = [
    ["hello", "direct", hello.url, get("/")],
    ["hello", "gateway", gw.url, get("/functions/v1/hello")],
    ["pg-select", "direct", pg.url, get("/p/{key}", stack.keys.projects)],
    ["pg-select", "gateway", gw.url, get("/functions/v1/pgselect/{key}", stack.keys.projects)],
  ] as const;
  for (const [what, via, url, env] of rows) {
    // Through the gateway the ceilings are workers too: their CPU is read from its /health.
    const workers = via === "gateway"
      ? { gatewayUrl: gw.url, workers: [what === "hello" ? "hello" : "pgselect"] }
      : {};
    await session.measure({
      ...base,
      id: `ceiling/${what}/${via}/c50@${stack.seed}`,
      group: "ceiling",
      title: what === "hello" ? "bare Deno.serve hello" : "raw select by id (pgbouncer)",
      via,
      url,
      script: "get.lua",
      env,
      ...workers,
    }, stack);
  }
  await bridgeCeiling(session, stack);
}

async function bridgeCeiling(session: Session, stack: Stack) {
  const url = stack.env.UPSTASH_REDIS_REST_URL;
  const token = stack.env.UPSTASH_REDIS_REST_TOKEN ?? "";
  const set = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: JSON.stringify(["set", "bench:ceiling", "hello", "ex", 3600]),
  });
  await set.body?.cancel();
  await session.measure({
    id: IDS.bridge(stack.seed),
    group: "ceiling",
    title: "Upstash bridge GET (redis)",
    via: "bridge",
    cacheMode: null,
    seed: stack.seed,
    url,
    script: "upstash-get.lua",
    connections: 50,
    env: { BENCH_TOKEN: token, BENCH_REDIS_KEY: "bench:ceiling" },
    functions: [],
  }, stack);
}
