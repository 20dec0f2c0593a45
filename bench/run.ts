/**
 * The benchmark harness (`npm run bench`, via scripts/bench.sh, which brings the stacks up).
 *
 *   deno run -A bench/run.ts [--quick] [--env-file .stack/bench/env] [--seed large]
 *                            [--small-env-file .stack/bench-small/env] [--out bench/results]
 *
 * Without --env-file the stack env must be exported (BENCH_USE_RUNNING_STACK=1 in
 * scripts/bench.sh). The harness starts its own gateways (bench/config.toml: hello, pgselect and
 * the four functions), one per cache mode, so each mode's function processes get their own env.
 * Exits non-zero when the harness breaks (wrk missing, a scenario with no requests, a gateway
 * that never comes up) — never because a target is missed.
 */
import { parseArgs } from "node:util";
import { mintUserJwt } from "../scripts/stack/keys.ts";
import { computeRatios, computeTargets, IDS } from "./lib/analysis.ts";
import { DbProbe } from "./lib/dbprobe.ts";
import { type KeyFiles, writeClaimKeys, writeKeyFiles } from "./lib/keys.ts";
import { describeMachine } from "./lib/machine.ts";
import { toMarkdown } from "./lib/markdown.ts";
import { ROOT, type Service, startDeno, startGateway } from "./lib/procs.ts";
import { benchReports, type ReportPair } from "./lib/reports.ts";
import { runScenario, type ScenarioSpec } from "./lib/scenario.ts";
import { toSvg } from "./lib/svg.ts";
import type { CacheMode, Results, ScenarioResult } from "./lib/types.ts";

// The seed's fixed admin (scripts/seed/demo_users.ts): sees every row, so reads fill and hit the
// shared cache entries — the path most traffic takes.
const ADMIN_ID = "00000000-0000-4000-a000-000000000001";
const READS = [
  { what: "project", title: "GET project", path: "/functions/v1/projects/{key}", fn: "projects" },
  {
    what: "candidate",
    title: "GET candidate",
    path: "/functions/v1/candidates/{key}",
    fn: "candidates",
  },
  {
    what: "project-list",
    title: "GET projects (filtered list)",
    path: "/functions/v1/projects?{key}",
    fn: "projects",
  },
] as const;
const ALL_FUNCTIONS = ["projects", "candidates", "payments", "claims"];

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    quick: { type: "boolean", default: false },
    "env-file": { type: "string" },
    seed: { type: "string" },
    "small-env-file": { type: "string" },
    out: { type: "string" },
  },
});
const quick = args.quick!;
const config = {
  durationS: quick ? 2 : 10,
  warmupS: quick ? 1 : 2,
  soakS: quick ? 3 : 30,
  timeoutS: 5,
  threads: 2,
  zipfS: 1.0,
  writePct: 5,
  sweep: quick ? [10, 50, 200, 1000] : [10, 50, 200, 1000],
};
const outDir = args.out ?? `${ROOT}/bench/results${quick ? "/tmp" : ""}`;
const started = performance.now();
const runStamp = new Date().toISOString().replace(/[-:]/g, "").slice(0, 15);
// Per run: the test runner's quick run may overlap a full run, and key files drawn from one
// stack must never feed another.
const runDir = `${ROOT}/bench/results/tmp/runs/${runStamp}-${Deno.pid}`;
const workDir = `${runDir}/work`;
const logDir = `${runDir}/logs`;

function progress(line: string) {
  const s = Math.round((performance.now() - started) / 1000);
  const clock = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  console.error(`[bench ${clock}] ${line}`);
}

function readEnvFile(path: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of Deno.readTextFileSync(path).split("\n")) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) env[match[1]] = match[2];
  }
  return env;
}

interface Stack {
  seed: string;
  env: Record<string, string>;
  probe: DbProbe;
  keys: KeyFiles;
  adminToken: string;
}

