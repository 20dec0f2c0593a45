/** The shape of a results file (bench/results/<date>-<sha>.json). */
import type { CacheSummary, PoolSample } from "./fnstats.ts";
import type { Machine } from "./machine.ts";
import type { ReportPair } from "./reports.ts";
import type { WrkResult } from "./wrk.ts";

export type CacheMode = "l1" | "l2" | "off";

export interface ScenarioResult extends WrkResult {
  /** Stable id, e.g. `read/project/l1/c50@large`. */
  id: string;
  group: "ceiling" | "read" | "mix" | "sweep-read" | "sweep-mix" | "soak" | "scale";
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

export interface Target {
  name: string;
  met: boolean | null;
  value: string;
  threshold: string;
}

export interface Results {
  machine: Machine;
  config: {
    quick: boolean;
    durationS: number;
    warmupS: number;
    soakS: number;
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
  targets: Target[];
  notes: string[];
  wallClockS: number;
}
