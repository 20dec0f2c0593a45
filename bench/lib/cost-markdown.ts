/**
 * "What it costs" in the Markdown report: the month's bill before and after, line by line with
 * the measured count each line comes from, the counts themselves, the idle Redis rate, every
 * assumption, and the prices with their sources. Then what each scenario used per request.
 */
import { PRICES, type Sourced } from "../cost/prices.ts";
import type { CostLine, CostReport, CostSide } from "./cost.ts";
import type { Results, ScenarioResult } from "./types.ts";

const n = (v: number | null | undefined, digits = 2) =>
  v === null || v === undefined || !Number.isFinite(v) ? "–" : v.toFixed(digits);
const dollars = (v: number | null) =>
  v === null ? "not measured" : `${v < 0 ? "−" : ""}$${Math.abs(v).toFixed(2)}`;
const cell = (text: string) => text.replace(/\|/g, "\\|");

function lineCell(line: CostLine | undefined): string {
  if (!line) return "–";
  return cell(`${dollars(line.usd)} — ${line.item}: ${line.basis}`);
}

function billTable(c: CostReport): string[] {
  const keys = [...new Set([...c.before.lines, ...c.after.lines].map((l) => l.key))];
  const lines = [
    `| line item | before: ${c.before.measured.scenario} | after: ${c.after.measured.scenario} |`,
    "|---|---|---|",
  ];
  for (const key of keys) {
    const b = c.before.lines.find((l) => l.key === key);
    const a = c.after.lines.find((l) => l.key === key);
    lines.push(`| ${key} | ${lineCell(b)} | ${lineCell(a)} |`);
  }
  lines.push(
    `| **total** | **${dollars(c.before.totalUsd)}** | **${dollars(c.after.totalUsd)}** |`,
  );
  return lines;
}

function measuredTable(c: CostReport): string[] {
  const row = (what: string, f: (s: CostSide) => string) =>
    `| ${what} | ${cell(f(c.before))} | ${cell(f(c.after))} |`;
  // Pay-as-you-go, then the fixed plans up to the first that fits (the larger ones cost more).
  const upstash = (s: CostSide) => {
    if (!s.upstash) return "–";
    const [payg, ...fixed] = s.upstash.options;
    const fits = fixed.findIndex((o) => o.usd !== null);
    return [payg, ...(fits < 0 ? fixed : fixed.slice(0, fits + 1))]
      .map((o) => `${o.name} ${o.usd === null ? `(${o.why})` : dollars(o.usd)}`).join("; ");
  };
  return [
    "| measured (per request) | before | after |",
    "|---|---|---|",
    row("Postgres CPU ms", (s) => n(s.measured.dbCpuMsPerReq, 3)),
    row("pgbouncer CPU ms (not priced)", (s) => n(s.measured.poolerCpuMsPerReq, 3)),
    row("Redis commands", (s) => `${n(s.measured.redisPerReq, 3)} (${s.measured.redisSource})`),
    row("Redis RESP bytes", (s) => n(s.measured.redisNetBytesPerReq, 0)),
    row("bytes out (wrk)", (s) => n(s.measured.bytesOutPerReq, 0)),
    row(
      "compute size at the peak (estimate)",
      (s) => `${s.computeSize ?? "–"} (${n(s.coresNeeded, 3)} cores needed)`,
    ),
    row("Upstash plans at this volume", upstash),
  ];
}

function priceLines(): string[] {
  const src = (s: Sourced) =>
    `[source](${s.source}), read ${s.date}${s.verified ? "" : ` — unverified: ${s.note}`}`;
  const { plan, compute, invocations, egress } = PRICES.supabase;
  const { payg, fixed } = PRICES.upstash;
  return [
    `- Supabase ${plan.name}: $${plan.usdPerMonth}/month incl. $${plan.computeCreditsUsd} ` +
    `compute credits; ${src(plan)}`,
    `- Compute, $/hour: ${
      compute.map((c) =>
        `${c.name} ${c.usdPerHour} (${c.cores}-core ${c.dedicated ? "dedicated" : "shared"}` +
        `${c.sustained ? `, sustains ~${c.sustained.cores}` : ""})`
      ).join(", ")
    }; ${src(compute[0])}; shared sizes' sustained cores: ${src(compute[0].sustained!)}`,
    `- Edge Function invocations: ${invocations.includedPerMonth / 1e6} M included, ` +
    `$${invocations.usdPerPackage} per started ${invocations.packageSize / 1e6} M; ` +
    src(invocations),
    `- Egress: ${egress.includedGb} GB included, $${egress.usdPerGb}/GB; ${src(egress)}`,
    `- Upstash pay-as-you-go: $${payg.usdPer100kCommands} per 100K commands, bandwidth free to ` +
    `${payg.freeBandwidthGb} GB then $${payg.usdPerGbBandwidth}/GB, storage free to ` +
    `${payg.freeStorageGb} GB then $${payg.usdPerGbStorage}/GB, ≤ ${payg.maxCommandsPerS} ` +
    `commands/s; ${src(payg)}`,
    `- Upstash fixed: ${
      fixed.map((f) => `${f.name} $${f.usdPerMonth} (${f.bandwidthGb} GB bandwidth)`).join(", ")
    }; ${src(fixed[0])}`,
  ];
}

