/**
 * The bench's cost model (bench/lib/cost.ts) on hand-computed figures: the compute size the peak
 * needs, the cheaper Upstash plan, the month's bill and after ÷ before; a count not measured
 * leaves the total unknown. And the prices file: every price names its source and the day read.
 */
import assert from "node:assert/strict";
import { PRICES, type Prices } from "../../bench/cost/prices.ts";
import {
  atBeforeCost,
  cheapest,
  compareCost,
  computeSizeFor,
  coresNeeded,
  type Measured,
  measuredOf,
  peakRps,
  TRAFFIC,
  upstashOptions,
} from "../../bench/lib/cost.ts";
import { costTargets } from "../../bench/lib/cost-targets.ts";
import { parseInfo } from "../../bench/lib/redis-info.ts";
import type { IdleRedis } from "../../bench/lib/types.ts";

const S = { source: "https://example.test/prices", date: "2026-12-08", verified: true };

/** Round numbers, so every expectation below can be worked out by hand. */
const prices: Prices = {
  supabase: {
    plan: { name: "Pro", usdPerMonth: 25, computeCreditsUsd: 10, ...S },
    compute: [
      {
        name: "A",
        usdPerHour: 0.01,
        cores: 2,
        dedicated: false,
        memoryGb: 1,
        sustained: { cores: 0.2, ...S },
        ...S,
      },
      { name: "B", usdPerHour: 0.1, cores: 2, dedicated: true, memoryGb: 8, ...S },
      { name: "C", usdPerHour: 0.2, cores: 4, dedicated: true, memoryGb: 16, ...S },
    ],
    invocations: { includedPerMonth: 2e6, packageSize: 1e6, usdPerPackage: 2, ...S },
    egress: { includedGb: 250, usdPerGb: 0.09, ...S },
  },
  upstash: {
    payg: {
      usdPer100kCommands: 0.2,
      freeBandwidthGb: 200,
      usdPerGbBandwidth: 0.03,
      freeStorageGb: 1,
      usdPerGbStorage: 0.25,
      maxCommandsPerS: 10_000,
      ...S,
    },
    fixed: [
      { name: "F1", usdPerMonth: 10, dataGb: 0.25, bandwidthGb: 50, maxCommandsPerS: 10_000, ...S },
      { name: "F2", usdPerMonth: 20, dataGb: 1, bandwidthGb: 100, maxCommandsPerS: 10_000, ...S },
    ],
  },
};

const idle: IdleRedis = {
  seconds: 20,
  workers: 4,
  commands: 80,
  perWorkerPerS: 1,
  source: "bridge",
  serverCommands: 80,
  netBytesPerWorkerPerS: 500,
  datasetBytes: 100e6,
  retired: 0,
};

const measured = (over: Partial<Measured>): Measured => ({
  scenario: "mix/x/c50@large",
  dbCpuMsPerReq: 1,
  poolerCpuMsPerReq: 0.1,
  redisPerReq: 1,
  redisSource: "bridge",
  redisNetBytesPerReq: 200,
  bytesOutPerReq: 1000,
  ...over,
});

const close = (actual: number | null, expected: number, what: string) =>
  assert.ok(
    actual !== null && Math.abs(actual - expected) < 1e-6,
    `${what}: ${actual} ≠ ${expected}`,
  );

Deno.test("cost: the peak is 30 M a 30-day month at 10× = 115.74 req/s", () => {
  close(peakRps(TRAFFIC), 30e6 / 2_592_000 * 10, "peak req/s");
  // 2 ms of Postgres CPU per request at that peak, within a 0.7 ceiling: 0.3307 cores.
  close(coresNeeded(2, TRAFFIC), 115.74074074 * 2 / 1000 / 0.7, "cores");
});

Deno.test("cost: the cheapest size whose sustained cores cover the need", () => {
  const sizes = prices.supabase.compute;
  assert.equal(computeSizeFor(0.1, sizes)?.name, "A"); // a shared size sustains 0.2
  assert.equal(computeSizeFor(0.3, sizes)?.name, "B"); // past A's burst share, not its 2 cores
  assert.equal(computeSizeFor(2, sizes)?.name, "B");
  assert.equal(computeSizeFor(2.01, sizes)?.name, "C");
  assert.equal(computeSizeFor(5, sizes), null);
  // The published list, in any order, picks the same way.
  assert.equal(computeSizeFor(0.33, [...PRICES.supabase.compute].reverse())?.name, "Small");
  assert.equal(computeSizeFor(0.5, PRICES.supabase.compute)?.name, "Large");
});