async function openStack(seed: string, envFile?: string): Promise<Stack> {
  const env = envFile ? readEnvFile(envFile) : Deno.env.toObject();
  for (const name of ["DB_DIRECT_URL", "DB_POOLER_URL", "JWT_SECRET", "UPSTASH_REDIS_REST_URL"]) {
    if (!env[name]) throw new Error(`${name} is not set (${envFile ?? "environment"})`);
  }
  const probe = new DbProbe(env.DB_DIRECT_URL);
  const [{ installed }] = await probe.sql`
    select /* bench-harness */ count(*)::int as installed from pg_extension
     where extname = 'pg_stat_statements'`;
  if (!installed) await probe.sql`create extension if not exists pg_stat_statements`;
  const keys = await writeKeyFiles(probe.sql, `${workDir}/${seed}`);
  if (keys.counts.projects === 0 || keys.counts.candidates === 0) {
    throw new Error(`the ${seed} stack has no seeded projects/candidates: run the seed first`);
  }
  const adminToken = await mintUserJwt(ADMIN_ID, "admin", {
    secret: env.JWT_SECRET,
    expiresIn: 6 * 3600,
  });
  return { seed, env, probe, keys, adminToken };
}

const scenarios: ScenarioResult[] = [];
const failures: string[] = [];
const notes: string[] = [];
let step = 0;

async function measure(
  spec:
    & Omit<ScenarioSpec, "threads" | "timeoutS" | "adminToken" | "probe" | "durationS" | "warmupS">
    & { durationS?: number; warmupS?: number },
  stack: Stack,
) {
  step++;
  progress(`${step} ${spec.id} …`);
  try {
    const result = await runScenario({
      threads: config.threads,
      timeoutS: config.timeoutS,
      durationS: config.durationS,
      warmupS: config.warmupS,
      adminToken: stack.adminToken,
      probe: stack.probe,
      ...spec,
    });
    scenarios.push(result);
    progress(
      `${step} ${spec.id}: ${Math.round(result.rps)} req/s, p50 ${result.latencyMs.p50} ms, ` +
        `p99 ${result.latencyMs.p99} ms, errors ${result.errors.total}` +
        (result.db ? `, ${result.db.queriesPerReq.toFixed(3)} queries/req` : "") +
        (result.cache?.hitRate != null ? `, hit ${result.cache.hitRate.toFixed(1)} %` : ""),
    );
  } catch (error) {
    failures.push(`${spec.id}: ${error instanceof Error ? error.message : error}`);
    progress(`${step} ${spec.id}: HARNESS FAILURE ${error}`);
  }
}

function gatewayEnv(stack: Stack, mode: CacheMode): Record<string, string> {
  return {
    ...stack.env,
    // One JSON line per request piped into a log file would be measured as handler cost; the
    // hosted runtime ships logs out of band.
    // BENCH_LOG_REQUESTS=1 turns them back on to see which requests failed.
    LOG_REQUESTS: Deno.env.get("BENCH_LOG_REQUESTS") ?? "0",
    CACHE_DISABLED: mode === "off" ? "1" : "",
    CACHE_L1_DISABLED: mode === "l2" ? "1" : "",
  };
}

async function withGateway(stack: Stack, mode: CacheMode, work: (gw: Service) => Promise<void>) {
  progress(`starting gateway (${mode}, ${stack.seed} seed)`);
  let gateway: Service & { notReady: string[] };
  try {
    gateway = await startGateway(`${stack.seed}-${mode}`, gatewayEnv(stack, mode), logDir);
  } catch (error) {
    failures.push(`gateway ${mode}@${stack.seed}: ${error}`);
    progress(`gateway ${mode} did not start: ${error}`);
    return;
  }
  if (gateway.notReady.length) {
    notes.push(
      `Gateway ${mode}@${stack.seed}: ${gateway.notReady.join(", ")} not running at start ` +
        `(see ${logDir}/gateway-${stack.seed}-${mode}.log); their requests count as errors.`,
    );
  }
  try {
    await work(gateway);
  } finally {
    await gateway.stop();
  }
}

function readSpec(
  stack: Stack,
  gw: Service,
  mode: CacheMode,
  read: typeof READS[number],
  c: number,
) {
  return {
    id: IDS.read(read.what, mode, c, stack.seed),
    group: "read" as const,
    title: read.title,
    via: "gateway" as const,
    cacheMode: mode,
    seed: stack.seed,
    url: gw.url,
    script: "get.lua",
    connections: c,
    env: {
      BENCH_PATH: read.path,
      BENCH_KEYS: read.what === "project-list"
        ? stack.keys.projectLists
        : read.what === "project"
        ? stack.keys.projects
        : stack.keys.candidates,
      BENCH_ZIPF_S: String(config.zipfS),
      BENCH_TOKEN: stack.adminToken,
    },
    functions: [read.fn],
    gatewayUrl: gw.url,
  };
}

