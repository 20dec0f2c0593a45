/**
 * The targets, in its order, each with the figure it divides (numerator) and what it
 * divides by or is read against (denominator), both with units and the scenario they come from.
 * Direct figures (wrk straight at the function's process) lead; the gateway's rows follow.
 */
import { find, fmt } from "./analysis.ts";
import { IDS } from "./ids.ts";
import type { ReportPair } from "./reports.ts";
import type { PeerResult, ScenarioResult, Target } from "./types.ts";

const NOT_MEASURED = "not measured";
const int = (v: number) => Math.round(v).toLocaleString("en-US");
const rpsOf = (s: ScenarioResult | undefined, id: string) =>
  s ? `${int(s.rps)} req/s (${id})` : `${NOT_MEASURED} (${id})`;

/** Counts of a run by kind: 503 with Retry-After (shed), other 5xx, 4xx, timeouts, socket. */
export function outcomeCounts(s: ScenarioResult) {
  let fiveXx = 0, fourXx = 0;
  for (const [code, count] of Object.entries(s.statuses)) {
    if (/^5/.test(code)) fiveXx += count;
    else if (/^4/.test(code)) fourXx += count;
  }
  const shed = s.shed ?? 0;
  return {
    shed,
    other5xx: fiveXx - shed,
    fourXx,
    timeouts: s.errors.timeout,
    socket: s.errors.connect + s.errors.read + s.errors.write,
  };
}

/** numerator ÷ denominator req/s against a minimum ratio (or only reported, `min` null). */
function rpsRatio(
  scenarios: ScenarioResult[],
  name: string,
  numId: string,
  denId: string,
  min: number | null,
): Target {
  const a = find(scenarios, numId), b = find(scenarios, denId);
  const ratio = a && b && b.rps > 0 ? a.rps / b.rps : null;
  return {
    name,
    value: ratio === null ? NOT_MEASURED : `${fmt(ratio)}×`,
    numerator: rpsOf(a, numId),
    denominator: rpsOf(b, denId),
    goal: min === null ? "report" : `≥ ${fmt(min)}×`,
    met: min === null || ratio === null ? null : ratio >= min,
  };
}

/** An absolute p99 bound on one scenario; the denominator column gives the bound's context. */
function p99Bound(scenarios: ScenarioResult[], name: string, id: string, maxMs: number): Target {
  const s = find(scenarios, id);
  return {
    name,
    value: s ? `${fmt(s.latencyMs.p99)} ms` : NOT_MEASURED,
    numerator: s
      ? `p99 ${fmt(s.latencyMs.p99)} ms (p50 ${fmt(s.latencyMs.p50)} ms) over ` +
        `${int(s.requests)} requests (${id})`
      : `${NOT_MEASURED} (${id})`,
    denominator: `none: an absolute bound at c=${s?.connections ?? 50}`,
    goal: `≤ ${maxMs} ms`,
    met: s ? s.latencyMs.p99 <= maxMs : null,
  };
}

/**
 * The share of the cached read's lookups answered from L1 (a replay checks its L1 entry and counts
 * as an L1 hit): what the invalidation bus buys over a short L1 TTL.
 */
function l1ShareTarget(scenarios: ScenarioResult[], id: string): Target {
  const s = find(scenarios, id);
  const c = s?.cache;
  const share = c?.l1HitRate ?? null;
  // One process: its bus reads per second are the bus's whole Redis cost here.
  const bus = c?.busReads != null && s
    ? `; the bus: ${fmt(c.busReads / s.durationS, 1)} Redis commands/s for the one process`
    : "";
  return {
    name: "share of the cached GET /projects/{id} direct reads answered from L1 or replay ≥ 97 %",
    value: share === null ? NOT_MEASURED : `${fmt(share)} %`,
    numerator: share === null || !c
      ? `${NOT_MEASURED} (${id})`
      : `${int(c.lookups * share / 100)} L1 hits (${id})${bus}`,
    denominator: c ? `${int(c.lookups)} cache lookups` : "–",
    goal: "≥ 97 %",
    met: share === null ? null : share >= 97,
  };
}

