/**
 * `npm run faults [-- --quick]`: one fault per phase under a mixed load through a gateway with
 * two instances per function, and per phase the properties the backend promises:
 *
 * - every acknowledged payment is in the database exactly once (counted by its reference, which
 *   is its Idempotency-Key), and every failed create, retried with the same key afterwards, ends
 *   with exactly one payment; every acknowledged claim exists;
 * - no request takes longer than the deadline + 1 s;
 * - no function process exits on its own, and no isolate's guard had to catch an escaped error;
 * - the API is fully back ≤ 2 s after the faulted part is (no failure among requests started
 *   later than that);
 * - after an L2 outage during which a project was changed and the writer's process killed, no
 *   reader sees the old value later than CACHE_L1_TTL_SECONDS + the outbox's replay bound.
 *
 * Prints a table, writes JSON + Markdown next to the bench results, exits 1 when a property
 * fails. Run by scripts/faults.sh, which brings up the stack (or uses the running one).
 */
import { parseArgs } from "node:util";
import postgres from "postgres";
import { mintUserJwt } from "../../scripts/stack/keys.ts";
import { DEMO_USERS } from "../../scripts/seed/demo_users.ts";
import { describeMachine } from "../lib/machine.ts";
import { ROOT } from "../lib/procs.ts";
import { type FunctionProcess, StackControl, SuiteGateway } from "./control.ts";
import { type Fixtures, Load, send } from "./load.ts";
import { type PhaseResult, toMarkdown, verdict } from "./report.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: { quick: { type: "boolean", default: false }, phases: { type: "string" } },
});
const quick = args.quick!;
const env = Deno.env.toObject();
const need = (name: string) => {
  if (!env[name]) throw new Error(`${name} is not set: run through scripts/faults.sh`);
  return env[name];
};
const STACK_DIR = need("STACK_DIR");
const DEADLINE_MS = Number(env.REQUEST_TIMEOUT_MS ?? 10_000);
const L1_TTL_MS = Number(env.CACHE_L1_TTL_SECONDS ?? 5) * 1000;
const REPLAY_INTERVAL_MS = Number(env.CACHE_REPLAY_INTERVAL_MS ?? 2000);
/** Mirrors shared/outbox.ts replayBoundMs(): two intervals plus the writer's grace period. */
const STALE_BOUND_MS = L1_TTL_MS + 2 * REPLAY_INTERVAL_MS + 1000;
const RECOVERY_LIMIT_MS = 2000;
/** How long the probe watches: past the bound, and past the moment a breaker lets reads in. */
const WATCH_MS = Math.max(STALE_BOUND_MS, Number(env.CACHE_BREAKER_OPEN_MS ?? 10_000) + L1_TTL_MS) +
  3000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) =>
  console.error(`[faults ${(performance.now() / 1000).toFixed(1)}] ${line}`);

const stack = new StackControl(STACK_DIR, env);
const direct = postgres(need("DB_DIRECT_URL"), { max: 4, onnotice: () => {} });
const gatewayPort = Number(need("API_PORT"));
const gateway = new SuiteGateway(
  gatewayPort,
  2,
  { ...env, LOG_REQUESTS: "0" },
  `${STACK_DIR}/logs/faults-gateway.log`,
);
const base = `http://127.0.0.1:${gatewayPort}/functions/v1`;

const timing = quick
  ? { warm: 1500, hold: 2500, stall: 3500, poolHold: 3500, after: 4000, workers: 8 }
  : { warm: 3000, hold: 5000, stall: 20_000, poolHold: 15_000, after: 8000, workers: 12 };

async function fixtures(): Promise<Fixtures & { probeId: string }> {
  const pairs = await direct<{ project_id: string; candidate_id: string }[]>`
    select s.project_id, s.candidate_id from public.project_staff s
      join public.projects p on p.id = s.project_id
     where p.deleted_at is null and p.status <> 'cancelled'
     order by s.id limit 20`;
  // Reads go to projects no write of the load touches (payments and claims drop their
  // project's cached detail): "cached reads answer during a database fault" is about entries
  // that are in the cache.
  const written = [...new Set(pairs.map((p) => p.project_id))];
  const projects = await direct<{ id: string }[]>`
    select id from public.projects
     where deleted_at is null and status <> 'cancelled' and id <> all(${written}::uuid[])
     order by id limit 31`;
  const candidates = await direct<{ id: string }[]>`
    select id from public.candidates order by id limit 50`;
  if (projects.length < 31 || pairs.length < 5) throw new Error("seed the stack first");
  const ids = projects.map((p) => p.id);
  return {
    base,
    tokens: {
      admin: await mintUserJwt(DEMO_USERS.admin.id, "admin"),
      finance: await mintUserJwt(DEMO_USERS.finance.id, "finance"),
    },
    readIds: ids.slice(0, 20),
    patchIds: ids.slice(20, 30),
    probeId: ids[30],
    candidateIds: candidates.map((c) => c.id),
    pairs,
  };
}

