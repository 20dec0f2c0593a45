/**
 * What worker recycling costs (the gateway retires a worker on its wall clock or when idle, as
 * hosted Supabase does, and the next request starts a fresh one): docs/performance.md "What
 * recycling costs".
 *
 * - Cold start: a gateway whose workers drop after EDGE_IDLE_S=1 idle. Per round: wait until
 *   /health shows every function's slot `cold`, then per function one GET through the gateway
 *   (the first request after the retirement: it waits for the new worker) and the same GET again
 *   (warm). One id per function, requested once before the rounds, so its L2 entry is warm and
 *   the cold figure is the worker's start, not a cache fill.
 * - On vs off: the cached GET project and the 95/5 mix at c=50 through two gateways of the same
 *   env but recycling — a short wall clock (several retirements a run; counted from /health)
 *   against EDGE_RECYCLING=off — one after the other, each prefilled, in the same run. Through the
 *   gateway only: wrk sent straight to a worker's port cannot follow it when it retires. The
 *   off gateway also serves the cached read direct (`direct/project/l1/c50`), right after its
 *   twin through the gateway.
 * - Cache hits per tier in those runs: a retiring worker takes its /stats with it, so the counts
 *   are the totals the workers flush to Redis (shared/observe/flush.ts: one hash, every isolate
 *   adding into `crew_cache_requests_total{function,tier,result}`, a last flush on
 *   `beforeunload`), read before and after the run once every count is in: no worker starting or
 *   retiring, every ready worker flushed twice since (the first may have read its counters
 *   before the boundary). METRICS_FLUSH_MS=1000 on both gateways keeps that wait short.
 */
import { fmt } from "./analysis.ts";
import { IDS } from "./ids.ts";
import type { Service } from "./procs.ts";
import { summarize } from "./reports.ts";
import { HOSTED, type Recycling, RECYCLING_OFF, type Session } from "./session.ts";
import type { Stack } from "./stack.ts";
import type { ColdStartRow, RecyclingResult, TierCounts } from "./types.ts";
import { readHealth, waitForHealth } from "./workers.ts";
import { measureDirect, measureReplay, mixSpec, prefill, READS, readSpec } from "./workloads.ts";
import { seriesKey } from "../../shared/observe/metrics.ts";

const IDLE_S = 1;
const WALL_CLOCK_S = 10;
const FLUSH_MS = 1_000;
const COLD_FUNCTIONS = ["projects", "candidates", "payments", "claims"];

/** One id per function for the cold-start GETs: the hottest key of each. */
async function coldRoutes(stack: Stack) {
  const first = async (path: string) => (await Deno.readTextFile(path)).split("\n")[0];
  const [payment] = await stack.probe.sql`
    select /* bench-harness */ id from public.payments order by md5(id::text) limit 1`;
  const [claim] = await stack.probe.sql`
    select /* bench-harness */ id from public.expense_claims order by md5(id::text) limit 1`;
  const ids: Record<string, string> = {
    projects: await first(stack.keys.projects),
    candidates: await first(stack.keys.candidates),
    payments: String(payment.id),
    claims: String(claim.id),
  };
  return COLD_FUNCTIONS.map((fn) => ({ fn, path: `/functions/v1/${fn}/${ids[fn]}` }));
}