/** The targets; `met` is null when an input was not measured or the row only reports. */
export function computeTargets(
  scenarios: ScenarioResult[],
  reports: ReportPair[],
  seed: string,
  peer: PeerResult | null = null,
): Target[] {
  const targets: Target[] = [];
  const cachedDirect = IDS.direct("project", "l1", 50, seed);
  const uncachedDirect = IDS.direct("project", "off", 50, seed);
  targets.push(rpsRatio(
    scenarios,
    "cached GET /projects/{id} direct ÷ bare Deno.serve hello direct ≥ 0.5×",
    cachedDirect,
    IDS.helloDirect(seed),
    0.5,
  ));
  targets.push(l1ShareTarget(scenarios, cachedDirect));
  targets.push(rpsRatio(
    scenarios,
    "a replayed read (GET /projects/{id}, one key, direct) ÷ bare Deno.serve sending the same " +
      "bytes and headers from a Map ≥ 0.8×",
    IDS.replay(seed),
    IDS.mapDirect(seed),
    0.8,
  ));
  targets.push(p99Bound(
    scenarios,
    "cached GET /projects/{id} direct p99 ≤ 5 ms (c=50)",
    cachedDirect,
    5,
  ));
  targets.push(rpsRatio(
    scenarios,
    "gateway: hello via gateway ÷ hello direct ≥ 0.5×",
    IDS.helloGateway(seed),
    IDS.helloDirect(seed),
    0.5,
  ));
  targets.push(rpsRatio(
    scenarios,
    "cached GET /projects/{id} via gateway ÷ bare hello direct",
    IDS.read("project", "l1", 50, seed),
    IDS.helloDirect(seed),
    null,
  ));
  targets.push(rpsRatio(
    scenarios,
    "uncached GET /projects/{id} direct ÷ raw select by id direct ≥ 0.5×",
    uncachedDirect,
    IDS.pgDirect(seed),
    0.5,
  ));
  targets.push(p99Bound(
    scenarios,
    "uncached GET /projects/{id} direct p99 ≤ 30 ms (c=50)",
    uncachedDirect,
    30,
  ));
  targets.push(...mixTargets(scenarios, seed));
  targets.push(peerTarget(peer));
  targets.push(thinkTarget(scenarios, seed));
  targets.push(soakTarget(scenarios, IDS.soakDirect("off", seed), "uncached GET project direct"));
  targets.push(soakTarget(scenarios, IDS.soakDirect("l1", seed), "cached GET project direct"));
  targets.push(soakTarget(scenarios, IDS.soak(seed), "95/5 mix via gateway"));
  targets.push(dashboardTarget(reports));
  return targets;
}

function mixTargets(scenarios: ScenarioResult[], seed: string): Target[] {
  const onId = IDS.mix("l1", 50, seed), offId = IDS.mix("off", 50, seed);
  const on = find(scenarios, onId), off = find(scenarios, offId);
  const reduction = on?.db && off?.db && off.db.queriesPerReq > 0
    ? 1 - on.db.queriesPerReq / off.db.queriesPerReq
    : null;
  const queries = (s: ScenarioResult | undefined, id: string) =>
    s?.db ? `${fmt(s.db.queriesPerReq, 3)} DB queries/request (${id})` : `${NOT_MEASURED} (${id})`;
  return [
    {
      name: "95/5 mix: DB queries per request with cache ≥ 90 % fewer than without",
      value: reduction === null ? NOT_MEASURED : `${fmt(100 * reduction, 1)} % fewer`,
      numerator: queries(on, onId),
      denominator: queries(off, offId),
      goal: "≥ 90 % fewer",
      met: reduction === null ? null : reduction >= 0.9,
    },
    rpsRatio(scenarios, "95/5 mix req/s with cache ≥ 3× without", onId, offId, 3),
  ];
}

function peerTarget(peer: PeerResult | null): Target {
  const ratio = peer && peer.bentocache.opsPerS > 0
    ? peer.ours.opsPerS / peer.bentocache.opsPerS
    : null;
  const how = peer
    ? `median of ${peer.ours.rounds.length} rounds × ${int(peer.opsPerRound)} hits, ` +
      `${int(peer.keys)} keys, ~${peer.valueBytes} B values`
    : "";
  return {
    name: "L1 getOrSet hit in-process ≥ 2× bentocache memory-tier getOrSet",
    value: ratio === null ? NOT_MEASURED : `${fmt(ratio)}×`,
    numerator: peer
      ? `${int(peer.ours.opsPerS)} ops/s, shared/cache L1 only (${how})`
      : `${NOT_MEASURED} (bench/peers/l1-vs-bentocache.ts)`,
    denominator: peer
      ? `${int(peer.bentocache.opsPerS)} ops/s, bentocache ${peer.bentocache.version} ` +
        `memoryDriver only (same keys and order)`
      : `${NOT_MEASURED} (bench/peers/l1-vs-bentocache.ts)`,
    goal: "≥ 2.00×",
    met: ratio === null ? null : ratio >= 2,
  };
}