/** The stale-read probe of an L2 phase (see the module comment). */
class StaleProbe {
  oldVenue = "";
  newVenue = "";
  writerKilled = false;
  /** Reads and whether they showed data older than the last write (ms after that write). */
  reads: { at: number; stale: boolean }[] = [];
  /** The same for the set-up write made while L2 was up. */
  setupReads: { at: number; stale: boolean }[] = [];
  private readers: FunctionProcess[] = [];
  private replacement?: Promise<FunctionProcess>;

  constructor(private readonly fx: Fixtures & { probeId: string }) {}

  private url(p: FunctionProcess) {
    return `http://127.0.0.1:${p.port}`;
  }

  /** Sets a known venue, then both instances read the project, so L2 holds that version. */
  async prepare(): Promise<void> {
    const [a, b] = gateway.of("projects");
    this.oldVenue = `before-${crypto.randomUUID().slice(0, 8)}`;
    const set = await send(this.url(a), `projects/${this.fx.probeId}`, {
      method: "PATCH",
      token: this.fx.tokens.admin,
      body: { venue: this.oldVenue },
    }, { clientTimeoutMs: DEADLINE_MS + 5000 });
    if (set.status !== 200) throw new Error(`probe set-up PATCH answered ${set.status}`);
    // Read until both instances show it (an earlier phase's stale entry would show here too:
    // such reads past the bound count against this phase).
    const setAt = performance.now();
    let agreeing = 0;
    while (agreeing < 4 && performance.now() - setAt < WATCH_MS) {
      for (const p of [a, b]) {
        const res = await send(this.url(p), `projects/${this.fx.probeId}`, {
          method: "GET",
          token: this.fx.tokens.admin,
        }, { clientTimeoutMs: DEADLINE_MS + 5000 });
        const venue = (res.json?.project as Record<string, unknown> | undefined)?.venue;
        const stale = venue !== this.oldVenue;
        agreeing = stale ? 0 : agreeing + 1;
        this.setupReads.push({ at: performance.now() - setAt, stale });
      }
      if (agreeing < 4) await sleep(100);
    }
    this.readers = [b];
  }

  /** While L2 is down: change the venue through instance A, then kill A. */
  async writeAndKillWriter(): Promise<void> {
    const [a] = gateway.of("projects");
    this.newVenue = `probe-${crypto.randomUUID().slice(0, 8)}`;
    const res = await send(this.url(a), `projects/${this.fx.probeId}`, {
      method: "PATCH",
      token: this.fx.tokens.admin,
      body: { venue: this.newVenue },
    }, { clientTimeoutMs: DEADLINE_MS + 5000 });
    if (res.status !== 200) throw new Error(`probe PATCH answered ${res.status}`);
    this.replacement = gateway.kill(a);
    this.writerKilled = true;
  }

  /** Reads from every instance until `untilMs` after L2 is back. */
  async watch(backAt: number, forMs: number): Promise<void> {
    const replacement = await this.replacement!;
    this.readers.push(replacement);
    while (performance.now() < backAt + forMs) {
      for (const p of this.readers) {
        const res = await send(this.url(p), `projects/${this.fx.probeId}`, {
          method: "GET",
          token: this.fx.tokens.admin,
        }, { clientTimeoutMs: DEADLINE_MS + 5000 });
        const venue = (res.json?.project as Record<string, unknown> | undefined)?.venue;
        if (res.status === 200) {
          this.reads.push({ at: performance.now() - backAt, stale: venue !== this.newVenue });
        }
      }
      await sleep(100);
    }
  }
}

interface Phase {
  name: string;
  fault: string;
  stale?: boolean;
  /** A database fault: cached reads must go on answering while it lasts. */
  database?: boolean;
  /** Breaks something; resolves with a function that mends it and resolves at "back". */
  inject(): Promise<() => Promise<void>>;
  holdMs: number;
}