/** The first request after a retirement, per function, and the same request warm. */
async function coldStarts(session: Session, stack: Stack): Promise<RecyclingResult["coldStart"]> {
  const rounds = session.quick ? 5 : 30;
  const idle: Recycling = {
    name: "idle1",
    label: `EDGE_IDLE_S=${IDLE_S}`,
    env: { ...HOSTED.env, EDGE_IDLE_S: String(IDLE_S) },
  };
  session.step++;
  session.progress(`${session.step} cold starts: ${rounds} rounds × ${COLD_FUNCTIONS.join(", ")}`);
  const headers = { authorization: `Bearer ${stack.adminToken}` };
  const routes = await coldRoutes(stack);
  return await session.withGateway(stack, "l1", async (gw) => {
    const timed = async (path: string) => {
      const started = performance.now();
      const response = await fetch(`${gw.url}${path}`, { headers });
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`GET ${path} answered ${response.status}`);
      return performance.now() - started;
    };
    for (const { path } of routes) await timed(path); // the ids' L2 entries warm
    const allCold = (h: Record<string, { state: string }[]>) =>
      COLD_FUNCTIONS.every((fn) => h[fn]?.length && h[fn].every((s) => s.state === "cold"));
    const startsOf = (h: Record<string, { starts: number }[]>, fn: string) =>
      h[fn].reduce((a, s) => a + s.starts, 0);
    const first = await waitForHealth(gw.url, allCold, "every worker cold");
    const samples = routes.map(() => ({ cold: [] as number[], warm: [] as number[] }));
    for (let round = 0; round < rounds; round++) {
      if (round > 0) await waitForHealth(gw.url, allCold, "every worker cold");
      for (const [i, { path }] of routes.entries()) {
        samples[i].cold.push(await timed(path));
        samples[i].warm.push(await timed(path));
      }
    }
    const last = await readHealth(gw.url);
    const rows: ColdStartRow[] = routes.map(({ fn }, i) => ({
      fn,
      route: `GET /functions/v1/${fn}/{id}`,
      cold: summarize(samples[i].cold),
      warm: summarize(samples[i].warm),
      starts: startsOf(last, fn) - startsOf(first, fn),
    }));
    session.progress(
      `cold starts: ` +
        rows.map((r) =>
          `${r.fn} p50 ${fmt(r.cold.p50, 0)} ms (warm ${fmt(r.warm.p50, 1)} ms, ${r.starts} starts)`
        ).join("; "),
    );
    return {
      rounds,
      idleS: IDLE_S,
      setup: `a gateway of its own (bench/config.toml, one worker per function, cache L1+L2, ` +
        `${idle.label}): per round, wait until /health shows every slot of ` +
        `${COLD_FUNCTIONS.join(", ")} cold, then per function GET one id (warm in L2) through ` +
        `the gateway from the harness (fetch, keep-alive), timed to the last byte, and the ` +
        `same GET again`,
      rows,
    };
  }, idle) ?? null;
}

/** Lookups per tier of `functions`, summed from the totals the workers flushed to Redis. */
async function tierCounts(stack: Stack, functions: string[]): Promise<TierCounts> {
  const fields = functions.flatMap((fn) =>
    (["l1", "l2"] as const).flatMap((tier) =>
      (["hit", "miss"] as const).map((result) => ({
        tier,
        result,
        key: seriesKey("crew_cache_requests_total", { function: fn, tier, result }),
      }))
    )
  );
  // shared/observe/flush.ts metricKeys(): the counters' hash of the cache namespace.
  const hash = `${stack.env.CACHE_NAMESPACE || "crew"}:metrics:c`;
  const response = await fetch(stack.env.UPSTASH_REDIS_REST_URL, {
    method: "POST",
    headers: {
      authorization: `Bearer ${
        stack.env.UPSTASH_REDIS_REST_TOKEN ?? stack.env.UPSTASH_REDIS_TOKEN
      }`,
    },
    body: JSON.stringify(["hmget", hash, ...fields.map((f) => f.key)]),
  });
  const { result, error } = await response.json() as { result?: (string | null)[]; error?: string };
  if (!result) throw new Error(`HMGET ${hash}: ${error ?? response.status}`);
  const counts: TierCounts = { l1: { hits: 0, misses: 0 }, l2: { hits: 0, misses: 0 } };
  fields.forEach(({ tier, result: r }, i) => {
    counts[tier][r === "hit" ? "hits" : "misses"] += Number(result[i] ?? 0);
  });
  return counts;
}

/**
 * Waits until every request so far is counted in Redis: no worker of `functions` starting or
 * retiring (a retiring one flushes on its way out), and every ready one flushed twice more.
 */