function mixSpec(
  stack: Stack,
  gw: Service,
  mode: CacheMode,
  c: number,
  group: ScenarioResult["group"],
) {
  const claimFile = `${workDir}/${stack.seed}/claims-${step + 1}.txt`;
  const runId = `${runStamp}-${step + 1}`;
  return {
    id: group === "soak" ? IDS.soak(stack.seed) : IDS.mix(mode, c, stack.seed),
    group,
    title: "95/5 mix",
    via: "gateway" as const,
    cacheMode: mode,
    seed: stack.seed,
    url: gw.url,
    script: "mix.lua",
    connections: c,
    env: {
      BENCH_PROJECT_KEYS: stack.keys.projects,
      BENCH_CANDIDATE_KEYS: stack.keys.candidates,
      BENCH_ASSIGNMENT_KEYS: stack.keys.assignments,
      BENCH_CLAIM_KEYS: claimFile,
      BENCH_ZIPF_S: String(config.zipfS),
      BENCH_WRITE_PCT: String(config.writePct),
      BENCH_RUN_ID: runId,
      BENCH_TOKEN: stack.adminToken,
    },
    functions: ALL_FUNCTIONS,
    gatewayUrl: gw.url,
    ...(group === "soak" ? { durationS: config.soakS } : {}),
    // Fresh undecided claims for this run (the warm-up may have approved some of the old file).
    prepare: async () => void await writeClaimKeys(stack.probe.sql, claimFile, 20_000),
  };
}

async function ceilings(stack: Stack) {
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
  const base = { seed: stack.seed, connections: 50, cacheMode: null, functions: [] };
  const get = (path: string, keys?: string) => ({
    BENCH_PATH: path,
    ...(keys ? { BENCH_KEYS: keys } : {}),
    BENCH_TOKEN: stack.adminToken,
  });
  try {
    await withGateway(stack, "l1", async (gw) => {
      const rows = [
        ["hello", "direct", hello.url, get("/")],
        ["hello", "gateway", gw.url, get("/functions/v1/hello")],
        ["pg-select", "direct", pg.url, get("/p/{key}", stack.keys.projects)],
        ["pg-select", "gateway", gw.url, get("/functions/v1/pgselect/{key}", stack.keys.projects)],
      ] as const;
      for (const [what, via, url, env] of rows) {
        await measure({
          ...base,
          id: `ceiling/${what}/${via}/c50@${stack.seed}`,
          group: "ceiling",
          title: what === "hello" ? "bare Deno.serve hello" : "raw select by id (pgbouncer)",
          via,
          url,
          script: "get.lua",
          env,
        }, stack);
      }
      await bridgeCeiling(stack);
      await mainReadsAndMix(stack, gw);
    });
  } finally {
    await hello.stop();
    await pg.stop();
  }
}

