/** The shape of a results file (bench/results/<date>-<sha>.json). */
import type { CacheSummary, PoolSample } from "./fnstats.ts";
import type { CostReport } from "./cost.ts";
import type { Machine } from "./machine.ts";
import type { ReportPair, Timing } from "./reports.ts";
import type { WorkerTotals } from "./workers.ts";
import type { WrkResult } from "./wrk.ts";
import type { StalenessResult } from "./staleness.ts";

export type CacheMode = "l1" | "l2" | "off";

export interface ScenarioResult extends WrkResult {
  /** Stable id, e.g. `read/project/l1/c50@large`. */
  id: string;
  group:
    | "ceiling"
    | "read"
    | "direct"
    | "mix"
    | "sweep-read"
    | "sweep-mix"
    | "think"
    | "soak"
    | "scale"
    | "metrics"
    | "recycling";
  title: string;
  /** What wrk talked to: the bare server, a gateway, the Upstash bridge. */
  via: "direct" | "gateway" | "bridge";
  cacheMode: CacheMode | null;
  seed: string;
  connections: number;
  threads: number;
  /** Top-level statements (round trips) and queries proper per request; null when not measured. */
  db: { statementsPerReq: number; queriesPerReq: number } | null;
  cache: CacheSummary | null;
  pool: PoolSample | null;
  /** Where the server's execution time went (uncached scenarios only). */
  topStatements?: { query: string; perRequest: number; meanMs: number; totalMs: number }[];
  /** Most Postgres client backends seen at once (sampled every 250 ms). */
  maxBackends: number | null;
  /** The workers' CPU, starts and retirements over the run; absent in older results files. */
  workers?: WorkerCpu | null;
  /** Redis commands over wrk's window (bench/lib/redis-usage.ts); absent in older files. */
  redis?: RedisUsage | null;
  /** CPU of Postgres's processes (postmaster and all it forked) over the window (proc-cpu.ts). */
  dbCpu?: ProcessCpu | null;
  /** pgbouncer's CPU over the window: the pooler, billed outside the compute size when hosted. */
  poolerCpu?: ProcessCpu | null;
  /** wrk's bytes read (headers and bodies) ÷ requests: the egress of one response. */
  bytesOutPerReq?: number | null;
}

/** Commands in a window, as Upstash bills them where the bridge counted them. */
export interface RedisUsage {
  commands: number;
  perReq: number;
  /** "bridge": the Upstash bridge's count; "redis": redis-server's (every call in a script too). */
  source: "bridge" | "redis";
  /** redis-server's total_commands_processed Δ, less the harness's INFO. */
  serverCommands: number;
  /** RESP bytes in + out at redis-server (REST adds JSON and HTTP framing on top). */
  netBytes: number;
}

/** CPU ms of a set of processes over a window, and per wrk request. */
export interface ProcessCpu {
  ms: number;
  perReqMs: number;
}

/**
 * Redis commands with the gateway up and no load (bench/lib/idle-redis.ts): the metrics flush,
 * the outbox replayer, the bus — per live function worker (isolate) per second.
 */
export interface IdleRedis {
  seconds: number;
  /** Ready workers of the functions, averaged over the window's /health samples. */
  workers: number;
  commands: number;
  perWorkerPerS: number;
  source: "bridge" | "redis";
  serverCommands: number;
  netBytesPerWorkerPerS: number;
  /** redis-server's used_memory_dataset at the end: what a plan's data-size limit is about. */
  datasetBytes: number;
  /** Workers that retired during the window (their farewell flush is in the count). */
  retired: number;
}

/**
 * Δ of the gateway's /health slots of `functions` over a run: `cpuMs` (all their workers'
 * process CPU, 10 ms ticks sampled every 100 ms) ÷ `requests` (wrk's) = `cpuMsPerReq`.
 */
export interface WorkerCpu extends WorkerTotals {
  functions: string[];
  requests: number;
  cpuMsPerReq: number;
}

/** One function's first request after a retirement, and the same request again right after. */
export interface ColdStartRow {
  fn: string;
  /** The request, e.g. `GET /functions/v1/projects/{id}` (one id, its L2 entry warm). */
  route: string;
  cold: Timing;
  warm: Timing;
  /** Workers the rounds started (one per cold request when each found its slot cold). */
  starts: number;
}

/** Cache lookups per tier over a run, from the totals the workers flush to Redis. */
export interface TierCounts {
  l1: { hits: number; misses: number };
  l2: { hits: number; misses: number };
}

/** What recycling costs (bench/lib/recycling.ts). */
export interface RecyclingResult {
  coldStart: { rounds: number; idleS: number; setup: string; rows: ColdStartRow[] } | null;
  /** The same load with recycling on (short wall clock) and off; rows in `scenarios`. */
  pairs: {
    what: string;
    on: { id: string; tiers: TierCounts | null };
    off: { id: string; tiers: TierCounts | null };
  }[];
  wallClockS: number;
  durationS: number;
  setup: string;
}

export interface Ratio {
  name: string;
  value: number | null;
  detail: string;
}

