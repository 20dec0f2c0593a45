/**
 * What the request metrics cost (shared/observe/metrics.ts `recordRequest` in every finished
 * request, plus the 5 s flush to Redis in shared/observe/flush.ts): the cached GET project at
 * c=50, sent straight to a projects process (no gateway hop) with metrics on and to another with
 * METRICS_DISABLED=1, in alternating rounds on the same warm cache; the median req/s of each
 * mode gives the target 1 − (on ÷ off) ≤ 5 % (bench/lib/metrics-targets.ts).
 *
 * How the two modes are started: two gateways of our own over bench/metrics/config.toml (only the
 * projects function, one process each), from one env — the stack's with the L1+L2 cache and
 * LOG_REQUESTS=0, as every cached row (session.ts `gatewayEnv`), and EDGE_RECYCLING=off, as every
 * direct row: wrk cannot follow a retired worker) — that differs in one variable:
 * METRICS_DISABLED is "" for the on process and "1" for the off one. Both stay up through every
 * round, each warmed by the same prefill and both on the stack's one Redis (the same L2 entries),
 * and wrk goes to one at a time while the other idles beside it, so the background load is the
 * same in an on round and an off round (the idle on process's flush, one pipelined call per 5 s
 * with no traffic to report, is noise). Restarting one set between rounds would instead start
 * each round on a cold L1 and a cold JIT and pay a gateway start per round.
 *
 * Full run: 5 pairs (BENCH_METRICS_ROUNDS), alternating which mode goes first (on off, off on,
 * on off), each run after the usual warm-up. Quick: one pair of 1 s runs, a smoke check only.
 * Either way the harness checks that both modes answered nothing but 200s and that the on
 * process flushed (`/projects/stats` → metrics.flushes > 0) while the off one never did: a
 * failed check is a harness failure (the two processes would not be what the row compares).
 */
import { IDS } from "./ids.ts";
import { ROOT, type Service, startGateway } from "./procs.ts";
import { gatewayEnv, RECYCLING_OFF, type Session } from "./session.ts";
import type { Stack } from "./stack.ts";
import type { MetricsOverheadResult, MetricsOverheadRound, ScenarioResult } from "./types.ts";
import { functionPort, READS, readSpec } from "./workloads.ts";

type Mode = "on" | "off";
const CONFIG = `${ROOT}/bench/metrics/config.toml`;
const C = 50;

interface Side {
  mode: Mode;
  gw: Service;
  /** The projects process's own URL (past the gateway). */
  direct: string;
}

const median = (xs: number[]) => {
  if (xs.length === 0) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** The order of the runs: `pairs` pairs, alternating which mode goes first. */
export function metricsOrder(pairs: number): Mode[] {
  return Array.from(
    { length: pairs },
    (_, i) => (i % 2 === 0 ? ["on", "off"] : ["off", "on"]) as Mode[],
  ).flat();
}

/** The `metrics` block of the process's `/projects/stats` (flush counters). */
async function flushCounters(side: Side, token: string) {
  const response = await fetch(`${side.direct}/projects/stats`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(5_000),
  });
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`${side.direct}/projects/stats answered ${response.status}`);
  }
  const body = await response.json() as {
    metrics?: { flushes?: number; failed?: number; lastError?: string | null; intervalMs?: number };
  };
  return body.metrics ?? {};
}

/** Every project requested once at the process itself: its L1 (and the shared L2) warm. */
async function prefill(side: Side, stack: Stack): Promise<{ urls: number; failed: number }> {
  const ids = (await Deno.readTextFile(stack.keys.projects)).split("\n").filter(Boolean);
  let next = 0, failed = 0;
  const headers = { authorization: `Bearer ${stack.adminToken}` };
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < ids.length) {
      const response = await fetch(`${side.direct}/projects/${ids[next++]}`, { headers });
      await response.body?.cancel();
      if (!response.ok) failed++;
    }
  }));
  return { urls: ids.length, failed };
}

async function startSide(session: Session, stack: Stack, mode: Mode): Promise<Side> {
  const env = {
    ...gatewayEnv(stack, "l1", RECYCLING_OFF),
    METRICS_DISABLED: mode === "off" ? "1" : "",
  };
  const gw = await startGateway(`${stack.seed}-metrics-${mode}`, env, session.logDir, CONFIG);
  try {
    if (gw.notReady.length) throw new Error(`${gw.notReady.join(", ")} not running`);
    const port = await functionPort(gw, "projects");
    if (port === undefined) throw new Error("the gateway's /health lists no port for projects");
    return { mode, gw, direct: `http://127.0.0.1:${port}` };
  } catch (error) {
    await gw.stop();
    throw error;
  }
}

const non200 = (s: ScenarioResult) =>
  Object.entries(s.statuses).filter(([code]) => code !== "200").reduce((a, [, n]) => a + n, 0) +
  s.errors.timeout + s.errors.connect + s.errors.read + s.errors.write;

