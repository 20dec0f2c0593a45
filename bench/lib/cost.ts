/**
 * What a month at the stated traffic costs on Supabase Pro + Upstash, before (cache off) and
 * after (cache on), from one run's measured counts and the published prices
 * (bench/cost/prices.ts). Pure: no I/O, so tests/unit/cost.unit.test.ts checks it by hand.
 * A count that was not measured leaves its line, and the total, null — never a guess.
 */
import type { ComputeSize, Prices, UpstashFixedPlan } from "../cost/prices.ts";
import type { IdleRedis, RedisUsage, ScenarioResult } from "./types.ts";

/** The traffic the issue states and the model's own assumptions, printed with every report. */
export const TRAFFIC = {
  requestsPerMonth: 30_000_000,
  /** The measured mix's write share (bench/lib/session.ts `writePct`): 95 % reads. */
  writePct: 5,
  /** The busiest hour runs at this multiple of the month's average rate. */
  peakFactor: 10,
  secondsPerMonth: 30 * 24 * 3600,
  /** The share of a size's sustained cores the database may use at the peak. */
  cpuCeiling: 0.7,
  /** Function isolates alive all month: one per function, as the bench runs them. */
  isolatesAlive: 4,
};
export type Traffic = typeof TRAFFIC;

/** The counts of one scenario the model prices; null where the run did not measure it. */
export interface Measured {
  scenario: string;
  dbCpuMsPerReq: number | null;
  poolerCpuMsPerReq: number | null;
  redisPerReq: number | null;
  redisSource: RedisUsage["source"] | null;
  redisNetBytesPerReq: number | null;
  bytesOutPerReq: number | null;
}

/** The fields a results file may lack (older files): each reads null then. */
export type ScenarioCounts = Pick<
  ScenarioResult,
  "id" | "requests" | "dbCpu" | "poolerCpu" | "redis" | "bytesOutPerReq"
>;

export function measuredOf(s: ScenarioCounts): Measured {
  return {
    scenario: s.id,
    dbCpuMsPerReq: s.dbCpu?.perReqMs ?? null,
    poolerCpuMsPerReq: s.poolerCpu?.perReqMs ?? null,
    redisPerReq: s.redis?.perReq ?? null,
    redisSource: s.redis?.source ?? null,
    redisNetBytesPerReq: s.redis ? s.redis.netBytes / s.requests : null,
    bytesOutPerReq: s.bytesOutPerReq ?? null,
  };
}

export const peakRps = (t: Traffic) => (t.requestsPerMonth / t.secondsPerMonth) * t.peakFactor;

/** Database cores the peak needs: peak req/s × CPU ms per request, within the ceiling. */
export const coresNeeded = (dbCpuMsPerReq: number, t: Traffic) =>
  (peakRps(t) * dbCpuMsPerReq) / 1000 / t.cpuCeiling;

/** The cheapest size whose sustained cores cover `cores`; null past the largest. */
export function computeSizeFor(cores: number, sizes: ComputeSize[]): ComputeSize | null {
  const byPrice = [...sizes].sort((a, b) => a.usdPerHour - b.usdPerHour);
  return byPrice.find((s) => (s.sustained?.cores ?? s.cores) >= cores) ?? null;
}

/** What Upstash would see in the month. */
export interface UpstashUsage {
  commandsPerMonth: number;
  /** At the peak hour, idle work included. */
  peakCommandsPerS: number;
  bandwidthGb: number;
  dataGb: number;
}

export function upstashUsage(
  m: Measured,
  idle: IdleRedis | null,
  t: Traffic,
): UpstashUsage | null {
  if (m.redisPerReq === null || !idle) return null;
  const idlePerS = idle.perWorkerPerS * t.isolatesAlive;
  const idleBytes = idle.netBytesPerWorkerPerS * t.isolatesAlive * t.secondsPerMonth;
  return {
    commandsPerMonth: t.requestsPerMonth * m.redisPerReq + idlePerS * t.secondsPerMonth,
    peakCommandsPerS: peakRps(t) * m.redisPerReq + idlePerS,
    bandwidthGb: (t.requestsPerMonth * (m.redisNetBytesPerReq ?? 0) + idleBytes) / 1e9,
    dataGb: idle.datasetBytes / 1e9,
  };
}

/** One Upstash plan priced for `u`; `usd` null when the plan cannot carry it (`why`). */
export interface UpstashOption {
  name: string;
  usd: number | null;
  why?: string;
}