async function bridgeCeiling(stack: Stack) {
  const url = stack.env.UPSTASH_REDIS_REST_URL;
  const token = stack.env.UPSTASH_REDIS_REST_TOKEN ?? "";
  const set = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: JSON.stringify(["set", "bench:ceiling", "hello", "ex", 3600]),
  });
  await set.body?.cancel();
  await measure({
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

/**
 * Requests every project and the hottest candidates once, so the cached rows measure a warm
 * cache (L2 entries live 300 s) instead of the cold start, which the cache-off rows show.
 */
async function prefill(stack: Stack, gw: Service) {
  const started = performance.now();
  const lines = async (path: string, limit: number) =>
    (await Deno.readTextFile(path)).split("\n").filter(Boolean).slice(0, limit);
  const urls = [
    ...(await lines(stack.keys.projects, 20_000)).map((id) => `projects/${id}`),
    ...(await lines(stack.keys.candidates, quick ? 2_000 : 20_000)).map((id) => `candidates/${id}`),
    ...(await lines(stack.keys.projectLists, 1_000)).map((q) => `projects?${q}`),
  ];
  let next = 0, failed = 0;
  const headers = { authorization: `Bearer ${stack.adminToken}` };
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (next < urls.length) {
      const response = await fetch(`${gw.url}/functions/v1/${urls[next++]}`, { headers });
      await response.body?.cancel();
      if (!response.ok) failed++;
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  progress(`prefilled ${urls.length} cache entries in ${seconds.toFixed(1)} s (${failed} failed)`);
  const candidates = urls.filter((u) => u.startsWith("candidates/")).length;
  notes.push(
    `Cached rows (${stack.seed} seed) ran on a warm cache: every project, the ${candidates} ` +
      `hottest candidates (Zipf rank order) and every list query were requested once first ` +
      `(${seconds.toFixed(0)} s, ${failed} non-2xx).`,
  );
}

// Runs on the L1 gateway: the three reads, the read sweep, the mix, the mix sweep and the soak.
async function mainReadsAndMix(stack: Stack, gw: Service) {
  await prefill(stack, gw);
  for (const read of READS) await measure(readSpec(stack, gw, "l1", read, 50), stack);
  for (const c of config.sweep.filter((c) => c !== 50)) {
    await measure({ ...readSpec(stack, gw, "l1", READS[0], c), group: "sweep-read" }, stack);
  }
  await measure(mixSpec(stack, gw, "l1", 50, "mix"), stack);
  for (const c of config.sweep.filter((c) => c !== 50 && c !== 1000)) {
    await measure(mixSpec(stack, gw, "l1", c, "sweep-mix"), stack);
  }
  await measure(mixSpec(stack, gw, "l1", 1000, "soak"), stack);
}

async function otherModes(stack: Stack) {
  for (const mode of ["l2", "off"] as const) {
    await withGateway(stack, mode, async (gw) => {
      for (const read of READS) await measure(readSpec(stack, gw, mode, read, 50), stack);
      if (mode === "off") await measure(mixSpec(stack, gw, "off", 50, "mix"), stack);
    });
  }
}

async function reports(stack: Stack): Promise<ReportPair[]> {
  step++;
  progress(`${step} reports: materialized views vs live`);
  try {
    return await benchReports({
      poolerUrl: stack.env.DB_POOLER_URL,
      adminId: ADMIN_ID,
      budgetS: quick ? 0.5 : 4,
      minIterations: quick ? 2 : 3,
      progress,
    });
  } catch (error) {
    failures.push(`reports: ${error}`);
    return [];
  }
}

async function scale(small: Stack) {
  await withGateway(small, "l1", async (gw) => {
    await prefill(small, gw);
    await measure({ ...readSpec(small, gw, "l1", READS[0], 50), group: "scale" }, small);
    await measure(mixSpec(small, gw, "l1", 50, "scale"), small);
  });
}

async function main(): Promise<number> {
  await Deno.mkdir(outDir, { recursive: true });
  await Deno.mkdir(workDir, { recursive: true });
  const primary = await openStack(args.seed ?? (quick ? "small" : "large"), args["env-file"]);
  const small = args["small-env-file"]
    ? await openStack("small", args["small-env-file"])
    : undefined;
  const [{ version }] = await primary.probe.sql`select /* bench-harness */ version()`;
  const machine = await describeMachine(String(version).split(" on ")[0]);
  progress(
    `${quick ? "quick" : "full"} run on ${machine.cpus} × ${machine.cpuModel}; seeds: ` +
      [primary, small].filter(Boolean).map((s) => `${s!.seed} ${JSON.stringify(s!.keys.counts)}`)
        .join(", "),
  );

  let reportPairs: ReportPair[] = [];
  try {
    await ceilings(primary);
    await otherModes(primary);
    reportPairs = await reports(primary);
    if (small) await scale(small);
    else notes.push(`Scale: only the ${primary.seed} seed was measured in this run.`);
  } catch (error) {
    failures.push(`harness: ${error instanceof Error ? error.stack : error}`);
  }

  const poolerPoolSize = Number(primary.env.POOLER_POOL_SIZE ?? 20);
  const results: Results = {
    machine,
    config: {
      quick,
      ...config,
      seeds: Object.fromEntries(
        [primary, small].filter(Boolean).map((s) => [s!.seed, s!.keys.counts]),
      ),
      poolerPoolSize,
      dbPoolMax: Number(primary.env.DB_POOL_MAX ?? 10),
      functionInstances: 1,
      user: "admin",
    },
    scenarios,
    reports: reportPairs,
    ratios: computeRatios(scenarios, reportPairs, primary.seed),
    targets: computeTargets(scenarios, reportPairs, primary.seed, poolerPoolSize),
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
  progress(`wrote ${base}.{json,md,svg} and ${outDir}/latest.*`);
  await Promise.all([primary, small].filter(Boolean).map((s) => s!.probe.close()));
  await Deno.remove(workDir, { recursive: true }).catch(() => {});
  if (failures.length) {
    progress(`${failures.length} harness failure(s):\n  ${failures.join("\n  ")}`);
    return 1;
  }
  return 0;
}

Deno.exit(await main());