// Errors here are what a user would see fail: any 5xx (a shed 503 included: 500 req/s is not
// overload), timeouts and socket errors. 4xx are the API's own refusals (a conflicting write is
// a 409) and are shown, not counted.
function thinkTarget(scenarios: ScenarioResult[], seed: string): Target {
  const id = IDS.think(seed);
  const s = find(scenarios, id);
  const o = s && outcomeCounts(s);
  const errors = o ? o.shed + o.other5xx + o.timeouts + o.socket : null;
  return {
    name: "1000 users with think time (1–3 s per request, 95/5 mix): p99 ≤ 200 ms, 0 errors",
    value: s ? `p99 ${fmt(s.latencyMs.p99)} ms, ${errors} errors` : NOT_MEASURED,
    numerator: s && o
      ? `p99 ${fmt(s.latencyMs.p99)} ms (p50 ${fmt(s.latencyMs.p50)} ms), ${int(s.rps)} req/s ` +
        `achieved over ${fmt(s.durationS, 0)} s (${id})`
      : `${NOT_MEASURED} (${id})`,
    denominator: s && o
      ? `errors: ${int(o.shed + o.other5xx)} 5xx, ${int(o.timeouts)} timeouts, ` +
        `${int(o.socket)} socket ` +
        `(${int(o.fourXx)} 4xx refusals not counted) of ${int(s.requests)} requests`
      : "–",
    goal: "p99 ≤ 200 ms, 0 errors",
    met: s && errors !== null ? s.latencyMs.p99 <= 200 && errors === 0 : null,
  };
}

function soakTarget(scenarios: ScenarioResult[], id: string, what: string): Target {
  const s = find(scenarios, id);
  const o = s && outcomeCounts(s);
  return {
    name: `c=1000 closed-loop stress, ${what}, ${s ? fmt(s.durationS, 0) : "30"} s: 0 5xx other ` +
      "than shed 503s with Retry-After, 0 client timeouts",
    value: o ? `${o.other5xx} other 5xx, ${o.timeouts} timeouts` : NOT_MEASURED,
    numerator: s && o
      ? `${int(o.shed)} shed 503s (Retry-After), ${int(o.other5xx)} other 5xx, ` +
        `${int(o.timeouts)} timeouts, ` +
        `${int(o.socket)} socket errors, ${int(o.fourXx)} 4xx; p99 ${
          fmt(s.latencyMs.p99)
        } ms (${id})`
      : `${NOT_MEASURED} (${id})`,
    denominator: s
      ? `${int(s.requests)} requests, ${int(s.rps)} req/s; max PG backends ${s.maxBackends ?? "–"}`
      : "–",
    goal: "0 other 5xx, 0 timeouts",
    met: o ? o.other5xx === 0 && o.timeouts === 0 : null,
  };
}

// The dashboard reads project financials and monthly payments: compare that pair of calls.
function dashboardTarget(reports: ReportPair[]): Target {
  const dash = reports.filter((r) => !r.name.startsWith("candidate"));
  const mvMs = dash.reduce((a, r) => a + r.mv.p50, 0);
  const liveMs = dash.reduce((a, r) => a + r.live.p50, 0);
  const names = dash.map((r) => r.name).join(" + ");
  return {
    name: "dashboard reports from MVs ≥ 50× faster than live (p50)",
    value: dash.length ? `${fmt(liveMs / mvMs, 1)}×` : NOT_MEASURED,
    numerator: dash.length ? `live p50 ${fmt(liveMs, 1)} ms (${names})` : NOT_MEASURED,
    denominator: dash.length ? `MV p50 ${fmt(mvMs, 2)} ms (same calls)` : NOT_MEASURED,
    goal: "≥ 50×",
    met: dash.length ? liveMs / mvMs >= 50 : null,
  };
}
