/**
 * The benchmark harness (`npm run bench`, via scripts/bench.sh, which brings the stacks up).
 *
 *   deno run -A bench/run.ts [--quick] [--env-file .stack/bench/env] [--seed large]
 *                            [--small-env-file .stack/bench-small/env]
 *                            [--xlarge-env-file .stack/bench-xlarge/env] [--out bench/results]
 *
 * Without --env-file the stack env must be exported (BENCH_USE_RUNNING_STACK=1 in
 * scripts/bench.sh). The harness starts its own gateways (bench/config.toml: hello, pgselect and
 * the four functions), one per cache mode, so each mode's function processes get their own env.
 * Before any load: the L1 peer, then the job queue beside pg-boss (bench/jobs/run.ts, a process
 * of its own on the primary stack's Postgres). Every gateway's workers recycle as hosted ones do
 * (wall clock, idle drop) but those the direct rows send wrk to (EDGE_RECYCLING=off); after the
 * cache modes, what recycling costs (bench/lib/recycling.ts: cold starts, the cached read and the
 * mix with recycling on and off). Last, on the small seed: the metrics-overhead pair
 * (bench/lib/metrics.ts), the cached read direct with metrics on and METRICS_DISABLED=1.
 * After the main reads and mix, the L1 gateway idles a while: the Redis commands its workers
 * send with no load (bench/lib/idle-redis.ts), which the cost model (bench/lib/cost.ts) prices
 * with the mix's per-request counts.
 * Exits non-zero when the harness breaks (wrk missing, a scenario with no requests, a gateway
 * that never comes up, a job lost or drained twice) — never because a target is missed.
 */
import { parseArgs } from "node:util";
import { computeRatios, computeScale, computeTargets } from "./lib/analysis.ts";
import { measureCeilings, withCeilingServers } from "./lib/ceilings.ts";
import { costReport, costTargets } from "./lib/cost-targets.ts";
import { measureIdleRedis } from "./lib/idle-redis.ts";
import { describeMachine } from "./lib/machine.ts";
import { toMarkdown } from "./lib/markdown.ts";
import { runJobs } from "./lib/jobs.ts";
import { jobsTargets } from "./lib/jobs-targets.ts";
import { runMetricsOverhead } from "./lib/metrics.ts";
import { metricsTargets } from "./lib/metrics-targets.ts";
import { runPeer } from "./lib/peer.ts";
import { runRecycling } from "./lib/recycling.ts";
import { recyclingTargets } from "./lib/recycling-targets.ts";
import { runSeal, type SealResult, sealTargets } from "./lib/seal.ts";
import { runStaleness, stalenessTargets } from "./lib/staleness.ts";
import { ROOT } from "./lib/procs.ts";
import { EDGE_LIMITS } from "../scripts/stack/edge-runtime.ts";
import { benchReports, type ReportPair } from "./lib/reports.ts";
import { benchConfig, Session } from "./lib/session.ts";
import { ADMIN_ID, openStack, pauseCronJob, type Stack } from "./lib/stack.ts";
import { toSvg } from "./lib/svg.ts";
import type { IdleRedis, Results } from "./lib/types.ts";
import { ALL_FUNCTIONS, mainReadsAndMix, otherModes, scale } from "./lib/workloads.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    quick: { type: "boolean", default: false },
    "env-file": { type: "string" },
    seed: { type: "string" },
    "small-env-file": { type: "string" },
    "xlarge-env-file": { type: "string" },
    out: { type: "string" },
  },
});
const quick = args.quick!;
const outDir = args.out ?? `${ROOT}/bench/results${quick ? "/tmp" : ""}`;

// The ceilings and the main reads and mix share one L1 gateway (started once, its cache warm);
// then it idles, its workers warm, for the Redis commands they send with no load.
async function ceilingsAndMain(session: Session, stack: Stack): Promise<IdleRedis | null> {
  let idle: IdleRedis | null = null;
  await withCeilingServers(
    stack,
    session.logDir,
    (servers) =>
      session.withGateway(stack, "l1", async (gw) => {
        await measureCeilings(session, stack, gw, servers);
        await mainReadsAndMix(session, stack, gw);
        idle = await measureIdleRedis(session, stack, gw, ALL_FUNCTIONS);
      }),
  );
  return idle;
}