const phases: Phase[] = [
  {
    name: "redis-kill",
    fault: "redis-server SIGKILLed, restarted empty",
    stale: true,
    holdMs: timing.hold,
    async inject() {
      await stack.kill("redis");
      return () => stack.start("redis");
    },
  },
  {
    name: "bridge-kill",
    fault: "Upstash REST bridge SIGKILLed (Redis keeps its data)",
    stale: true,
    holdMs: timing.hold,
    async inject() {
      await stack.kill("bridge");
      return () => stack.start("bridge");
    },
  },
  {
    name: "pgbouncer-kill",
    fault: "pgbouncer SIGKILLed, restarted",
    database: true,
    holdMs: timing.hold,
    async inject() {
      await stack.kill("pgbouncer");
      return () => stack.start("pgbouncer");
    },
  },
  {
    name: "postgres-stall",
    fault: "every Postgres process SIGSTOPped",
    database: true,
    holdMs: timing.stall,
    async inject() {
      const pids = await stack.stallPostgres();
      return () => Promise.resolve(stack.resumePostgres(pids));
    },
  },
  {
    name: "postgres-restart",
    fault: "Postgres stopped (-m immediate), started again",
    database: true,
    holdMs: timing.hold,
    async inject() {
      await stack.stopPostgres();
      return () => stack.start("postgres");
    },
  },
  {
    name: "function-kill",
    fault: "one process of projects and of payments SIGKILLed",
    holdMs: 0,
    inject() {
      const back = [gateway.of("projects")[0], gateway.of("payments")[0]].map((p) =>
        gateway.kill(p)
      );
      return Promise.resolve(async () => void await Promise.all(back));
    },
  },
  {
    name: "pooler-hold",
    fault: "every pgbouncer server slot held by pg_sleep",
    database: true,
    holdMs: 0,
    async inject() {
      const size = Number(env.POOLER_POOL_SIZE ?? 20);
      const holder = postgres(need("DB_POOLER_URL"), { max: size, onnotice: () => {} });
      const seconds = timing.poolHold / 1000;
      const held = Promise.all(
        Array.from(
          { length: size },
          () => holder.begin((tx) => tx`select pg_sleep(${seconds})`).catch(() => undefined),
        ),
      );
      await sleep(300); // let the sleepers take every slot
      return async () => {
        await held;
        await holder.end({ timeout: 1 });
      };
    },
  },
];

async function countPayments(keys: string[]): Promise<Map<string, number>> {
  const rows = await direct<{ reference: string; n: number }[]>`
    select reference, count(*)::int as n from public.payments
     where reference = any(${keys}) group by reference`;
  return new Map(rows.map((r) => [r.reference, r.n]));
}

async function runPhase(phase: Phase, fx: Fixtures & { probeId: string }): Promise<PhaseResult> {
  log(`phase ${phase.name}: ${phase.fault}`);
  const load = new Load(fx, {
    workers: timing.workers,
    clientTimeoutMs: DEADLINE_MS + 5000,
    thinkMs: 5,
  }, phase.name);
  const escapedBefore = gateway.escaped.length;
  const probe = phase.stale ? new StaleProbe(fx) : undefined;
  await probe?.prepare();
  load.start();
  await sleep(timing.warm);
  const faultAt = performance.now();
  const mend = await phase.inject();
  await probe?.writeAndKillWriter();
  await sleep(phase.holdMs);
  await mend();
  const backAt = performance.now();
  log(`  back after ${((backAt - faultAt) / 1000).toFixed(1)} s`);
  const watching = probe?.watch(backAt, WATCH_MS);
  await sleep(timing.after);
  await load.stop();
  await watching;

  // Failed creates are retried with the same key and body, as a client would.
  const failed = load.payments.filter((p) => p.status !== 201 && p.status !== 200);
  for (const p of failed) {
    for (let attempt = 0; attempt < 20; attempt++) {
      const res = await send(base, "payments", {
        method: "POST",
        token: fx.tokens.finance,
        body: p.body,
        headers: { "idempotency-key": p.key },
      }, { clientTimeoutMs: DEADLINE_MS + 5000 });
      p.status = res.status;
      if (res.status === 201 || res.status === 200) break;
      await sleep(250);
    }
  }
  const counts = await countPayments(load.payments.map((p) => p.key));
  const acked = load.payments.filter((p) => !failed.includes(p));
  const claimRows = load.claims.length
    ? await direct<{ n: number }[]>`
        select count(*)::int as n from public.expense_claims where id = any(${load.claims}::uuid[])`
    : [{ n: 0 }];

  const failures = load.records.filter((r) => r.status === 0 || r.status >= 500);
  const cachedDuringFault = load.records.filter((r) =>
    r.op === "get_project" && r.start >= faultAt && r.end <= backAt
  );
  const cachedMs = cachedDuringFault.map((r) => r.end - r.start).sort((x, y) => x - y);
  const lateFailures = failures.filter((r) => r.start >= backAt);
  const recoveryMs = lateFailures.length
    ? Math.max(...lateFailures.map((r) => r.start - backAt))
    : 0;
  const staleAfterBound = probe
    ? [...probe.reads, ...probe.setupReads].filter((r) => r.stale && r.at > STALE_BOUND_MS).length
    : 0;
  const lastStale = probe?.reads.filter((r) => r.stale).at(-1)?.at;
  return {
    name: phase.name,
    fault: phase.fault,
    requests: load.records.length,
    failed: failures.length,
    statuses: tally(load.records.map((r) => r.timedOut ? "timeout" : String(r.status))),
    ackedPayments: acked.length,
    lost: acked.filter((p) => (counts.get(p.key) ?? 0) === 0).length +
      (load.claims.length - claimRows[0].n),
    duplicates: load.payments.filter((p) => (counts.get(p.key) ?? 0) > 1).length,
    retried: failed.length,
    retriedNotOne: failed.filter((p) => counts.get(p.key) !== 1).length,
    pastDeadline: load.records.filter((r) => r.timedOut || r.end - r.start > DEADLINE_MS + 1000)
      .length,
    maxLatencyMs: Math.round(Math.max(0, ...load.records.map((r) => r.end - r.start))),
    crashes: gateway.crashes(faultAt) + (gateway.escaped.length - escapedBefore),
    recoveryMs: Math.round(recoveryMs),
    cachedDuringFault: phase.database
      ? {
        reads: cachedDuringFault.length,
        failed: cachedDuringFault.filter((r) => r.status !== 200).length,
        p99Ms: Math.round(cachedMs[Math.floor(cachedMs.length * 0.99)] ?? 0),
      }
      : null,
    stale: probe
      ? {
        reads: probe.reads.length,
        staleReads: probe.reads.filter((r) => r.stale).length,
        lastStaleMs: lastStale === undefined ? null : Math.round(lastStale),
        afterBound: staleAfterBound,
        boundMs: STALE_BOUND_MS,
      }
      : null,
  };
}

