/** Like-with-like ratios and the targets, computed from the scenario results. */
import type { ReportPair } from "./reports.ts";
import type { Ratio, ScenarioResult, Target } from "./types.ts";

const fmt = (n: number, digits = 2) => Number.isFinite(n) ? n.toFixed(digits) : String(n);

function find(scenarios: ScenarioResult[], id: string): ScenarioResult | undefined {
  return scenarios.find((s) => s.id === id);
}

/** Scenario ids (from bench/lib/workloads.ts, ceilings.ts) that ratios and targets compare. */
export const IDS = {
  helloDirect: (seed: string) => `ceiling/hello/direct/c50@${seed}`,
  helloGateway: (seed: string) => `ceiling/hello/gateway/c50@${seed}`,
  pgDirect: (seed: string) => `ceiling/pg-select/direct/c50@${seed}`,
  pgGateway: (seed: string) => `ceiling/pg-select/gateway/c50@${seed}`,
  bridge: (seed: string) => `ceiling/upstash-get/bridge/c50@${seed}`,
  read: (what: string, mode: string, c: number, seed: string) =>
    `read/${what}/${mode}/c${c}@${seed}`,
  mix: (mode: string, c: number, seed: string) => `mix/${mode}/c${c}@${seed}`,
  soak: (seed: string) => `soak/mix/l1/c1000@${seed}`,
};

export function computeRatios(
  scenarios: ScenarioResult[],
  reports: ReportPair[],
  seed: string,
): Ratio[] {
  const ratios: Ratio[] = [];
  const rps = (a?: ScenarioResult, b?: ScenarioResult, name = "", what = "") => {
    ratios.push({
      name,
      value: a && b && b.rps > 0 ? a.rps / b.rps : null,
      detail: a && b ? `${fmt(a.rps, 0)} ÷ ${fmt(b.rps, 0)} req/s (${what})` : "not measured",
    });
  };
  rps(
    find(scenarios, IDS.read("project", "l1", 50, seed)),
    find(scenarios, IDS.helloGateway(seed)),
    "cached GET project ÷ bare Deno.serve (both via gateway)",
    "c=50",
  );
  rps(
    find(scenarios, IDS.read("project", "off", 50, seed)),
    find(scenarios, IDS.pgGateway(seed)),
    "uncached GET project ÷ raw select ceiling (both via gateway)",
    "c=50",
  );
  rps(
    find(scenarios, IDS.read("project", "off", 50, seed)),
    find(scenarios, IDS.pgDirect(seed)),
    "uncached GET project ÷ raw select ceiling (direct)",
    "c=50",
  );
  rps(
    find(scenarios, IDS.helloGateway(seed)),
    find(scenarios, IDS.helloDirect(seed)),
    "gateway hop: hello via gateway ÷ hello direct",
    "c=50",
  );
  rps(
    find(scenarios, IDS.read("project", "l2", 50, seed)),
    find(scenarios, IDS.read("project", "l1", 50, seed)),
    "L2-only ÷ L1 (GET project)",
    "c=50",
  );
  const on = find(scenarios, IDS.mix("l1", 50, seed));
  const off = find(scenarios, IDS.mix("off", 50, seed));
  ratios.push({
    name: "DB load reduction on the 95/5 mix (queries/request, cache on vs off)",
    value: on?.db && off?.db && off.db.queriesPerReq > 0
      ? 1 - on.db.queriesPerReq / off.db.queriesPerReq
      : null,
    detail: on?.db && off?.db
      ? `${fmt(on.db.queriesPerReq, 3)} vs ${fmt(off.db.queriesPerReq, 3)} queries/request ` +
        `(${fmt(on.db.statementsPerReq, 3)} vs ${fmt(off.db.statementsPerReq, 3)} statements)`
      : "not measured",
  });
  for (const pair of reports) {
    ratios.push({
      name: `MV ÷ live speed-up: ${pair.name}`,
      value: pair.speedup,
      detail: `p50 ${fmt(pair.mv.p50, 3)} ms (MV) vs ${fmt(pair.live.p50, 1)} ms (live)`,
    });
  }
  return ratios;
}

