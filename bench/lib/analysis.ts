/**
 * Like-with-like ratios and "how cost grows" (the same reads on each seed), computed from the
 * scenario results; the targets are in targets.ts.
 */
import { IDS } from "./ids.ts";
import type { ReportPair } from "./reports.ts";
import type { Ratio, ScaleTable, ScenarioResult } from "./types.ts";

export { IDS } from "./ids.ts";
export { computeTargets } from "./targets.ts";

export const fmt = (n: number, digits = 2) => Number.isFinite(n) ? n.toFixed(digits) : String(n);

export function find(scenarios: ScenarioResult[], id: string): ScenarioResult | undefined {
  return scenarios.find((s) => s.id === id);
}

export function computeRatios(
  scenarios: ScenarioResult[],
  reports: ReportPair[],
  seed: string,
): Ratio[] {
  const ratios: Ratio[] = [];
  const rps = (aId: string, bId: string, name: string) => {
    const a = find(scenarios, aId), b = find(scenarios, bId);
    ratios.push({
      name,
      value: a && b && b.rps > 0 ? a.rps / b.rps : null,
      detail: a && b
        ? `${fmt(a.rps, 0)} ÷ ${fmt(b.rps, 0)} req/s (${aId} ÷ ${bId})`
        : "not measured",
    });
  };
  rps(
    IDS.read("project", "l1", 50, seed),
    IDS.helloGateway(seed),
    "cached GET project ÷ bare Deno.serve (both via gateway)",
  );
  rps(
    IDS.read("project", "off", 50, seed),
    IDS.pgGateway(seed),
    "uncached GET project ÷ raw select ceiling (both via gateway)",
  );
  rps(
    IDS.read("project", "off", 50, seed),
    IDS.pgDirect(seed),
    "uncached GET project via gateway ÷ raw select ceiling direct",
  );
  // Both on the gateway whose workers do not recycle (a direct row cannot follow a retirement).
  rps(
    IDS.direct("project", "l1", 50, seed),
    IDS.recycled(IDS.read("project", "l1", 50, seed), "off"),
    "cached GET project: direct ÷ via gateway, both EDGE_RECYCLING=off (what the hop costs it)",
  );
  rps(
    IDS.helloGateway(seed),
    IDS.helloDirect(seed),
    "gateway hop: hello via gateway ÷ hello direct",
  );
  rps(
    IDS.read("project", "l2", 50, seed),
    IDS.read("project", "l1", 50, seed),
    "L2-only ÷ L1 (GET project)",
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

/** Seeds in size order; the scale table compares every one with the first. */
export const SCALE_SEEDS = ["small", "large", "xlarge"];
/** A p50 within this factor of the small seed's counts as flat. */
export const FLAT_FACTOR = 1.5;

/** Detail, list and mix p50 at c=50 (L1, through the gateway) on each seed measured. */
export function computeScale(scenarios: ScenarioResult[]): ScaleTable {
  const rows = [
    { what: "detail (GET project)", id: (s: string) => IDS.read("project", "l1", 50, s) },
    { what: "list (filtered projects)", id: (s: string) => IDS.read("project-list", "l1", 50, s) },
    { what: "95/5 mix", id: (s: string) => IDS.mix("l1", 50, s) },
    {
      what: "uncached detail (GET project, cache off)",
      id: (s: string) => IDS.read("project", "off", 50, s),
    },
  ].map(({ what, id }) => ({
    what,
    scenario: id("<seed>"),
    p50: Object.fromEntries(
      SCALE_SEEDS.map((seed) => [seed, find(scenarios, id(seed))?.latencyMs.p50 ?? null]),
    ),
  }));
  const [base, ...others] = SCALE_SEEDS;
  const measured = others.filter((seed) => rows.some((r) => r.p50[seed] !== null));
  let verdict: string;
  if (rows.every((r) => r.p50[base] === null)) {
    verdict = `Cannot say: the ${base} seed was not measured.`;
  } else if (measured.length === 0) {
    verdict = `Cannot say: only the ${base} seed was measured in this run.`;
  } else {
    const steep: string[] = [];
    for (const r of rows) {
      const b = r.p50[base];
      for (const seed of measured) {
        const v = r.p50[seed];
        if (b === null || v === null || b <= 0) continue;
        const factor = v / b;
        if (factor > FLAT_FACTOR || factor < 1 / FLAT_FACTOR) {
          steep.push(`${r.what} on ${seed} is ${fmt(factor, 2)}× the ${base} seed's p50`);
        }
      }
    }
    const seeds = [base, ...measured].join(", ");
    verdict = steep.length
      ? `Not flat (${seeds}): ${steep.join("; ")}.`
      : `Flat (${seeds}): every p50 within ${FLAT_FACTOR}× of the ${base} seed's.`;
  }
  return { seeds: SCALE_SEEDS, rows, verdict };
}