/** One of the targets: what was compared with what, and whether the goal was met. */
export interface Target {
  name: string;
  /** The ratio (or the measured value), as printed. */
  value: string;
  /** What was measured, with its unit and the scenario it comes from. */
  numerator: string;
  /** What the numerator is divided by or read against, with its unit and scenario. */
  denominator: string;
  /** E.g. "≥ 0.50×"; "report" for a figure shown without a goal. */
  goal: string;
  /** null when an input was not measured, or when the row only reports (goal "report"). */
  met: boolean | null;
}

/** The in-process peer: the project's L1 getOrSet hit against bentocache's memory tier. */
export interface PeerResult {
  keys: number;
  opsPerRound: number;
  valueBytes: number;
  /** Median ops/s over the rounds, and each round's figure (A/B/A/B order). */
  ours: { opsPerS: number; rounds: number[] };
  bentocache: { opsPerS: number; rounds: number[]; version: string };
}

/** One throughput figure of the job-queue benchmark (bench/jobs/): median of its rounds. */
export interface JobsThroughput {
  jobsPerS: number;
  /** jobs/s of each round, in the order run (the two systems alternate who goes first). */
  rounds: number[];
  /** Jobs per round. */
  jobs: number;
  /** How the figure was made: clients, batch, worker loops, the call used. */
  setup: string;
}

/** Enqueue → start delays (the database's created/started timestamps) under a steady rate. */
export interface JobsLatency {
  jobs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  ratePerS: number;
  /** Measured seconds of sending, after `leadInS` seconds whose jobs are not counted. */
  seconds: number;
  leadInS: number;
  /** The slowest start among the lead-in's jobs: ours includes waking from idle. */
  wakeUpMs: number;
  /** The worker: what polls, how often, batch. */
  setup: string;
}

/** The job queue beside pg-boss on the same Postgres (bench/jobs/run.ts). */
export interface JobsResult {
  pgBossVersion: string;
  quick: boolean;
  enqueue: { ours: JobsThroughput; pgBoss: JobsThroughput };
  drain: { ours: JobsThroughput; pgBoss: JobsThroughput };
  latency: { ours: JobsLatency; pgBoss: JobsLatency; pgBossNotify: JobsLatency };
  /** Harness checks: every job sent once, drained once, none lost or left behind. */
  checks: { name: string; ok: boolean; detail: string }[];
  notes: string[];
  wallClockS: number;
}

/** One measured run of the metrics-overhead pair (bench/lib/metrics.ts), in the order run. */
export interface MetricsOverheadRound {
  mode: "on" | "off";
  /** Scenario id (its row in `scenarios`). */
  id: string;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Responses other than 200, plus timeouts and socket errors. */
  errors: number;
}

/**
 * The cached GET project sent straight to one projects process with metrics on and to another
 * with METRICS_DISABLED=1 (nothing else differs), in alternating rounds on the same warm cache.
 */
export interface MetricsOverheadResult {
  seed: string;
  connections: number;
  durationS: number;
  warmupS: number;
  quick: boolean;
  /** Every run, in the order run (pairs alternate which mode goes first). */
  rounds: MetricsOverheadRound[];
  /** Median req/s of each mode's rounds, and those rounds' figures in the order run. */
  on: { rps: number; rounds: number[] };
  off: { rps: number; rounds: number[] };
  /** `metrics.flushes` of each process's `/projects/stats` after the rounds. */
  flushes: { on: number | null; off: number | null };
  /** Harness checks: both modes answered only 200s, the on process flushed, the off one never. */
  checks: { name: string; ok: boolean; detail: string }[];
  /** How the two processes were started. */
  setup: string;
}

/** "How cost grows": p50 of the same reads on each seed. */
export interface ScaleTable {
  seeds: string[];
  rows: { what: string; scenario: string; p50: Record<string, number | null> }[];
  /** One line: flat, or where and by how much it is not. */
  verdict: string;
}

export interface Results {
  machine: Machine;
  config: {
    quick: boolean;
    durationS: number;
    warmupS: number;
    soakS: number;
    thinkS: number;
    thinkMs: [number, number];
    timeoutS: number;
    threads: number;
    zipfS: number;
    writePct: number;
    sweep: number[];
    seeds: Record<string, Record<string, number>>;
    poolerPoolSize: number;
    dbPoolMax: number;
    functionInstances: number;
    /** How the workers of every row not labelled otherwise recycle. */
    recycling?: string;
    user: string;
  };
  scenarios: ScenarioResult[];
  reports: ReportPair[];
  ratios: Ratio[];
  scale: ScaleTable;
  peer: PeerResult | null;
  /** Absent in results files written before the job-queue benchmark existed. */
  jobs?: JobsResult | null;
  /** Absent in results files written before the metrics-overhead pair existed. */
  metricsOverhead?: MetricsOverheadResult | null;
  /** Absent in results files written before the gateway recycled its workers. */
  recycling?: RecyclingResult | null;
  /** Absent in results files written before the invalidation bus existed. */
  staleness?: StalenessResult | null;
  /** Absent in results files written before the cost model existed. */
  idleRedis?: IdleRedis | null;
  cost?: CostReport | null;
  targets: Target[];
  notes: string[];
  wallClockS: number;
}
