/**
 * Runs wrk with one of bench/lua/*.lua and reads the JSON line its done() hook prints
 * (bench/lua/lib.lua), so nothing depends on wrk's human-readable output format.
 */
import { fileURLToPath } from "node:url";

export const LUA_DIR = fileURLToPath(new URL("../lua", import.meta.url));

export interface WrkOptions {
  /** Base URL wrk connects to (scheme, host, port); the Lua script builds the paths. */
  url: string;
  /** File name in bench/lua, e.g. `get.lua`. */
  script: string;
  connections: number;
  threads: number;
  durationS: number;
  /** A request slower than this counts as a timeout error (wrk's --timeout). */
  timeoutS: number;
  /** BENCH_* variables the script reads. */
  env: Record<string, string>;
}

export interface WrkResult {
  requests: number;
  durationS: number;
  rps: number;
  latencyMs: { p50: number; p90: number; p99: number; p999: number; mean: number; max: number };
  /** Non-2xx/3xx responses (`status`), socket errors and timeouts; `total` sums them. */
  errors: {
    connect: number;
    read: number;
    write: number;
    status: number;
    timeout: number;
    total: number;
  };
  /** Response codes seen, where the script tracks them (the mix does). */
  statuses: Record<string, number>;
  /** Requests the mix script sent as writes. */
  writes: number;
  /** 503s that carried Retry-After (overload shed on purpose); they are in `statuses` too. */
  shed: number;
  /** Bytes wrk read (status lines, headers, bodies); absent in older results files. */
  bytes?: number;
}

interface WrkJson {
  requests: number;
  duration_us: number;
  bytes?: number;
  errors: Omit<WrkResult["errors"], "total">;
  latency_us: Record<"mean" | "max" | "p50" | "p90" | "p99" | "p999", number>;
  statuses: Record<string, number>;
  writes: number;
  shed?: number;
}

/** Parses the `BENCH_JSON {...}` line of a wrk run; throws when there is none. */
export function parseWrkOutput(stdout: string): WrkResult {
  const line = stdout.split("\n").findLast((l) => l.startsWith("BENCH_JSON "));
  if (!line) throw new Error(`wrk printed no BENCH_JSON line:\n${stdout.slice(-2000)}`);
  const raw = JSON.parse(line.slice("BENCH_JSON ".length)) as WrkJson;
  const ms = (us: number) => Math.round(us) / 1000;
  const durationS = raw.duration_us / 1e6;
  const e = raw.errors;
  return {
    requests: raw.requests,
    durationS,
    rps: durationS > 0 ? raw.requests / durationS : 0,
    latencyMs: {
      p50: ms(raw.latency_us.p50),
      p90: ms(raw.latency_us.p90),
      p99: ms(raw.latency_us.p99),
      p999: ms(raw.latency_us.p999),
      mean: ms(raw.latency_us.mean),
      max: ms(raw.latency_us.max),
    },
    errors: { ...e, total: e.connect + e.read + e.write + e.status + e.timeout },
    statuses: raw.statuses,
    writes: raw.writes,
    shed: raw.shed ?? 0,
    ...(raw.bytes !== undefined ? { bytes: raw.bytes } : {}),
  };
}

/** Runs wrk to completion; throws if wrk is missing or fails (a harness fault, not a result). */
export async function runWrk(options: WrkOptions): Promise<WrkResult> {
  const threads = Math.max(1, Math.min(options.threads, options.connections));
  const args = [
    `-t${threads}`,
    `-c${options.connections}`,
    `-d${Math.max(1, Math.round(options.durationS))}s`,
    `--timeout`,
    `${options.timeoutS}s`,
    "-s",
    `${LUA_DIR}/${options.script}`,
    options.url,
  ];
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command("wrk", {
      args,
      env: { ...options.env, BENCH_LUA_DIR: LUA_DIR, BENCH_THREADS: String(threads) },
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    throw new Error(`cannot run wrk (apt-get install wrk): ${error}`);
  }
  const stdout = new TextDecoder().decode(output.stdout);
  if (!output.success) {
    const stderr = new TextDecoder().decode(output.stderr);
    throw new Error(`wrk ${args.join(" ")} failed (exit ${output.code}): ${stderr}${stdout}`);
  }
  return parseWrkOutput(stdout);
}