/** The targets; `met` is null when the inputs were not measured. */
export function computeTargets(
  scenarios: ScenarioResult[],
  reports: ReportPair[],
  seed: string,
  poolerPoolSize: number,
): Target[] {
  const targets: Target[] = [];
  const cached = find(scenarios, IDS.read("project", "l1", 50, seed));
  const hello = find(scenarios, IDS.helloGateway(seed));
  targets.push({
    name: "cached GET project ≥ 0.6× bare Deno.serve req/s (via gateway, c=50)",
    met: cached && hello ? cached.rps >= 0.6 * hello.rps : null,
    value: cached && hello ? `${fmt(cached.rps / hello.rps)}×` : "n/a",
    threshold: "≥ 0.60×",
  });
  targets.push({
    name: "cached GET project p99 ≤ 10 ms (c=50)",
    met: cached ? cached.latencyMs.p99 <= 10 : null,
    value: cached ? `${fmt(cached.latencyMs.p99)} ms` : "n/a",
    threshold: "≤ 10 ms",
  });
  const on = find(scenarios, IDS.mix("l1", 50, seed));
  const off = find(scenarios, IDS.mix("off", 50, seed));
  const reduction = on?.db && off?.db && off.db.queriesPerReq > 0
    ? 1 - on.db.queriesPerReq / off.db.queriesPerReq
    : null;
  targets.push({
    name: "95/5 mix: DB queries per request ≥ 90 % lower with cache (c=50)",
    met: reduction === null ? null : reduction >= 0.9,
    value: reduction === null ? "n/a" : `${fmt(100 * reduction, 1)} % lower`,
    threshold: "≥ 90 % lower",
  });
  const uncached = find(scenarios, IDS.read("project", "off", 50, seed));
  const pg = find(scenarios, IDS.pgGateway(seed));
  targets.push({
    name: `uncached GET project p99 ≤ 25 ms (c=50, ${seed} seed)`,
    met: uncached ? uncached.latencyMs.p99 <= 25 : null,
    value: uncached ? `${fmt(uncached.latencyMs.p99)} ms` : "n/a",
    threshold: "≤ 25 ms",
  });
  targets.push({
    name: "uncached GET project ≥ 0.5× raw-select ceiling req/s (via gateway, c=50)",
    met: uncached && pg ? uncached.rps >= 0.5 * pg.rps : null,
    value: uncached && pg ? `${fmt(uncached.rps / pg.rps)}×` : "n/a",
    threshold: "≥ 0.50×",
  });
  // The dashboard reads project financials and monthly payments: compare that pair of calls.
  const dash = reports.filter((r) => !r.name.startsWith("candidate"));
  const mvMs = dash.reduce((a, r) => a + r.mv.p50, 0);
  const liveMs = dash.reduce((a, r) => a + r.live.p50, 0);
  targets.push({
    name: "dashboard reports from MVs ≥ 50× faster than live (p50)",
    met: dash.length ? liveMs / mvMs >= 50 : null,
    value: dash.length
      ? `${fmt(liveMs / mvMs, 1)}× (${fmt(mvMs, 2)} vs ${fmt(liveMs, 1)} ms)`
      : "n/a",
    threshold: "≥ 50×",
  });
  const soak = find(scenarios, IDS.soak(seed));
  targets.push({
    name: `c=1000 mix through the gateway (${soak ? fmt(soak.durationS, 0) : "?"} s): 0 errors`,
    met: soak ? soak.errors.total === 0 : null,
    value: soak
      ? `${soak.errors.total} (status ${soak.errors.status}, timeout ${soak.errors.timeout}, ` +
        `socket ${soak.errors.connect + soak.errors.read + soak.errors.write})`
      : "n/a",
    threshold: "0",
  });
  targets.push({
    name: "c=1000: Postgres client backends never above the pooler's pool size",
    met: soak?.maxBackends != null ? soak.maxBackends <= poolerPoolSize : null,
    value: soak?.maxBackends != null ? String(soak.maxBackends) : "n/a",
    threshold: `≤ ${poolerPoolSize}`,
  });
  return targets;
}
