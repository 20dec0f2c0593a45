/**
 * The measured workloads on the functions: the three reads (one project, one candidate, a
 * filtered project list), the same project read sent straight to the function's process, and
 * the 95/5 mix (closed loop, or 1000 users with think time), as specs for `Session.measure`,
 * the cache prefill, and the runs built from them — main reads and mix (with the sweeps, the
 * think-time run and the soak), the other cache modes, and the scale comparison.
 */
import { writeClaimKeys } from "./keys.ts";
import { IDS } from "./ids.ts";
import { ROOT, type Service, startDeno } from "./procs.ts";
import { RECYCLING_OFF, type Session } from "./session.ts";
import type { Stack } from "./stack.ts";
import type { CacheMode, ScenarioResult } from "./types.ts";

export const READS = [
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
export const ALL_FUNCTIONS = ["projects", "candidates", "payments", "claims"];

/** One of the reads at `c` connections through `gw`. */
export function readSpec(
  session: Session,
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
      BENCH_ZIPF_S: String(session.config.zipfS),
      BENCH_TOKEN: stack.adminToken,
    },
    functions: [read.fn],
    gatewayUrl: gw.url,
  };
}

/**
 * GET project at c=50 sent straight to the projects function's process (the port the gateway's
 * /health lists), past the gateway: the function's own cost, next to the bare hello direct.
 * Same key file, Zipf and token as the read through the gateway. `gw` must run with
 * RECYCLING_OFF: a retired worker's port is gone, and wrk cannot follow it to the next one.
 */
export async function measureDirect(
  session: Session,
  stack: Stack,
  gw: Service,
  mode: CacheMode,
  soak = false,
) {
  const id = soak ? IDS.soakDirect(mode, stack.seed) : IDS.direct("project", mode, 50, stack.seed);
  const port = await functionPort(gw, "projects");
  if (port === undefined) {
    session.failures.push(`${id}: the gateway's /health lists no port for projects`);
    return;
  }
  const viaGateway = readSpec(session, stack, gw, mode, READS[0], soak ? 1000 : 50);
  await session.measure({
    ...viaGateway,
    id,
    group: soak ? "soak" : "direct",
    title: `${viaGateway.title}${soak ? ", closed loop" : ""} (${RECYCLING_OFF.label})`,
    // The soak: c=1000 for as long as the gateway's soak, so the function itself must shed.
    ...(soak ? { durationS: session.config.soakS } : {}),
    via: "direct",
    url: `http://127.0.0.1:${port}`,
    // The function sees paths without /functions/v1, as the gateway forwards them. Its /stats
    // are still read through the gateway (one process per function: the same one).
    env: { ...viaGateway.env, BENCH_PATH: "/projects/{key}" },
  }, stack);
}

/**
 * A replayed read against the least a server can do to send the same answer: one project, one
 * token, c=50, straight at the projects process (every answer after the first is a replay,
 * shared/http/replay.ts), then a bare Deno.serve answering that project's exact status, headers
 * and bytes from a Map (bench/ceilings/map-serve.ts, filled from the same process). `gw` must run
 * with RECYCLING_OFF, as for `measureDirect`.
 */
export async function measureReplay(session: Session, stack: Stack, gw: Service) {
  const port = await functionPort(gw, "projects");
  if (port === undefined) {
    session.failures.push(`${IDS.replay(stack.seed)}: the gateway lists no port for projects`);
    return;
  }
  const key = (await Deno.readTextFile(stack.keys.projects)).split("\n")[0];
  const oneKey = `${session.workDir}/${stack.seed}/one-project.txt`;
  await Deno.mkdir(`${session.workDir}/${stack.seed}`, { recursive: true });
  await Deno.writeTextFile(oneKey, key + "\n");
  const base = readSpec(session, stack, gw, "l1", READS[0], 50);
  await session.measure({
    ...base,
    id: IDS.replay(stack.seed),
    group: "direct",
    title: `GET project, one key: replayed (${RECYCLING_OFF.label})`,
    via: "direct",
    url: `http://127.0.0.1:${port}`,
    env: { ...base.env, BENCH_PATH: "/projects/{key}", BENCH_KEYS: oneKey },
  }, stack);
  const map = await startDeno({
    name: "ceiling-map",
    script: `${ROOT}/bench/ceilings/map-serve.ts`,
    args: (
      p,
    ) => ["--port", String(p), "--from", `http://127.0.0.1:${port}/projects/`, "--keys", oneKey],
    env: { ...stack.env, BENCH_TOKEN: stack.adminToken },
    logDir: session.logDir,
    readyPath: `/p/${key}`,
  });
  try {
    await session.measure({
      id: IDS.mapDirect(stack.seed),
      group: "ceiling",
      title: "bare Deno.serve, the replay's bytes and headers from a Map",
      via: "direct",
      cacheMode: null,
      seed: stack.seed,
      url: map.url,
      script: "get.lua",
      connections: 50,
      env: { BENCH_PATH: "/p/{key}", BENCH_KEYS: oneKey, BENCH_TOKEN: stack.adminToken },
      functions: [],
    }, stack);
  } finally {
    await map.stop();
  }
}

/** The loopback port of a ready process of `fn` (scripts/stack/gateway.ts /health). */
export async function functionPort(gw: Service, fn: string): Promise<number | undefined> {
  const health = await (await fetch(`${gw.url}/health`)).json() as {
    functions?: Record<string, { ports?: number[] }>;
  };
  return health.functions?.[fn]?.ports?.[0];
}

/**
 * The 95/5 mix at `c` connections through `gw`; `group` "soak" runs it for `soakS`, "think"
 * as users pausing 1–3 s before each request (mix-think.lua) for `thinkS`.
 */