Deno.test("cost: Upstash pay-as-you-go below $10 of commands, the smallest fixed plan that fits above", () => {
  const base = { peakCommandsPerS: 100, bandwidthGb: 10, dataGb: 0.1 };
  const small = upstashOptions({ ...base, commandsPerMonth: 1e6 }, prices.upstash);
  close(small[0].usd, 2, "1 M commands on pay-as-you-go"); // 10 × $0.20
  assert.equal(cheapest(small)?.name, "pay-as-you-go");
  const big = upstashOptions({ ...base, commandsPerMonth: 100e6 }, prices.upstash);
  close(big[0].usd, 200, "100 M commands on pay-as-you-go");
  assert.equal(cheapest(big)?.name, "F1");
  // 60 GB of bandwidth: F1 (50 GB) no longer fits; pay-as-you-go's is still free under 200 GB.
  const wide = upstashOptions(
    { ...base, commandsPerMonth: 100e6, bandwidthGb: 60 },
    prices.upstash,
  );
  assert.equal(wide[1].usd, null);
  assert.equal(cheapest(wide)?.name, "F2");
  // Over every plan's rate: none carries it.
  const fast = upstashOptions(
    { ...base, commandsPerMonth: 1e6, peakCommandsPerS: 20_000 },
    prices.upstash,
  );
  assert.equal(cheapest(fast), null);
});

Deno.test("cost: the month before and after, line by line, and after ÷ before", () => {
  const before = measured({ dbCpuMsPerReq: 2, redisPerReq: 0.5 });
  const after = measured({ dbCpuMsPerReq: 0.4, redisPerReq: 3, redisNetBytesPerReq: 1000 });
  const report = compareCost(before, after, idle, prices, TRAFFIC);
  const usd = (side: typeof report.before, key: string) =>
    side.lines.find((l) => l.key === key)?.usd ?? null;

  // Before: 0.3307 cores → B, 720 h × $0.10 = $72, less $10 of credits; 28 started millions of
  // invocations × $2; 30 GB egress (free); 0.5 × 30 M + 1/s × 4 isolates × 2,592,000 s =
  // 25.368 M commands ($50.74 pay-as-you-go) and 11.2 GB → F1 at $10.
  assert.equal(report.before.computeSize, "B");
  close(usd(report.before, "compute"), 72, "before compute");
  close(usd(report.before, "credits"), -10, "before credits");
  close(usd(report.before, "invocations"), 56, "invocations");
  close(usd(report.before, "egress"), 0, "egress");
  close(report.before.upstash!.usage.commandsPerMonth, 25.368e6, "before commands");
  close(report.before.upstash!.options[0].usd, 50.736, "before pay-as-you-go");
  close(usd(report.before, "upstash"), 10, "before Upstash");
  close(report.before.totalUsd, 25 + 72 - 10 + 56 + 0 + 10, "before total");

  // After: 0.0661 cores → A, $7.20, all of it covered by the credits; 100.368 M commands and
  // 35.2 GB still fit F1.
  assert.equal(report.after.computeSize, "A");
  close(usd(report.after, "compute"), 7.2, "after compute");
  close(usd(report.after, "credits"), -7.2, "after credits");
  close(report.after.upstash!.usage.bandwidthGb, 35.184, "after bandwidth");
  close(usd(report.after, "upstash"), 10, "after Upstash");
  close(report.after.totalUsd, 91, "after total");

  close(report.ratio, 91 / 153, "after ÷ before");
  const [target] = costTargets(report);
  assert.equal(target.value, "0.59×");
  assert.equal(target.met, true);
  assert.match(target.numerator, /\$91\.00\/month: compute A, Upstash F1/);
});