/** Runs the pair on `stack` (the small seed); null when it could not run (a harness failure). */
export async function runMetricsOverhead(
  session: Session,
  stack: Stack,
): Promise<MetricsOverheadResult | null> {
  const { quick, config } = session;
  const pairs = quick ? 1 : Math.max(1, Number(Deno.env.get("BENCH_METRICS_ROUNDS") || 5));
  const durationS = quick ? 1 : config.durationS;
  const warmupS = quick ? 1 : config.warmupS;
  session.progress(
    `metrics overhead: cached GET project direct c=${C} (${stack.seed} seed), metrics on vs ` +
      `METRICS_DISABLED=1, ${pairs} pair(s) of ${durationS} s runs`,
  );
  const sides: Partial<Record<Mode, Side>> = {};
  try {
    try {
      // One after the other: a gateway start is CPU-heavy (type-checking, module loading).
      sides.on = await startSide(session, stack, "on");
      sides.off = await startSide(session, stack, "off");
    } catch (error) {
      session.failures.push(`metrics overhead: gateway did not start: ${error}`);
      return null;
    }
    const both = [sides.on, sides.off];
    for (const side of both) {
      const { urls, failed } = await prefill(side, stack);
      if (failed) {
        session.failures.push(`metrics overhead: prefill ${side.mode}: ${failed} non-2xx`);
      }
      session.progress(`metrics ${side.mode}: prefilled ${urls} projects (${failed} failed)`);
    }

    const rounds: MetricsOverheadRound[] = [];
    const count: Record<Mode, number> = { on: 0, off: 0 };
    for (const mode of metricsOrder(pairs)) {
      const side = sides[mode]!;
      const round = ++count[mode];
      const base = readSpec(session, stack, side.gw, "l1", READS[0], C);
      const id = IDS.metrics(mode, round, stack.seed);
      const result = await session.measure({
        ...base,
        id,
        group: "metrics",
        title: `GET project, metrics ${mode === "on" ? "on" : "off (METRICS_DISABLED=1)"}, ` +
          `round ${round} (${RECYCLING_OFF.label})`,
        via: "direct",
        url: side.direct,
        // The process sees paths without /functions/v1; its /stats are read through its own
        // gateway (one process: the same one).
        env: { ...base.env, BENCH_PATH: "/projects/{key}" },
        durationS,
        warmupS,
      }, stack);
      if (!result) continue;
      rounds.push({
        mode,
        id,
        rps: result.rps,
        p50Ms: result.latencyMs.p50,
        p99Ms: result.latencyMs.p99,
        requests: result.requests,
        errors: non200(result),
      });
    }

    // The first flush comes ~METRICS_FLUSH_MS (±10 %) after the process started: a quick run
    // can get here before it, so wait for it (bounded) before judging.
    const read = async (side: Side) => {
      try {
        return await flushCounters(side, stack.adminToken);
      } catch (error) {
        session.failures.push(`metrics overhead: ${error}`);
        return null;
      }
    };
    let on = await read(sides.on);
    const deadline = Date.now() + 1.2 * (on?.intervalMs ?? 5_000) + 2_000;
    while (on && !(on.flushes! > 0) && Date.now() < deadline) {
      await new Promise((done) => setTimeout(done, 250));
      on = await read(sides.on);
    }
    const off = await read(sides.off);

    const byMode = (mode: Mode) => rounds.filter((r) => r.mode === mode);
    const checks: MetricsOverheadResult["checks"] = [];
    for (const mode of ["on", "off"] as const) {
      const mine = byMode(mode);
      const bad = mine.reduce((a, r) => a + r.errors, 0);
      const requests = mine.reduce((a, r) => a + r.requests, 0);
      checks.push({
        name: `metrics ${mode}: only 200s`,
        ok: mine.length === pairs && requests > 0 && bad === 0,
        detail: `${mine.length} of ${pairs} runs measured, ${requests} requests, ${bad} not 200`,
      });
    }
    checks.push({
      name: "metrics on: the process flushed",
      ok: (on?.flushes ?? 0) > 0,
      detail: on
        ? `metrics.flushes ${on.flushes}, failed ${on.failed ?? 0}` +
          (on.lastError ? ` (last error: ${on.lastError})` : "")
        : "no /projects/stats",
    });
    checks.push({
      name: "metrics off: the process never flushed",
      ok: off !== null && off.flushes === 0,
      detail: off
        ? `metrics.flushes ${off.flushes}, failed ${off.failed ?? 0}`
        : "no /projects/stats",
    });
    for (const check of checks.filter((c) => !c.ok)) {
      session.failures.push(`metrics overhead: ${check.name}: ${check.detail}`);
    }
    const figures = (mode: Mode) => {
      const rps = byMode(mode).map((r) => r.rps);
      return { rps: median(rps), rounds: rps };
    };
    const result: MetricsOverheadResult = {
      seed: stack.seed,
      connections: C,
      durationS,
      warmupS,
      quick,
      rounds,
      on: figures("on"),
      off: figures("off"),
      flushes: { on: on?.flushes ?? null, off: off?.flushes ?? null },
      checks,
      setup: `two gateways (bench/metrics/config.toml: one projects process each, ` +
        `${RECYCLING_OFF.label}) from the same ` +
        `env but METRICS_DISABLED ("" / "1"), both up for every run, both prefilled with every ` +
        `project; wrk -t${config.threads} -c${C} straight at the process, ${durationS} s after ` +
        `${warmupS} s warm-up per run; order ${rounds.map((r) => r.mode).join(", ")}`,
    };
    session.progress(
      `metrics overhead: on ${Math.round(result.on.rps)} req/s, off ${
        Math.round(result.off.rps)
      } req/s (medians); flushes on ${result.flushes.on}, off ${result.flushes.off}; checks ` +
        `${checks.filter((c) => c.ok).length}/${checks.length}`,
    );
    return result;
  } finally {
    for (const side of Object.values(sides)) await side.gw.stop();
  }
}
