/**
 * The recycling rows of the targets table (bench/lib/recycling.ts), report only but the last:
 * recycling on ÷ off req/s per load, the slowest function's cold start ÷ its warm request, and the
 * costliest row's worker CPU per request against the hosted limit of 2,000 ms per request.
 */
import { EDGE_LIMITS } from "../../scripts/stack/edge-runtime.ts";
import { fmt } from "./analysis.ts";
import type { ColdStartRow, RecyclingResult, ScenarioResult, Target } from "./types.ts";
import { retiredCount, retiredText } from "./workers.ts";

/** Report rows: on ÷ off req/s per load, the slowest cold start, the worst CPU per request. */
export function recyclingTargets(r: RecyclingResult | null, scenarios: ScenarioResult[]): Target[] {
  const targets: Target[] = [];
  const find = (id: string) => scenarios.find((s) => s.id === id);
  const int = (v: number) => Math.round(v).toLocaleString("en-US");
  for (const pair of r?.pairs ?? []) {
    const on = find(pair.on.id), off = find(pair.off.id);
    const retired = on?.workers ? retiredCount(on.workers) : null;
    targets.push({
      name: `recycling on ÷ off, req/s through the gateway: ${pair.what}`,
      value: on && off && off.rps > 0 ? `${fmt(on.rps / off.rps)}×` : "not measured",
      numerator: on
        ? `${int(on.rps)} req/s, p99 ${fmt(on.latencyMs.p99)} ms, wall clock ${r!.wallClockS} s, ` +
          `${retired} retirements (${retiredText(on.workers?.retired ?? {})}) (${pair.on.id})`
        : `not measured (${pair.on.id})`,
      denominator: off
        ? `${int(off.rps)} req/s, p99 ${fmt(off.latencyMs.p99)} ms, EDGE_RECYCLING=off ` +
          `(${pair.off.id}); same run, one after the other`
        : `not measured (${pair.off.id})`,
      goal: "report",
      met: null,
    });
  }
  const cold = r?.coldStart?.rows.reduce<ColdStartRow | undefined>(
    (worst, row) => !worst || row.cold.p50 > worst.cold.p50 ? row : worst,
    undefined,
  );
  if (cold) {
    targets.push({
      name: "first request after a retirement ÷ the same request warm, p50, slowest function",
      value: `${fmt(cold.cold.p50 / cold.warm.p50, 0)}×`,
      numerator: `cold p50 ${fmt(cold.cold.p50, 0)} ms, p99 ${fmt(cold.cold.p99, 0)} ms ` +
        `(n = ${cold.cold.iterations}, ${cold.fn}: ${cold.route})`,
      denominator: `warm p50 ${fmt(cold.warm.p50, 1)} ms (n = ${cold.warm.iterations}, the same ` +
        `GET right after, same gateway)`,
      goal: "report",
      met: null,
    });
  }
  const loaded = scenarios.filter((s) => s.workers && s.workers.requests > 0);
  const worst = loaded.reduce<ScenarioResult | undefined>(
    (w, s) => !w || s.workers!.cpuMsPerReq > w.workers!.cpuMsPerReq ? s : w,
    undefined,
  );
  const limit = EDGE_LIMITS.cpuMs;
  targets.push({
    name: `worker CPU per request, the costliest of the ${loaded.length} rows that loaded ` +
      `workers ≤ ${int(limit)} ms (the hosted limit, per request)`,
    value: worst
      ? `${fmt(worst.workers!.cpuMsPerReq, 3)} ms (headroom ${int(limit)} ÷ ` +
        `${fmt(worst.workers!.cpuMsPerReq, 3)} = ${int(limit / worst.workers!.cpuMsPerReq)}×)`
      : "not measured",
    numerator: worst
      ? `Δ CPU ${int(worst.workers!.cpuMs)} ms of the ${worst.workers!.functions.join(", ")} ` +
        `workers over the run (gateway /health slots[].cpuMs) (${worst.id})`
      : "not measured",
    denominator: worst
      ? `${int(worst.workers!.requests)} requests completed (wrk); a mean: one request's own ` +
        `CPU may be more`
      : "not measured",
    goal: `≤ ${int(limit)} ms`,
    met: worst ? worst.workers!.cpuMsPerReq <= limit : null,
  });
  return targets;
}
