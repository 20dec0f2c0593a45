/**
 * The bench's targets and its "how cost grows" verdict on synthetic scenario results (no
 * stack): each goal flips between met and not met at its threshold, every row names its
 * numerator and denominator, and a missing input reads "not measured" rather than a verdict.
 */
import assert from "node:assert/strict";
import { computeScale, computeTargets, IDS } from "../../bench/lib/analysis.ts";
import type { ReportPair } from "../../bench/lib/reports.ts";
import type { PeerResult, ScenarioResult, Target } from "../../bench/lib/types.ts";

const SEED = "large";

interface Shape {
  rps?: number;
  p50?: number;
  p99?: number;
  queries?: number;
  statuses?: Record<string, number>;
  shed?: number;
  timeouts?: number;
  /** Percent of cache lookups answered by L1 (absent: no cache figures). */
  l1?: number;
}

function scenario(id: string, shape: Shape = {}): ScenarioResult {
  const statuses = shape.statuses ?? { "200": 1000 };
  const status = Object.entries(statuses).filter(([code]) => Number(code) > 399)
    .reduce((a, [, n]) => a + n, 0);
  const timeout = shape.timeouts ?? 0;
  return {
    id,
    group: "read",
    title: id,
    via: "gateway",
    cacheMode: "l1",
    seed: SEED,
    connections: id.includes("c1000") ? 1000 : 50,
    threads: 2,
    requests: 10_000,
    durationS: 10,
    rps: shape.rps ?? 1000,
    latencyMs: {
      p50: shape.p50 ?? 1,
      p90: 2,
      p99: shape.p99 ?? 3,
      p999: 4,
      mean: 1,
      max: 5,
    },
    errors: { connect: 0, read: 0, write: 0, status, timeout, total: status + timeout },
    statuses,
    writes: 0,
    shed: shape.shed ?? 0,
    db: { statementsPerReq: (shape.queries ?? 1) * 2, queriesPerReq: shape.queries ?? 1 },
    cache: shape.l1 === undefined ? null : {
      l1HitRate: shape.l1,
      l2HitRate: 100,
      hitRate: 100,
      loaderCalls: 0,
      l2Errors: 0,
      l2Timeouts: 0,
      l2Latency: null,
      lookups: 10_000,
      busReads: 40,
    },
    pool: null,
    maxBackends: 20,
  };
}

const timing = (p50: number) => ({ iterations: 3, p50, p90: p50, p99: p50, mean: p50, rows: 1 });
const report = (name: string, mv: number, live: number): ReportPair => ({
  name,
  mv: timing(mv),
  live: timing(live),
  speedup: live / mv,
});

const peer = (ours: number, bento: number): PeerResult => ({
  keys: 1000,
  opsPerRound: 1000,
  valueBytes: 600,
  ours: { opsPerS: ours, rounds: [ours] },
  bentocache: { opsPerS: bento, rounds: [bento], version: "1.6.1" },
});

/** Every scenario exactly at its threshold (all goals met). */
function atThresholds(overrides: Record<string, Shape> = {}): ScenarioResult[] {
  const base: Record<string, Shape> = {
    [IDS.helloDirect(SEED)]: { rps: 10_000 },
    [IDS.helloGateway(SEED)]: { rps: 5_000 },
    [IDS.pgDirect(SEED)]: { rps: 4_000 },
    [IDS.direct("project", "l1", 50, SEED)]: { rps: 5_000, p99: 5, l1: 97 },
    [IDS.replay(SEED)]: { rps: 8_000 },
    [IDS.mapDirect(SEED)]: { rps: 10_000 },
    [IDS.read("project", "l1", 50, SEED)]: { rps: 2_500 },
    [IDS.direct("project", "off", 50, SEED)]: { rps: 2_000, p99: 30 },
    [IDS.mix("l1", 50, SEED)]: { rps: 3_000, queries: 0.1 },
    [IDS.mix("off", 50, SEED)]: { rps: 1_000, queries: 1 },
    [IDS.think(SEED)]: { rps: 500, p99: 200, statuses: { "200": 9_990, "409": 10 } },
    [IDS.soakDirect("off", SEED)]: { statuses: { "200": 9_000, "503": 1_000 }, shed: 1_000 },
    [IDS.soakDirect("l1", SEED)]: { statuses: { "200": 10_000 } },
    [IDS.soak(SEED)]: { rps: 2_000, statuses: { "200": 9_000, "503": 1_000 }, shed: 1_000 },
  };
  return Object.entries({ ...base, ...overrides }).map(([id, shape]) => scenario(id, shape));
}

const REPORTS = [
  report("project financials (all projects)", 1, 30),
  report("monthly payments (24 months)", 1, 70),
  report("candidate earnings (all candidates)", 1, 1), // not part of the dashboard pair
];

function targets(overrides: Record<string, Shape> = {}, p = peer(2_000, 1_000)): Target[] {
  return computeTargets(atThresholds(overrides), REPORTS, SEED, p);
}

const verdicts = (list: Target[]) => list.map((t) => t.met);