/** The materialized views against the live queries; a failure is recorded, not thrown. */
async function reports(session: Session, stack: Stack): Promise<ReportPair[]> {
  session.step++;
  session.progress(`${session.step} reports: materialized views vs live`);
  try {
    return await benchReports({
      poolerUrl: stack.env.DB_POOLER_URL,
      adminId: ADMIN_ID,
      budgetS: session.quick ? 0.5 : 4,
      minIterations: session.quick ? 2 : 3,
      progress: (line) => session.progress(line),
    });
  } catch (error) {
    session.failures.push(`reports: ${error}`);
    return [];
  }
}

async function main(): Promise<number> {
  const config = benchConfig(quick);
  const session = new Session(quick, config);
  const { failures, notes, scenarios, started, runStamp, workDir } = session;
  await Deno.mkdir(outDir, { recursive: true });
  await Deno.mkdir(workDir, { recursive: true });
  const primary = await openStack(
    args.seed ?? (quick ? "small" : "large"),
    workDir,
    args["env-file"],
  );
  // The shared/ modules the harness loads (reports.ts → shared/db) parse the functions' config as
  // they load: with --env-file the harness takes the primary stack's env as its own, as it has
  // with BENCH_USE_RUNNING_STACK=1.
  if (args["env-file"]) {
    for (const [name, value] of Object.entries(primary.env)) Deno.env.set(name, value);
  }
  const small = args["small-env-file"]
    ? await openStack("small", workDir, args["small-env-file"])
    : undefined;
  const xlarge = args["xlarge-env-file"]
    ? await openStack("xlarge", workDir, args["xlarge-env-file"])
    : undefined;
  const stacks = [primary, small, xlarge].filter((s): s is Stack => s !== undefined);
  // The 5-minute refresh of the reporting views takes seconds of a core on large and ~25 s on
  // xlarge: left on, it lands in whichever scenarios run then, on a machine with two cores.
  const resumes = await Promise.all(
    stacks.map((stack) => pauseCronJob(stack, "refresh-reporting-views")),
  );
  const resumeRefresh = async () => {
    for (const resume of resumes) await resume();
  };
  notes.push(
    "The pg_cron refresh of the reporting views was paused on every stack for the run (the " +
      "reports scenario reads the views as they are; no other scenario reads them).",
  );
  const [{ version }] = await primary.probe.sql`select /* bench-harness */ version()`;
  const machine = await describeMachine(String(version).split(" on ")[0]);
  session.progress(
    `${quick ? "quick" : "full"} run on ${machine.cpus} × ${machine.cpuModel}; seeds: ` +
      stacks.map((s) => `${s.seed} ${JSON.stringify(s.keys.counts)}`).join(", "),
  );

  let reportPairs: ReportPair[] = [];
  let peer: Results["peer"] = null;
  let jobs: Results["jobs"] = null;
  let metricsOverhead: Results["metricsOverhead"] = null;
  let recycling: Results["recycling"] = null;
  let seal: SealResult | null = null;
  let staleness: Results["staleness"] = null;
  let idleRedis: IdleRedis | null = null;
  try {
    // First, while nothing else runs: it is a CPU-bound loop in one process.
    peer = await runPeer(session);
    // Likewise in-process: what sealing the cache's Redis values costs per value.
    seal = await runSeal(quick);
    // Next, still before any load: the queue beside pg-boss, on the primary stack's Postgres
    // (the function it may start drains every queue, and the load's writes enqueue jobs).
    jobs = await runJobs(session, primary);
    idleRedis = await ceilingsAndMain(session, primary);
    await otherModes(session, primary);
    recycling = await runRecycling(session, primary);
    staleness = await runStaleness(session, primary);
    reportPairs = await reports(session, primary);
    for (const other of [small, xlarge]) if (other) await scale(session, other);
    if (!small && !xlarge) notes.push(`Scale: only the ${primary.seed} seed was measured.`);
    // The metrics' cost, on the small seed (the quick run's primary, the full run's scale stack).
    const smallStack = small ?? (primary.seed === "small" ? primary : undefined);
    if (smallStack) metricsOverhead = await runMetricsOverhead(session, smallStack);
    else notes.push("Metrics overhead: not measured (no small-seed stack in this run).");
    if (!quick && !xlarge) {
      notes.push(
        Deno.env.get("BENCH_SKIP_XLARGE") === "1"
          ? "Scale: the xlarge seed was skipped (BENCH_SKIP_XLARGE=1)."
          : "Scale: no xlarge stack was given (--xlarge-env-file).",
      );
    }
  } catch (error) {
    failures.push(`harness: ${error instanceof Error ? error.stack : error}`);
  } finally {
    await resumeRefresh().catch((error) => failures.push(`resume the views refresh: ${error}`));
  }

  const poolerPoolSize = Number(primary.env.POOLER_POOL_SIZE ?? 20);
  const cost = costReport(
    scenarios,
    idleRedis,
    primary.seed,
    `${machine.cpus} × ${machine.cpuModel}`,
  );
  const results: Results = {
    machine,
    config: {
      quick,
      ...config,
      seeds: Object.fromEntries(stacks.map((s) => [s.seed, s.keys.counts])),
      poolerPoolSize,
      dbPoolMax: Number(primary.env.DB_POOL_MAX ?? 10),
      functionInstances: 1,
      recycling: `as hosted (wall clock ${EDGE_LIMITS.wallClockS} s, idle drop after ` +
        `${EDGE_LIMITS.idleS} s) but where a row says EDGE_RECYCLING=off or names its own`,
      user: "admin",
    },
    scenarios,
    reports: reportPairs,
    ratios: computeRatios(scenarios, reportPairs, primary.seed),
    scale: computeScale(scenarios),
    peer,
    jobs,
    metricsOverhead,
    recycling,
    staleness,
    idleRedis,
    cost,
    // The twelve, then the job queue's three against pg-boss (bench/lib/jobs-targets.ts),
    // then the metrics' cost on the cached read (bench/lib/metrics-targets.ts), sealing's,
    // recycling's and staleness's, and last the month's bill after ÷ before
    // (bench/lib/cost-targets.ts).
    targets: [
      ...computeTargets(scenarios, reportPairs, primary.seed, peer),
      ...jobsTargets(jobs),
      ...metricsTargets(metricsOverhead),
      ...sealTargets(seal),
      ...recyclingTargets(recycling, scenarios),
      ...stalenessTargets(staleness),
      ...costTargets(cost),
    ],
    notes: [...notes, ...failures.map((f) => `HARNESS FAILURE: ${f}`)],
    wallClockS: (performance.now() - started) / 1000,
  };
  const base = `${outDir}/${runStamp}Z-${machine.gitSha}`;
  const json = JSON.stringify(results, null, 2) + "\n";
  const md = toMarkdown(results);
  const svg = toSvg(results);
  await Deno.writeTextFile(`${base}.json`, json);
  await Deno.writeTextFile(`${base}.md`, md);
  await Deno.writeTextFile(`${base}.svg`, svg);
  await Deno.writeTextFile(`${outDir}/latest.json`, json);
  await Deno.writeTextFile(`${outDir}/latest.md`, md);
  await Deno.writeTextFile(`${outDir}/latest.svg`, svg);
  console.log(md);
  session.progress(`wrote ${base}.{json,md,svg} and ${outDir}/latest.*`);
  await Promise.all(stacks.map((s) => s.probe.close()));
  await Deno.remove(workDir, { recursive: true }).catch(() => {});
  if (failures.length) {
    session.progress(`${failures.length} harness failure(s):\n  ${failures.join("\n  ")}`);
    return 1;
  }
  return 0;
}

Deno.exit(await main());