function tally(xs: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}

/** After all phases: every instance's pool is idle again (no stranded borrow). */
async function poolsIdle(
  token: string,
): Promise<{ label: string; active: number; waiting: number }[]> {
  await sleep(500);
  const out = [];
  for (const [label, p] of gateway.processes) {
    const res = await send(`http://127.0.0.1:${p.port}`, `${p.name}/stats`, {
      method: "GET",
      token,
    }, { clientTimeoutMs: 5000 });
    const pool = res.json?.pool as { active: number; waiting: number } | undefined;
    out.push({ label, active: pool?.active ?? -1, waiting: pool?.waiting ?? -1 });
  }
  return out;
}

async function main(): Promise<number> {
  const started = performance.now();
  const [{ version }] = await direct`select version()`;
  const machine = await describeMachine(String(version).split(" on ")[0]);
  const wanted = args.phases?.split(",");
  const results: PhaseResult[] = [];
  let pools: Awaited<ReturnType<typeof poolsIdle>> = [];
  try {
    await gateway.start();
    log(`gateway on :${gatewayPort} with ${gateway.processes.size} function processes`);
    const fx = await fixtures();
    for (const phase of phases.filter((p) => !wanted || wanted.includes(p.name))) {
      results.push(await runPhase(phase, fx));
      log(`  ${verdict(results.at(-1)!).ok ? "ok" : "FAILED"}`);
    }
    pools = await poolsIdle(fx.tokens.admin);
  } finally {
    await gateway.stop();
    await direct.end();
  }
  const report = {
    machine,
    quick,
    config: {
      instancesPerFunction: 2,
      requestTimeoutMs: DEADLINE_MS,
      l1TtlMs: L1_TTL_MS,
      replayIntervalMs: REPLAY_INTERVAL_MS,
      staleBoundMs: STALE_BOUND_MS,
      recoveryLimitMs: RECOVERY_LIMIT_MS,
      timing,
    },
    phases: results,
    poolsIdle: pools,
    wallClockS: Math.round((performance.now() - started) / 100) / 10,
  };
  const md = toMarkdown(report);
  const outDir = `${ROOT}/bench/results${quick ? "/tmp" : ""}`;
  await Deno.mkdir(outDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "");
  for (const name of [`faults-${stamp}Z-${machine.gitSha}`, "faults-latest"]) {
    await Deno.writeTextFile(`${outDir}/${name}.json`, JSON.stringify(report, null, 2) + "\n");
    await Deno.writeTextFile(`${outDir}/${name}.md`, md);
  }
  console.log(md);
  const bad = results.filter((r) => !verdict(r).ok).length +
    pools.filter((p) => p.active !== 0 || p.waiting !== 0).length;
  log(`${bad === 0 ? "all properties hold" : `${bad} failing`}; wrote ${outDir}/faults-latest.*`);
  return bad === 0 ? 0 : 1;
}

Deno.exit(await main());