export function upstashOptions(u: UpstashUsage, p: Prices["upstash"]): UpstashOption[] {
  const g = p.payg;
  const payg: UpstashOption = u.peakCommandsPerS > g.maxCommandsPerS
    ? { name: "pay-as-you-go", usd: null, why: `peak over ${g.maxCommandsPerS} commands/s` }
    : {
      name: "pay-as-you-go",
      usd: (u.commandsPerMonth / 100_000) * g.usdPer100kCommands +
        Math.max(0, u.bandwidthGb - g.freeBandwidthGb) * g.usdPerGbBandwidth +
        Math.max(0, u.dataGb - g.freeStorageGb) * g.usdPerGbStorage,
    };
  const fixed = (f: UpstashFixedPlan): UpstashOption => {
    const why = u.dataGb > f.dataGb
      ? `data over ${f.dataGb} GB`
      : u.bandwidthGb > f.bandwidthGb
      ? `bandwidth over ${f.bandwidthGb} GB`
      : u.peakCommandsPerS > f.maxCommandsPerS
      ? `peak over ${f.maxCommandsPerS} commands/s`
      : undefined;
    return why ? { name: f.name, usd: null, why } : { name: f.name, usd: f.usdPerMonth };
  };
  return [payg, ...p.fixed.map(fixed)];
}

/** The cheapest plan that carries the load; null when none does. */
export function cheapest(options: UpstashOption[]): UpstashOption | null {
  const fits = options.filter((o) => o.usd !== null);
  return fits.length ? fits.reduce((a, b) => (b.usd! < a.usd! ? b : a)) : null;
}

/** One line of the bill, with the measured count it comes from. */
export interface CostLine {
  key: "plan" | "compute" | "credits" | "invocations" | "egress" | "upstash";
  item: string;
  usd: number | null;
  basis: string;
}

export interface CostSide {
  measured: Measured;
  coresNeeded: number | null;
  computeSize: string | null;
  upstash: { usage: UpstashUsage; options: UpstashOption[]; chosen: string | null } | null;
  lines: CostLine[];
  totalUsd: number | null;
}

const NOT_MEASURED = "not measured";
const millions = (v: number) => `${(v / 1e6).toFixed(v < 1e7 ? 2 : 1)} M`;
const usd = (v: number) => `$${v.toFixed(2)}`;

function computeLines(
  m: Measured,
  prices: Prices,
  t: Traffic,
): { cores: number | null; size: string | null; lines: CostLine[] } {
  const { plan, compute } = prices.supabase;
  const hours = t.secondsPerMonth / 3600;
  if (m.dbCpuMsPerReq === null) {
    return {
      cores: null,
      size: null,
      lines: [{
        key: "compute",
        item: "Compute",
        usd: null,
        basis: `Postgres CPU ${NOT_MEASURED}`,
      }],
    };
  }
  const cores = coresNeeded(m.dbCpuMsPerReq, t);
  const size = computeSizeFor(cores, compute);
  const basis = `${cores.toFixed(3)} cores at the peak = ${peakRps(t).toFixed(1)} req/s × ` +
    `${m.dbCpuMsPerReq.toFixed(3)} ms Postgres CPU/req ÷ ${t.cpuCeiling}`;
  if (!size) {
    return {
      cores,
      size: null,
      lines: [{ key: "compute", item: "Compute", usd: null, basis: `${basis}: > 16XL` }],
    };
  }
  const usdCompute = size.usdPerHour * hours;
  const sustained = size.sustained ? `, sustains ~${size.sustained.cores}` : "";
  return {
    cores,
    size: size.name,
    lines: [
      {
        key: "compute",
        item: `Compute ${size.name} (${size.cores}-core ${
          size.dedicated ? "dedicated" : "shared"
        }${sustained}; ${hours} h × $${size.usdPerHour})`,
        usd: usdCompute,
        basis,
      },
      {
        key: "credits",
        item: `Compute credits (${plan.name})`,
        usd: -Math.min(plan.computeCreditsUsd, usdCompute),
        basis: `$${plan.computeCreditsUsd} a month, compute only`,
      },
    ],
  };
}