export function mixSpec(
  session: Session,
  stack: Stack,
  gw: Service,
  mode: CacheMode,
  c: number,
  group: ScenarioResult["group"],
) {
  const { config, runStamp, step, workDir } = session;
  const claimFile = `${workDir}/${stack.seed}/claims-${step + 1}.txt`;
  const runId = `${runStamp}-${step + 1}`;
  return {
    id: group === "soak"
      ? IDS.soak(stack.seed)
      : group === "think"
      ? IDS.think(stack.seed)
      : IDS.mix(mode, c, stack.seed),
    group,
    title: group === "think"
      ? `95/5 mix, users thinking ${config.thinkMs.map((ms) => ms / 1000).join("–")} s`
      : "95/5 mix",
    via: "gateway" as const,
    cacheMode: mode,
    seed: stack.seed,
    url: gw.url,
    script: group === "think" ? "mix-think.lua" : "mix.lua",
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
      BENCH_THINK_MIN_MS: String(config.thinkMs[0]),
      BENCH_THINK_MAX_MS: String(config.thinkMs[1]),
    },
    functions: ALL_FUNCTIONS,
    gatewayUrl: gw.url,
    ...(group === "soak" ? { durationS: config.soakS } : {}),
    ...(group === "think" ? { durationS: config.thinkS } : {}),
    // Fresh undecided claims for this run (the warm-up may have approved some of the old file).
    prepare: async () => void await writeClaimKeys(stack.probe.sql, claimFile, 20_000),
  };
}

/**
 * Requests every project and the hottest candidates once, so the cached rows measure a warm
 * cache (L2 entries live 300 s) instead of the cold start, which the cache-off rows show.
 */
export async function prefill(session: Session, stack: Stack, gw: Service) {
  const started = performance.now();
  const lines = async (path: string, limit: number) =>
    (await Deno.readTextFile(path)).split("\n").filter(Boolean).slice(0, limit);
  const urls = [
    ...(await lines(stack.keys.projects, 20_000)).map((id) => `projects/${id}`),
    ...(await lines(stack.keys.candidates, session.quick ? 2_000 : 20_000)).map((id) =>
      `candidates/${id}`
    ),
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
  session.progress(
    `prefilled ${urls.length} cache entries in ${seconds.toFixed(1)} s (${failed} failed)`,
  );
  const candidates = urls.filter((u) => u.startsWith("candidates/")).length;
  session.notes.push(
    `Cached rows (${stack.seed} seed) ran on a warm cache: every project, the ${candidates} ` +
      `hottest candidates (Zipf rank order) and every list query were requested once first ` +
      `(${seconds.toFixed(0)} s, ${failed} non-2xx).`,
  );
}

// Runs on the L1 gateway: the three reads, the read sweep, the mix, the mix sweep, the
// think-time users and the soak. (The project read direct runs beside its twin with recycling
// off, recycling.ts.)
export async function mainReadsAndMix(session: Session, stack: Stack, gw: Service) {
  const { config } = session;
  await prefill(session, stack, gw);
  for (const read of READS) {
    await session.measure(readSpec(session, stack, gw, "l1", read, 50), stack);
  }
  for (const c of config.sweep.filter((c) => c !== 50)) {
    await session.measure({
      ...readSpec(session, stack, gw, "l1", READS[0], c),
      group: "sweep-read",
    }, stack);
  }
  await session.measure(mixSpec(session, stack, gw, "l1", 50, "mix"), stack);
  for (const c of config.sweep.filter((c) => c !== 50 && c !== 1000)) {
    await session.measure(mixSpec(session, stack, gw, "l1", c, "sweep-mix"), stack);
  }
  // Before the soak: the closed loop at c=1000 leaves queues and GC debt behind it.
  await session.measure(mixSpec(session, stack, gw, "l1", 1000, "think"), stack);
  await session.measure(mixSpec(session, stack, gw, "l1", 1000, "soak"), stack);
}

/** The L2-only and cache-off rows, each mode on a gateway of its own; then the uncached direct. */
export async function otherModes(session: Session, stack: Stack) {
  for (const mode of ["l2", "off"] as const) {
    await session.withGateway(stack, mode, async (gw) => {
      for (const read of READS) {
        await session.measure(readSpec(session, stack, gw, mode, read, 50), stack);
      }
      if (mode === "off") {
        await session.measure(mixSpec(session, stack, gw, "off", 50, "mix"), stack);
      }
    });
  }
  await session.withGateway(
    stack,
    "off",
    async (gw) => {
      await measureDirect(session, stack, gw, "off");
      await measureDirect(session, stack, gw, "off", true);
    },
    RECYCLING_OFF,
  );
}

/**
 * Another seed next to the primary one (small, xlarge): detail, list and the mix at c=50 on a
 * warm L1 gateway — the rows of "how cost grows".
 */
export async function scale(session: Session, other: Stack) {
  await session.withGateway(other, "l1", async (gw) => {
    await prefill(session, other, gw);
    for (const read of [READS[0], READS[2]]) {
      await session.measure(
        { ...readSpec(session, other, gw, "l1", read, 50), group: "scale" },
        other,
      );
    }
    await session.measure(mixSpec(session, other, gw, "l1", 50, "scale"), other);
  });
  // The database's own growth shows only without the cache: PK lookups and partition pruning
  // should keep the uncached detail flat too.
  await session.withGateway(other, "off", async (gw) => {
    await session.measure(
      { ...readSpec(session, other, gw, "off", READS[0], 50), group: "scale" },
      other,
    );
  });
}