/** What each scenario used per request, where the run measured it. */
function usageTable(scenarios: ScenarioResult[]): string[] {
  const measured = scenarios.filter((s) => s.redis || s.dbCpu || s.bytesOutPerReq);
  if (!measured.length) return [];
  const lines = [
    "Per request, every scenario (Redis: bridge count, and redis-server's own in brackets, which " +
    "counts each call inside a script):",
    "",
    "| scenario | Redis commands | Postgres CPU ms | pgbouncer CPU ms | bytes out |",
    "|---|--:|--:|--:|--:|",
  ];
  for (const s of measured) {
    const server = s.redis ? ` (${n(s.redis.serverCommands / s.requests, 2)})` : "";
    lines.push(
      `| ${s.id} | ${n(s.redis?.perReq, 3)}${server} | ${n(s.dbCpu?.perReqMs, 3)} | ` +
        `${n(s.poolerCpu?.perReqMs, 3)} | ${n(s.bytesOutPerReq, 0)} |`,
    );
  }
  return [...lines, ""];
}

/** The seed's "Monthly Costs $1200 → $750" row, answered with this run's counts. */
function seedRowLines(c: CostReport): string[] {
  const r = c.seedRow;
  if (!r) {
    return ["The seed's cost row ($1200 → $750): not answered — a total was not measured.", ""];
  }
  return [
    `The seed's cost row ($1200 → $750 = 0.625×), answered: before reaches $1,200 a month at ` +
    `**${n(r.requestsPerMonth / 1e6, 0)} M requests/month** (peak ${n(r.peakRps, 0)} req/s, ` +
    `compute ${r.beforeSize ?? "–"}); after costs **${dollars(r.afterUsd)}** there ` +
    `(compute ${r.afterSize ?? "–"}) = **${n(r.ratio)}×**, same prices and assumptions.`,
    "",
  ];
}

export function costSection(results: Results): string[] {
  const c = results.cost;
  const lines = ["## What it costs", ""];
  if (!c) {
    lines.push("Not measured: the run has no mix rows at c=50 with the cache on and off.", "");
    return [...lines, ...usageTable(results.scenarios)];
  }
  const t = c.traffic;
  lines.push(
    `${t.requestsPerMonth / 1e6} M requests/month, ${100 - t.writePct}/${t.writePct} mix, ` +
      `busiest hour ${t.peakFactor}× the average (${n(c.peakRps, 1)} req/s), Supabase Pro + ` +
      `Upstash at published prices: **before ${dollars(c.before.totalUsd)} → after ` +
      `${dollars(c.after.totalUsd)} = ${c.ratio === null ? "–" : `${n(c.ratio)}×`}**.`,
    "",
    ...billTable(c),
    "",
    ...measuredTable(c),
    "",
    ...seedRowLines(c),
  );
  const i = c.idle;
  lines.push(
    i
      ? `Idle Redis (once per run, gateway up, no load): ${i.commands} commands in ` +
        `${n(i.seconds, 1)} s over ${n(i.workers, 1)} ready workers = ` +
        `**${n(i.perWorkerPerS, 2)} commands per isolate per second** (${i.source}; ` +
        `redis-server counted ${i.serverCommands}); ${i.retired} retired in the window; ` +
        `dataset ${n(i.datasetBytes / 1e6, 1)} MB.`
      : "Idle Redis: not measured — the Upstash line reads not measured.",
    "",
    "Assumptions:",
    "",
    ...c.assumptions.map((a) => `- ${a}`),
    "",
    "Prices (bench/cost/prices.ts):",
    "",
    ...priceLines(),
    "",
    ...usageTable(results.scenarios),
  );
  return lines;
}