function upstashLine(
  m: Measured,
  idle: IdleRedis | null,
  prices: Prices,
  t: Traffic,
): { upstash: CostSide["upstash"]; line: CostLine } {
  const usage = upstashUsage(m, idle, t);
  if (!usage) {
    const what = m.redisPerReq === null ? "Redis commands/req" : "idle Redis rate";
    return {
      upstash: null,
      line: { key: "upstash", item: "Upstash Redis", usd: null, basis: NOT_MEASURED + `: ${what}` },
    };
  }
  const options = upstashOptions(usage, prices.upstash);
  const chosen = cheapest(options);
  const [payg, ...fixed] = options;
  const fixedFit = cheapest(fixed);
  const idlePerS = idle!.perWorkerPerS * t.isolatesAlive;
  const price = (o: UpstashOption | null) =>
    !o ? "none fits" : o.usd === null ? `${o.name}: ${o.why}` : `${o.name} ${usd(o.usd)}`;
  return {
    upstash: { usage, options, chosen: chosen?.name ?? null },
    line: {
      key: "upstash",
      item: `Upstash Redis (${chosen?.name ?? "no plan fits"})`,
      usd: chosen?.usd ?? null,
      basis: `${m.redisPerReq!.toFixed(3)} commands/req (${m.redisSource}) × ` +
        `${millions(t.requestsPerMonth)} + ${idlePerS.toFixed(2)}/s idle ` +
        `(${t.isolatesAlive} isolates) = ${millions(usage.commandsPerMonth)} commands, ` +
        `${usage.bandwidthGb.toFixed(1)} GB; ${price(payg)} vs ${price(fixedFit)}`,
    },
  };
}

/** The month's bill for one measured scenario. */
export function costSide(
  m: Measured,
  idle: IdleRedis | null,
  prices: Prices,
  t: Traffic = TRAFFIC,
): CostSide {
  const { plan, invocations, egress } = prices.supabase;
  const compute = computeLines(m, prices, t);
  const billedPackages = Math.ceil(
    Math.max(0, t.requestsPerMonth - invocations.includedPerMonth) / invocations.packageSize,
  );
  const egressGb = m.bytesOutPerReq === null ? null : (t.requestsPerMonth * m.bytesOutPerReq) / 1e9;
  const { upstash, line } = upstashLine(m, idle, prices, t);
  const lines: CostLine[] = [
    { key: "plan", item: `Supabase ${plan.name} plan`, usd: plan.usdPerMonth, basis: "base fee" },
    ...compute.lines,
    {
      key: "invocations",
      item: "Edge Function invocations",
      usd: billedPackages * invocations.usdPerPackage,
      basis: `${millions(t.requestsPerMonth)} (one per request), ` +
        `${millions(invocations.includedPerMonth)} included, $${invocations.usdPerPackage} per ` +
        `started ${millions(invocations.packageSize)}`,
    },
    {
      key: "egress",
      item: "Egress",
      usd: egressGb === null ? null : Math.max(0, egressGb - egress.includedGb) * egress.usdPerGb,
      basis: egressGb === null
        ? `bytes per response ${NOT_MEASURED}`
        : `${m.bytesOutPerReq!.toFixed(0)} B/response × ${millions(t.requestsPerMonth)} = ` +
          `${egressGb.toFixed(1)} GB, ${egress.includedGb} GB included`,
    },
    line,
  ];
  const known = lines.every((l) => l.usd !== null);
  return {
    measured: m,
    coresNeeded: compute.cores,
    computeSize: compute.size,
    upstash,
    lines,
    totalUsd: known ? lines.reduce((a, l) => a + l.usd!, 0) : null,
  };
}

export interface CostReport {
  traffic: Traffic;
  peakRps: number;
  idle: IdleRedis | null;
  before: CostSide;
  after: CostSide;
  /** after ÷ before $/month; null when either total is. */
  ratio: number | null;
  /** The seed's cost row answered: the same two bills at the traffic where before costs `SEED_BEFORE_USD`. */
  seedRow: SeedRow | null;
  /** Every assumption behind the figures, as printed. */
  assumptions: string[];
}

/** The seed's "Monthly Costs" row: $1200 before, $750 after (0.625). */
export const SEED_BEFORE_USD = 1200;

export interface SeedRow {
  requestsPerMonth: number;
  peakRps: number;
  beforeUsd: number;
  afterUsd: number;
  ratio: number;
  beforeSize: string | null;
  afterSize: string | null;
}