Deno.test("bench targets: sixteen rows in the issue's order, each with numerator and denominator", () => {
  const list = targets();
  assert.equal(list.length, 16);
  assert.match(list[0].name, /^cached GET \/projects\/\{id\} direct ÷ bare Deno\.serve hello/);
  assert.match(list[1].name, /^share of the cached GET .* from L1 or replay/);
  assert.match(list[11].name, /^1000 users with think time/);
  assert.match(list[12].name, /^c=1000 closed-loop stress, uncached GET project direct/);
  assert.match(list[14].name, /^c=1000 closed-loop stress, 95\/5 mix via gateway/);
  assert.match(list[15].name, /^dashboard reports from MVs/);
  for (const t of list) {
    assert.ok(t.numerator.length > 0 && t.denominator.length > 0, t.name);
    assert.doesNotMatch(t.numerator, /not measured/, t.name);
  }
  assert.match(list[0].numerator, /5,000 req\/s \(direct\/project\/l1\/c50@large\)/);
  assert.match(list[0].denominator, /10,000 req\/s \(ceiling\/hello\/direct\/c50@large\)/);
  assert.match(list[1].numerator, /9,700 L1 hits .*the bus: 4\.0 Redis commands\/s/);
  assert.match(list[1].denominator, /10,000 cache lookups/);
  assert.match(list[2].numerator, /8,000 req\/s \(direct\/project-replay\/l1\/c50@large\)/);
  assert.match(list[2].denominator, /10,000 req\/s \(ceiling\/map\/direct\/c50@large\)/);
  assert.match(list[8].numerator, /0\.100 DB queries\/request \(mix\/l1\/c50@large\)/);
  assert.match(list[8].denominator, /1\.000 DB queries\/request \(mix\/off\/c50@large\)/);
  assert.equal(list[5].goal, "report");
  assert.deepEqual(verdicts(list), [
    true,
    true,
    true,
    true,
    true,
    null, // reported only
    true,
    true,
    true,
    true,
    true,
    true,
    true,
    true,
    true,
    true,
  ]);
});

Deno.test("bench targets: each goal flips to not met just past its threshold", () => {
  const cached = IDS.direct("project", "l1", 50, SEED);
  const uncached = IDS.direct("project", "off", 50, SEED);
  const cases: [number, Record<string, Shape>][] = [
    [2, { [IDS.replay(SEED)]: { rps: 7_999 } }],
    [0, { [cached]: { rps: 4_999, p99: 5, l1: 97 } }],
    [1, { [cached]: { rps: 5_000, p99: 5, l1: 96.99 } }],
    [3, { [cached]: { rps: 5_000, p99: 5.01, l1: 97 } }],
    [4, { [IDS.helloGateway(SEED)]: { rps: 4_999 } }],
    [6, { [uncached]: { rps: 1_999, p99: 30 } }],
    [7, { [uncached]: { rps: 2_000, p99: 30.01 } }],
    [8, { [IDS.mix("l1", 50, SEED)]: { rps: 3_000, queries: 0.11 } }],
    [9, { [IDS.mix("l1", 50, SEED)]: { rps: 2_999, queries: 0.1 } }],
    [11, { [IDS.think(SEED)]: { p99: 200.01 } }],
    [11, { [IDS.think(SEED)]: { statuses: { "200": 9_999, "500": 1 } } }],
    [11, { [IDS.think(SEED)]: { timeouts: 1 } }],
    [12, { [IDS.soakDirect("off", SEED)]: { timeouts: 1 } }],
    [13, { [IDS.soakDirect("l1", SEED)]: { statuses: { "200": 9_999, "504": 1 } } }],
    [14, { [IDS.soak(SEED)]: { statuses: { "200": 9_999, "503": 1 }, shed: 0 } }],
    [14, { [IDS.soak(SEED)]: { statuses: { "200": 9_999, "502": 1 } } }],
    [14, { [IDS.soak(SEED)]: { timeouts: 1 } }],
  ];
  for (const [index, override] of cases) {
    const list = targets(override);
    assert.equal(list[index].met, false, `${list[index].name} with ${JSON.stringify(override)}`);
    const others = verdicts(list).filter((_, i) => i !== index && i !== 5);
    assert.ok(others.every((v) => v === true), `only row ${index + 1} flips`);
  }
  assert.equal(targets({}, peer(1_999, 1_000))[10].met, false);
  const slowMv = [report("project financials (all projects)", 2, 99)];
  assert.equal(computeTargets(atThresholds(), slowMv, SEED, null)[15].met, false);
});

Deno.test("bench targets: shed 503s are counted apart from other 5xx and shown with timeouts", () => {
  const soak = targets()[14];
  assert.match(soak.numerator, /1,000 shed 503s \(Retry-After\), 0 other 5xx, 0 timeouts/);
  assert.match(soak.value, /0 other 5xx, 0 timeouts/);
  const think = targets()[11];
  assert.match(think.denominator, /0 5xx, 0 timeouts, 0 socket \(10 4xx refusals not counted\)/);
  assert.match(think.numerator, /500 req\/s achieved/);
});

Deno.test("bench targets: a missing input reads not measured, never met or not met", () => {
  const list = computeTargets([], [], SEED, null);
  assert.equal(list.length, 16);
  assert.ok(list.every((t) => t.met === null), "no verdict without inputs");
  assert.match(list[0].numerator, /not measured \(direct\/project\/l1\/c50@large\)/);
  assert.match(list[10].numerator, /not measured/);
});

Deno.test("bench scale: flat within 1.5× of the small seed, else names the row and factor", () => {
  const rows = (factor: number) =>
    ["small", "large", "xlarge"].flatMap((seed) => {
      const p50 = seed === "xlarge" ? 2 * factor : 2;
      return [
        scenario(IDS.read("project", "l1", 50, seed), { p50 }),
        scenario(IDS.read("project-list", "l1", 50, seed), { p50: 4 }),
        scenario(IDS.mix("l1", 50, seed), { p50: 6 }),
      ];
    });
  assert.match(computeScale(rows(1.5)).verdict, /^Flat \(small, large, xlarge\)/);
  const steep = computeScale(rows(1.6));
  assert.match(steep.verdict, /^Not flat .*detail \(GET project\) on xlarge is 1\.60×/);
  assert.equal(steep.rows[0].p50.xlarge, 3.2);
  assert.match(computeScale(rows(1).slice(0, 3)).verdict, /only the small seed/);
});
