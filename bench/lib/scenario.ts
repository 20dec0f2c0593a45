/**
 * One measured scenario: optional warm-up, then wrk while the probes watch — pg_stat_statements
 * before/after, Postgres backends every 250 ms, the functions' /stats counters before/after and
 * their pool gauges every 500 ms, the workers' CPU, starts and retirements from the
 * gateway's /health before/after (bench/lib/workers.ts), and — read closest to wrk — the Redis
 * commands and the database's CPU the cost model prices (bench/lib/usage.ts).
 */
import { countDelta, type DbProbe, topStatements } from "./dbprobe.ts";
import { deltaOf, readStats, samplePools, summarizeCache } from "./fnstats.ts";
import type { CacheMode, ScenarioResult } from "./types.ts";
import { usageFields, type UsageProbe } from "./usage.ts";
import {
  CPU_SETTLE_MS,
  readHealth,
  retiredCount,
  totals,
  totalsDelta,
  type WorkerTotals,
} from "./workers.ts";
import { runWrk } from "./wrk.ts";

export interface ScenarioSpec {
  id: string;
  group: ScenarioResult["group"];
  title: string;
  via: ScenarioResult["via"];
  cacheMode: CacheMode | null;
  seed: string;
  url: string;
  script: string;
  connections: number;
  threads: number;
  durationS: number;
  warmupS: number;
  timeoutS: number;
  env: Record<string, string>;
  /** Functions whose /stats to read (through `gatewayUrl`); empty for the ceilings. */
  functions: string[];
  /** Functions whose workers' CPU to count (gateway /health); default `functions`. */
  workers?: string[];
  gatewayUrl?: string;
  adminToken: string;
  probe: DbProbe;
  /** Redis commands and database CPU around wrk; left out, those fields read null. */
  usage?: UsageProbe;
  /** Called before the warm-up and again before the measured run (fresh claim key file). */
  prepare?: () => Promise<void>;
  /** Called after the warm-up, before the other probes; what it returns, after them. */
  around?: () => Promise<() => Promise<void>>;
}

/** Runs a scenario; throws when wrk fails or nothing was sent (the harness is broken then). */
export async function runScenario(spec: ScenarioSpec): Promise<ScenarioResult> {
  const wrk = {
    url: spec.url,
    script: spec.script,
    threads: spec.threads,
    timeoutS: spec.timeoutS,
    env: spec.env,
  };
  if (spec.warmupS > 0) {
    await spec.prepare?.();
    await runWrk({ ...wrk, connections: spec.connections, durationS: spec.warmupS });
  }
  await spec.prepare?.();
  const aroundEnd = await spec.around?.();
  const withStats = spec.functions.length > 0 && spec.gatewayUrl !== undefined;
  const statsBefore = withStats
    ? await readStats(spec.gatewayUrl!, spec.functions, spec.adminToken)
    : {};
  const workers = spec.gatewayUrl ? spec.workers ?? spec.functions : [];
  // Read between the /stats calls, so the CPU window holds wrk's requests (and the pool samples).
  const workersNow = async () => {
    if (!workers.length) return undefined;
    await new Promise((done) => setTimeout(done, CPU_SETTLE_MS));
    return totals(await readHealth(spec.gatewayUrl!), workers);
  };
  const workersBefore = await workersNow();
  const countsBefore = await spec.probe.statementCounts();
  const profile = spec.cacheMode === "off" || spec.group === "ceiling";
  const timesBefore = profile ? await spec.probe.statementTimes() : undefined;
  const backends = spec.probe.sampleBackends(250);
  const pools = withStats
    ? samplePools(spec.gatewayUrl!, spec.functions, spec.adminToken, 500)
    : undefined;
  const usageBefore = await spec.usage?.snapshot();
  const run = runWrk({ ...wrk, connections: spec.connections, durationS: spec.durationS });
  // Stop the samplers whether or not wrk succeeded, then surface wrk's error.
  await run.catch(() => {});
  const usageAfter = await spec.usage?.snapshot();
  const backendSample = await backends.stop();
  const poolSample = await pools?.stop();
  const result = await run;
  const counts = countDelta(countsBefore, await spec.probe.statementCounts());
  const timesAfter = profile ? await spec.probe.statementTimes() : undefined;
  const workersAfter = await workersNow();
  const statsAfter = withStats
    ? await readStats(spec.gatewayUrl!, spec.functions, spec.adminToken)
    : {};
  await aroundEnd?.();
  if (result.requests === 0) throw new Error(`${spec.id}: wrk completed no requests`);
  const deltas = Object.entries(statsAfter).map(([name, after]) =>
    deltaOf(statsBefore[name] ?? {}, after)
  );
  const recycled = workersBefore && workersAfter
    ? totalsDelta(workersBefore, workersAfter)
    : undefined;
  // A worker that retired mid-run took its counters with it: the after-/stats come from its
  // successor, so their difference means nothing (recycling.ts reads the flushed totals instead).
  const straddled = recycled !== undefined && (recycled.starts > 0 || retiredCount(recycled) > 0);
  const cache = deltas.length && !straddled ? summarizeCache(deltas) : null;
  // The stats calls themselves are not in wrk's count; a few per second are noise here.
  return {
    ...result,
    id: spec.id,
    group: spec.group,
    title: spec.title,
    via: spec.via,
    cacheMode: spec.cacheMode,
    seed: spec.seed,
    connections: spec.connections,
    threads: Math.min(spec.threads, spec.connections),
    db: {
      statementsPerReq: counts.statements / result.requests,
      queriesPerReq: counts.queries / result.requests,
    },
    cache: cache && cache.lookups > 0 ? cache : null,
    pool: poolSample && poolSample.maxUtilization !== null
      ? {
        ...poolSample,
        timeouts: deltas.reduce((a, d) => a + (d["pool.timeouts"] ?? 0), 0),
      }
      : null,
    ...(timesBefore && timesAfter && counts.statements > 0
      ? { topStatements: topStatements(timesBefore, timesAfter, result.requests) }
      : {}),
    maxBackends: backendSample.samples > 0 ? backendSample.max : null,
    workers: recycled ? workerCpu(workers, recycled, result.requests) : null,
    ...(usageBefore && usageAfter
      ? usageFields(usageBefore, usageAfter, result)
      : { redis: null, dbCpu: null, poolerCpu: null, bytesOutPerReq: null }),
  };
}

function workerCpu(functions: string[], d: WorkerTotals, requests: number) {
  return { functions, ...d, requests, cpuMsPerReq: d.cpuMs / requests };
}
