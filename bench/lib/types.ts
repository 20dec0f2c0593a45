/** The shape of a results file (bench/results/<date>-<sha>.json). */
import type { CacheSummary, PoolSample } from "./fnstats.ts";
import type { Machine } from "./machine.ts";
import type { ReportPair } from "./reports.ts";
import type { WrkResult } from "./wrk.ts";

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
    | "scale";
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
    user: string;
  };
  scenarios: ScenarioResult[];
  reports: ReportPair[];
  ratios: Ratio[];
  scale: ScaleTable;
  peer: PeerResult | null;
  targets: Target[];
  notes: string[];
  wallClockS: number;
}