/**
 * The traffic at which `before` first costs `usd` a month (bills only grow with traffic, so a
 * bisection on requests/month finds it), and what `after` costs there. Null when a total is not
 * measured, when even 100 G requests/month stay below `usd`, or when the largest compute size is
 * outgrown first.
 */
export function atBeforeCost(
  usd: number,
  before: Measured,
  after: Measured,
  idle: IdleRedis | null,
  prices: Prices,
  t: Traffic = TRAFFIC,
): SeedRow | null {
  const at = (requestsPerMonth: number) => ({ ...t, requestsPerMonth });
  const total = (m: Measured, r: number) => costSide(m, idle, prices, at(r)).totalUsd;
  let lo = 1e5, hi = 1e11;
  const low = total(before, lo);
  if (low === null || low >= usd) return null; // not measured, or over at any traffic
  // Past the largest compute size (or Upstash plan) the bill has no total: count it as over.
  const over = (r: number) => (total(before, r) ?? Infinity) >= usd;
  if (!over(hi)) return null;
  while (hi / lo > 1.0001) {
    const mid = Math.sqrt(lo * hi);
    if (over(mid)) hi = mid;
    else lo = mid;
  }
  const b = costSide(before, idle, prices, at(hi));
  const a = costSide(after, idle, prices, at(hi));
  if (a.totalUsd === null || b.totalUsd === null) return null;
  return {
    requestsPerMonth: hi,
    peakRps: peakRps(at(hi)),
    beforeUsd: b.totalUsd!,
    afterUsd: a.totalUsd,
    ratio: a.totalUsd / b.totalUsd!,
    beforeSize: b.computeSize,
    afterSize: a.computeSize,
  };
}

/** Before (cache off) and after (cache on) at the same traffic and prices. */
export function compareCost(
  before: Measured,
  after: Measured,
  idle: IdleRedis | null,
  prices: Prices,
  t: Traffic = TRAFFIC,
  machine = "this machine",
): CostReport {
  const b = costSide(before, idle, prices, t);
  const a = costSide(after, idle, prices, t);
  const ratio = a.totalUsd !== null && b.totalUsd !== null && b.totalUsd > 0
    ? a.totalUsd / b.totalUsd
    : null;
  return {
    traffic: t,
    peakRps: peakRps(t),
    idle,
    before: b,
    after: a,
    ratio,
    seedRow: atBeforeCost(SEED_BEFORE_USD, before, after, idle, prices, t),
    assumptions: assumptions(t, machine),
  };
}

function assumptions(t: Traffic, machine: string): string[] {
  return [
    `Traffic: ${millions(t.requestsPerMonth)} requests a ${t.secondsPerMonth / 86400}-day month ` +
    `in the measured ${100 - t.writePct}/${t.writePct} mix; the busiest hour at ` +
    `${t.peakFactor}× the average = ${peakRps(t).toFixed(1)} req/s.`,
    `Compute: the size the peak needs, paid all month (billed hourly; resizing means downtime). ` +
    `Cores needed = peak req/s × Postgres CPU ms/req ÷ 1000 ÷ ${t.cpuCeiling} — an ESTIMATE ` +
    `from CPU measured on ${machine} (postmaster and every process it forked, /proc), assuming ` +
    `a hosted ARM core does the work of one core here. Shared sizes count at the share they ` +
    `sustain (prices.ts). Memory, disk and connection limits are not modelled.`,
    "pgbouncer's CPU is measured but not priced: Supavisor runs outside the compute size.",
    "Edge Functions: one invocation per request; their CPU is not billed.",
    "Egress: wrk's bytes read per response (headers included) × requests, all uncached.",
    `Upstash commands as the bridge counts them — each command of a pipeline or transaction, a ` +
    `script as one — assumed to match Upstash's metering. Idle work: the measured rate per ` +
    `isolate × ${t.isolatesAlive} isolates alive all month; under load the same work is also ` +
    `inside each scenario's per-request count (a few hundredths of a command per request at ` +
    `the bench's rates), and a hosted idle isolate may be suspended: both overstate slightly.`,
    "Upstash bandwidth: RESP bytes at redis-server stand in for REST bytes (JSON and HTTP add " +
    "more); data size: redis-server's used_memory_dataset after the run.",
    "Before = the same code with the cache off (CACHE_DISABLED=1): its metrics flush and rate " +
    "limits still use Redis.",
    "Not priced: database disk beyond 8 GB, storage, Auth MAU, Upstash regions and Prod Pack, tax.",
  ];
}