async function allFlushed(gw: Service, stack: Stack, functions: string[]) {
  const settled = await waitForHealth(
    gw.url,
    (h) => functions.every((fn) => (h[fn] ?? []).every((s) => s.state !== "starting")),
    "no worker starting or retiring",
  );
  const flushes = async (fn: string, port: number) => {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/${fn}/stats`, {
        headers: { authorization: `Bearer ${stack.adminToken}` },
        signal: AbortSignal.timeout(2_000),
      });
      const body = await response.json() as { metrics?: { flushes?: number } };
      return body.metrics?.flushes ?? 0;
    } catch {
      return undefined; // gone: it retired, and flushed on its way out
    }
  };
  const ready = functions.flatMap((fn) =>
    (settled[fn] ?? []).filter((s) => s.state === "ready").map((s) => ({ fn, port: s.port! }))
  );
  const before = await Promise.all(ready.map(({ fn, port }) => flushes(fn, port)));
  const deadline = Date.now() + 3 * FLUSH_MS + 5_000;
  for (const [i, { fn, port }] of ready.entries()) {
    if (before[i] === undefined) continue;
    for (;;) {
      const now = await flushes(fn, port);
      if (now === undefined || now >= before[i]! + 2) break;
      if (Date.now() > deadline) throw new Error(`${fn} on :${port} did not flush its metrics`);
      await new Promise((done) => setTimeout(done, 100));
    }
  }
}

/** The same loads with recycling on and off; the off gateway also serves the direct read. */
async function onOff(session: Session, stack: Stack, durationS: number) {
  const on: Recycling = {
    name: `wall${WALL_CLOCK_S}`,
    label: `recycling on, EDGE_WALL_CLOCK_S=${WALL_CLOCK_S}`,
    env: { ...HOSTED.env, EDGE_WALL_CLOCK_S: String(WALL_CLOCK_S) },
  };
  const loads = [
    {
      what: "cached GET project, c=50",
      id: IDS.read("project", "l1", 50, stack.seed),
      spec: (gw: Service) => readSpec(session, stack, gw, "l1", READS[0], 50),
    },
    {
      what: "95/5 mix, c=50",
      id: IDS.mix("l1", 50, stack.seed),
      spec: (gw: Service) => mixSpec(session, stack, gw, "l1", 50, "mix"),
    },
  ];
  const tiers: Record<string, TierCounts | null> = {};
  for (const [mode, recycling] of [["off", RECYCLING_OFF], ["on", on]] as const) {
    const withFlush = {
      ...recycling,
      env: { ...recycling.env, METRICS_FLUSH_MS: String(FLUSH_MS) },
    };
    await session.withGateway(stack, "l1", async (gw) => {
      await prefill(session, stack, gw);
      for (const load of loads) {
        const base = load.spec(gw);
        const id = IDS.recycled(load.id, mode);
        let counts: TierCounts | null = null;
        const result = await session.measure({
          ...base,
          id,
          group: "recycling",
          title: `${base.title} (${recycling.label})`,
          durationS,
          around: async () => {
            await allFlushed(gw, stack, base.functions);
            const before = await tierCounts(stack, base.functions);
            return async () => {
              await allFlushed(gw, stack, base.functions);
              const after = await tierCounts(stack, base.functions);
              counts = {
                l1: delta(before.l1, after.l1),
                l2: delta(before.l2, after.l2),
              };
            };
          },
        }, stack);
        tiers[id] = result ? counts : null;
        if (mode === "off" && load === loads[0]) {
          await measureDirect(session, stack, gw, "l1");
          await measureReplay(session, stack, gw);
          await measureDirect(session, stack, gw, "l1", true);
        }
      }
    }, withFlush);
  }
  const side = (id: string, mode: "on" | "off") => {
    const recycled = IDS.recycled(id, mode);
    return { id: recycled, tiers: tiers[recycled] ?? null };
  };
  return loads.map(({ what, id }) => ({ what, on: side(id, "on"), off: side(id, "off") }));
}

const delta = (a: { hits: number; misses: number }, b: { hits: number; misses: number }) => ({
  hits: b.hits - a.hits,
  misses: b.misses - a.misses,
});

/** Cold starts, then the on/off pair (see the module comment). */
export async function runRecycling(session: Session, stack: Stack): Promise<RecyclingResult> {
  const durationS = session.quick ? 12 : 30;
  const coldStart = await coldStarts(session, stack).catch((error) => {
    session.failures.push(`cold starts: ${error}`);
    return null;
  });
  const pairs = await onOff(session, stack, durationS);
  return {
    coldStart,
    pairs,
    wallClockS: WALL_CLOCK_S,
    durationS,
    setup: `two gateways of the same env (bench/config.toml, cache L1+L2, ` +
      `METRICS_FLUSH_MS=${FLUSH_MS}), one after the other, each prefilled: ` +
      `EDGE_WALL_CLOCK_S=${WALL_CLOCK_S} (idle drop as hosted) and EDGE_RECYCLING=off; wrk ` +
      `through the gateway for ${durationS} s after ${session.config.warmupS} s warm-up. Cache ` +
      `hits per tier from the totals the workers flush to Redis, read once every worker has ` +
      `flushed (a retired worker's /stats is gone)`,
  };
}

const rate = (t: { hits: number; misses: number }) =>
  t.hits + t.misses > 0 ? (100 * t.hits) / (t.hits + t.misses) : null;

/** `97.1 % = 1,234 ÷ 1,271 lookups`. */
export function tierText(t: { hits: number; misses: number }): string {
  const r = rate(t);
  const int = (v: number) => Math.round(v).toLocaleString("en-US");
  return r === null ? "–" : `${fmt(r, 1)} % = ${int(t.hits)} ÷ ${int(t.hits + t.misses)}`;
}
