/**
 * The cost target (issue 24, point 4): $/month at the stated traffic on Supabase Pro + Upstash,
 * after (the 95/5 mix on the L1 cache, c=50) ÷ before (the same mix with the cache off — every
 * read a database query) ≤ 0.60, priced by bench/lib/cost.ts from this run's counts.
 */
import { PRICES } from "../cost/prices.ts";
import { fmt } from "./analysis.ts";
import { compareCost, type CostReport, type CostSide, measuredOf, TRAFFIC } from "./cost.ts";
import { IDS } from "./ids.ts";
import type { IdleRedis, ScenarioResult, Target } from "./types.ts";

const GOAL = 0.6;
const NAME = `$/month at ${TRAFFIC.requestsPerMonth / 1e6} M requests/month ` +
  `(${100 - TRAFFIC.writePct}/${TRAFFIC.writePct} mix, ${TRAFFIC.peakFactor}× peak hour), ` +
  `Supabase Pro + Upstash at published prices: after (cache on) ÷ before (cache off) ≤ ${GOAL}`;

/** The report for `seed`'s two mix rows; null when either row is missing from the run. */
export function costReport(
  scenarios: ScenarioResult[],
  idle: IdleRedis | null,
  seed: string,
  machine?: string,
): CostReport | null {
  const before = scenarios.find((s) => s.id === IDS.mix("off", 50, seed));
  const after = scenarios.find((s) => s.id === IDS.mix("l1", 50, seed));
  if (!before || !after) return null;
  return compareCost(measuredOf(before), measuredOf(after), idle, PRICES, TRAFFIC, machine);
}

const side = (s: CostSide) =>
  s.totalUsd === null
    ? `not measured (${
      s.lines.filter((l) => l.usd === null).map((l) => `${l.item}: ${l.basis}`).join("; ")
    }) (${s.measured.scenario})`
    : `$${fmt(s.totalUsd)}/month: compute ${s.computeSize}, Upstash ` +
      `${s.upstash?.chosen ?? "–"} (${s.measured.scenario})`;

/** The seed's row beside the verdict: the traffic where before costs $1,200, and after there. */
const seedRow = (cost: CostReport) =>
  cost.seedRow
    ? ` (the seed's row: before reaches $1,200 at ${fmt(cost.seedRow.requestsPerMonth / 1e6, 0)} ` +
      `M requests/month, where after costs $${fmt(cost.seedRow.afterUsd, 0)} = ` +
      `${fmt(cost.seedRow.ratio)}×)`
    : "";

export function costTargets(cost: CostReport | null): Target[] {
  if (!cost) {
    const missing = "not measured (the mix rows at c=50, cache on and off, did not run)";
    return [{
      name: NAME,
      value: "not measured",
      numerator: missing,
      denominator: missing,
      goal: `≤ ${GOAL}×`,
      met: null,
    }];
  }
  return [{
    name: NAME,
    value: cost.ratio === null ? "not measured" : `${fmt(cost.ratio)}×`,
    numerator: side(cost.after),
    denominator: `${side(cost.before)}; see What it costs${seedRow(cost)}`,
    goal: `≤ ${GOAL}×`,
    met: cost.ratio === null ? null : cost.ratio <= GOAL,
  }];
}