Deno.test("cost: the seed's row — the traffic where before first costs $1,200, and after there", () => {
  // Light enough that size C (4 cores) still carries the peak where before reaches $1,200.
  const before = measured({ dbCpuMsPerReq: 0.2, redisPerReq: 0.5 });
  const after = measured({ dbCpuMsPerReq: 0.04, redisPerReq: 3, redisNetBytesPerReq: 100 });
  const row = atBeforeCost(1200, before, after, idle, prices, TRAFFIC)!;
  const total = (m: Measured, r: number) =>
    compareCost(m, m, idle, prices, { ...TRAFFIC, requestsPerMonth: r }).before.totalUsd!;
  // Bills only grow with traffic: at the row's traffic before costs ≥ $1,200, a hair below < it.
  assert.ok(total(before, row.requestsPerMonth) >= 1200);
  assert.ok(total(before, row.requestsPerMonth * 0.999) < 1200);
  close(row.afterUsd, total(after, row.requestsPerMonth), "after at that traffic");
  close(row.ratio, row.afterUsd / row.beforeUsd, "ratio");
  // Out of reach, or the largest size outgrown first; an unmeasured count gives no row.
  assert.equal(atBeforeCost(1e12, before, after, idle, prices, TRAFFIC), null);
  assert.equal(
    atBeforeCost(1200, measured({ dbCpuMsPerReq: 2 }), after, idle, prices, TRAFFIC),
    null,
  );
  assert.equal(
    atBeforeCost(1200, measured({ dbCpuMsPerReq: null }), after, idle, prices, TRAFFIC),
    null,
  );
});

Deno.test("cost: egress past the included 250 GB is billed per GB", () => {
  const report = compareCost(measured({ bytesOutPerReq: 10_000 }), measured({}), idle, prices);
  // 10 kB × 30 M = 300 GB: 50 GB over at $0.09.
  close(report.before.lines.find((l) => l.key === "egress")!.usd, 4.5, "egress");
});

Deno.test("cost: a count not measured leaves the total and the verdict unknown", () => {
  // A row of a results file written before these counts existed.
  const m = measuredOf({ id: "mix/off/c50@large", requests: 1000 });
  assert.deepEqual(
    [m.dbCpuMsPerReq, m.redisPerReq, m.bytesOutPerReq, m.redisNetBytesPerReq],
    [null, null, null, null],
  );
  const report = compareCost(m, measured({}), idle, prices);
  assert.equal(report.before.totalUsd, null);
  assert.equal(report.ratio, null);
  const [target] = costTargets(report);
  assert.equal(target.met, null);
  assert.equal(target.value, "not measured");
  // Without the idle rate the Upstash line cannot be priced either.
  assert.equal(compareCost(measured({}), measured({}), null, prices).after.totalUsd, null);
  assert.equal(costTargets(null)[0].met, null);
});

/**
 * Every object in `value` that holds a `usd…` figure, and every `sustained` share (an inferred
 * figure, sourced like a price), with its path.
 */
function priced(value: unknown, path = "PRICES"): [string, Record<string, unknown>][] {
  if (!value || typeof value !== "object") return [];
  const entries = Object.entries(value);
  const isPrice = entries.some(([k, v]) => k.startsWith("usd") && typeof v === "number");
  const own: [string, Record<string, unknown>][] = isPrice || path.endsWith(".sustained")
    ? [[path, Object.fromEntries(entries)]]
    : [];
  return [...own, ...entries.flatMap(([k, v]) => priced(v, `${path}.${k}`))];
}

Deno.test("prices: every price and every inferred figure names its source and the day read", () => {
  const entries = priced(PRICES);
  assert.ok(entries.length >= 10 + 7 + 5, `found ${entries.length} priced entries`);
  for (const [path, entry] of entries) {
    assert.match(String(entry.source), /^https:\/\/\S+$/, `${path}: source`);
    assert.match(String(entry.date), /^\d{4}-\d{2}-\d{2}$/, `${path}: date`);
    assert.equal(typeof entry.verified, "boolean", `${path}: verified`);
    if (!entry.verified) assert.ok(String(entry.note ?? "").length > 20, `${path}: a note`);
  }
});

Deno.test("redis INFO: name:value lines, section headers skipped", () => {
  assert.deepEqual(
    parseInfo("# Stats\r\ntotal_commands_processed:12\r\ninstantaneous_ops_per_sec:0\r\n\r\n"),
    { total_commands_processed: "12", instantaneous_ops_per_sec: "0" },
  );
});
