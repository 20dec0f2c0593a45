/**
 * The Markdown report: machine, targets (each with its numerator and denominator), how cost
 * grows with the seed, what a month costs (cost-markdown.ts), every scenario in one table,
 * reports, ratios.
 */
import { costSection } from "./cost-markdown.ts";
import { tierText } from "./recycling.ts";
import type { JobsLatency, JobsThroughput, Results, ScenarioResult } from "./types.ts";
import { retiredText } from "./workers.ts";

const n = (v: number | null | undefined, digits = 1) =>
  v === null || v === undefined || !Number.isFinite(v) ? "–" : v.toFixed(digits);
const int = (v: number) => Math.round(v).toLocaleString("en-US");

function errorsCell(s: ScenarioResult): string {
  if (s.errors.total === 0) return "0";
  const parts = [];
  if (s.errors.status) {
    const codes = Object.entries(s.statuses).filter(([code]) => !/^[23]/.test(code))
      .map(([code, count]) => `${code}×${count}`).join(" ");
    parts.push(`${s.errors.status} non-2xx${codes ? ` (${codes})` : ""}`);
  }
  if (s.errors.timeout) parts.push(`${s.errors.timeout} timeout`);
  const socket = s.errors.connect + s.errors.read + s.errors.write;
  if (socket) parts.push(`${socket} socket`);
  return parts.join(", ");
}

function cacheCell(s: ScenarioResult): string {
  if (!s.cache || s.cache.lookups === 0) return "–";
  return `${n(s.cache.hitRate)} % (L1 ${n(s.cache.l1HitRate)} / L2 ${n(s.cache.l2HitRate)})`;
}

function l2Cell(s: ScenarioResult): string {
  const l = s.cache?.l2Latency;
  if (!l) return "–";
  const timeouts = s.cache?.l2Timeouts ? `, ${s.cache.l2Timeouts} timeouts` : "";
  return `${n(l.p50, 2)} / ${n(l.p99, 1)} / ${n(l.p999, 0)} / ${n(l.max, 0)}${timeouts}`;
}

/** `0.412 = 820 ÷ 1,990` (ms of the workers' CPU ÷ requests), or – where no worker was read. */
function cpuCell(s: ScenarioResult): string {
  const w = s.workers;
  if (!w || w.requests === 0) return "–";
  return `${n(w.cpuMsPerReq, 3)} = ${int(w.cpuMs)} ÷ ${int(w.requests)}`;
}

function recycledCell(s: ScenarioResult): string {
  const w = s.workers;
  if (!w) return "–";
  return w.starts || Object.keys(w.retired).length
    ? `${retiredText(w.retired)}; ${w.starts} started`
    : "0";
}

// A "|" inside a figure would end the table cell early.
const cell = (text: string) => text.replace(/\|/g, "\\|");

function scaleSection(results: Results): string[] {
  const { seeds, rows, verdict } = results.scale;
  const lines = ["## How cost grows", ""];
  lines.push(`| p50 ms at c=50 (via gateway) | ${seeds.join(" | ")} |`);
  lines.push(`|---|${seeds.map(() => "--:").join("|")}|`);
  for (const r of rows) {
    lines.push(`| ${r.what} | ${seeds.map((seed) => n(r.p50[seed], 2)).join(" | ")} |`);
  }
  lines.push("");
  lines.push(verdict);
  lines.push("");
  return lines;
}

/** Our job queue beside pg-boss: every figure with how it was made, and the harness checks. */
function jobsSection(results: Results): string[] {
  const j = results.jobs;
  if (!j) return [];
  const lines = [`## Job queue vs pg-boss ${j.pgBossVersion} (same Postgres, direct port)`, ""];
  lines.push("| measure | system | value | setup |");
  lines.push("|---|---|--:|---|");
  const rate = (what: string, system: string, t: JobsThroughput) => {
    const rounds = t.rounds.map(int).join(" / ");
    lines.push(
      `| ${what} | ${system} | ${int(t.jobsPerS)} jobs/s (rounds ${rounds}) | ${cell(t.setup)} |`,
    );
  };
  rate("enqueue", "ours", j.enqueue.ours);
  rate("enqueue", "pg-boss", j.enqueue.pgBoss);
  rate("no-op drain", "ours", j.drain.ours);
  rate("no-op drain", "pg-boss", j.drain.pgBoss);
  const lat = (system: string, l: JobsLatency) =>
    lines.push(
      `| enqueue → start, ${l.ratePerS}/s for ${l.seconds} s after ${l.leadInS} s | ${system} | ` +
        `p50 ${n(l.p50Ms, 1)} / p90 ${n(l.p90Ms, 1)} / p99 ${n(l.p99Ms, 1)} / ` +
        `max ${n(l.maxMs, 1)} ms (${l.jobs} jobs); lead-in's slowest ${n(l.wakeUpMs, 0)} ms | ` +
        `${cell(l.setup)} |`,
    );
  lat("ours", j.latency.ours);
  lat("pg-boss (polling)", j.latency.pgBoss);
  lat("pg-boss (LISTEN/NOTIFY)", j.latency.pgBossNotify);
  lines.push("");
  const failed = j.checks.filter((c) => !c.ok);
  lines.push(
    `Checks: ${j.checks.length - failed.length} of ${j.checks.length} passed (every job sent ` +
      `once, drained once, none lost or left)` +
      (failed.length ? `; failed: ${failed.map((c) => `${c.name}: ${c.detail}`).join("; ")}` : "") +
      `. ${j.notes.join(" ")} Wall clock ${n(j.wallClockS, 0)} s.`,
  );
  lines.push("");
  return lines;
}

/** The metrics-overhead pair: every run in the order run, and the harness checks. */
function metricsSection(results: Results): string[] {
  const m = results.metricsOverhead;
  if (!m) return [];
  const lines = [
    `## Metrics overhead (cached GET project direct, c=${m.connections}, ${m.seed} seed)`,
    "",
  ];
  lines.push("| # | mode | req/s | p50 ms | p99 ms | requests | not 200 |");
  lines.push("|--:|---|--:|--:|--:|--:|--:|");
  m.rounds.forEach((r, i) => {
    const mode = r.mode === "on" ? "metrics on" : "METRICS_DISABLED=1";
    lines.push(
      `| ${i + 1} | ${mode} | ${int(r.rps)} | ${n(r.p50Ms, 2)} | ${n(r.p99Ms, 2)} | ` +
        `${int(r.requests)} | ${r.errors} |`,
    );
  });
  lines.push("");
  const failed = m.checks.filter((c) => !c.ok);
  lines.push(
    `Medians: on ${int(m.on.rps)} req/s, off ${int(m.off.rps)} req/s. Setup: ${cell(m.setup)}. ` +
      `Checks: ${m.checks.length - failed.length} of ${m.checks.length} passed (` +
      m.checks.map((c) => `${c.name}: ${c.detail}`).join("; ") + ").",
  );
  lines.push("");
  return lines;
}

/** Cold starts, and the same loads with recycling on and off (bench/lib/recycling.ts). */
function recyclingSection(results: Results): string[] {
  const r = results.recycling;
  if (!r) return [];
  const lines = ["## What recycling costs", ""];
  const c = r.coldStart;
  if (c) {
    lines.push(
      `Cold start: the first request after the worker retired (${c.rounds} rounds per function; ` +
        `${c.setup}). ${c.rounds < 100 ? "With n < 100, p99 is the slowest of the n." : ""}`,
    );
    lines.push("");
    lines.push(
      "| function | request | cold p50 / p99 ms (n) | warm p50 / p99 ms (n) | " +
        "cold p50 ÷ warm p50 | workers started |",
    );
    lines.push("|---|---|--:|--:|--:|--:|");
    for (const row of c.rows) {
      lines.push(
        `| ${row.fn} | \`${row.route}\` | ${n(row.cold.p50, 0)} / ${n(row.cold.p99, 0)} ` +
          `(${row.cold.iterations}) | ${n(row.warm.p50, 1)} / ${n(row.warm.p99, 1)} ` +
          `(${row.warm.iterations}) | ${n(row.cold.p50 / row.warm.p50, 0)}× = ` +
          `${n(row.cold.p50, 0)} ÷ ${n(row.warm.p50, 1)} | ${row.starts} |`,
      );
    }
    lines.push("");
  }
  lines.push(
    `Recycling on (EDGE_WALL_CLOCK_S=${r.wallClockS}) vs off (EDGE_RECYCLING=off): ${r.setup}. ` +
      "Through the gateway only: wrk sent straight to a worker's port cannot follow it when it " +
      "retires, so every direct row runs on a gateway with EDGE_RECYCLING=off.",
  );
  lines.push("");
  lines.push(
    "| load | recycling | req/s | p50 ms | p99 ms | errors | retired; started | " +
      "L1 hits ÷ lookups | L2 hits ÷ lookups | worker CPU ms/req = Δ ms ÷ req | scenario |",
  );
  lines.push("|---|---|--:|--:|--:|---|---|--:|--:|--:|---|");
  for (const pair of r.pairs) {
    for (const side of [pair.on, pair.off]) {
      const s = results.scenarios.find((x) => x.id === side.id);
      const mode = side === pair.on ? `on, wall clock ${r.wallClockS} s` : "off";
      if (!s) {
        lines.push(`| ${pair.what} | ${mode} | not measured | | | | | | | | ${side.id} |`);
        continue;
      }
      lines.push(
        `| ${pair.what} | ${mode} | ${int(s.rps)} | ${n(s.latencyMs.p50, 2)} | ` +
          `${n(s.latencyMs.p99, 2)} | ${errorsCell(s)} | ${recycledCell(s)} | ` +
          `${side.tiers ? tierText(side.tiers.l1) : "–"} | ` +
          `${side.tiers ? tierText(side.tiers.l2) : "–"} | ${cpuCell(s)} | ${side.id} |`,
      );
    }
  }
  lines.push("");
  lines.push(
    "The on ÷ off ratios are in the targets table. L2 lookups are the L1 misses that went on " +
      "to Redis (the others joined a load already in flight). Worker CPU includes the start-up " +
      "of every worker started in the run; the two runs of a load ran one after the other, so " +
      "the machine's drift between them is in their ratio.",
  );
  lines.push("");
  return lines;
}

/** Renders the whole report. */
export function toMarkdown(results: Results): string {
  const m = results.machine;
  const c = results.config;
  const lines: string[] = [];
  lines.push(`# Benchmark ${m.date.slice(0, 10)} @ ${m.gitSha}${m.gitDirty ? " (dirty)" : ""}`);
  lines.push("");
  lines.push(
    `${c.quick ? "**Quick smoke run** — numbers are indicative only. " : ""}` +
      `Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.os}; Deno ${m.deno} (V8 ${m.v8}); ` +
      `${m.wrk}; ${m.postgres}. wrk, the gateway, the functions, Postgres, pgbouncer, Redis and ` +
      `the bridge all share these cores over loopback.`,
  );
  lines.push("");
  lines.push(
    `Settings: ${c.durationS} s per scenario after ${c.warmupS} s warm-up, wrk -t${c.threads}, ` +
      `timeout ${c.timeoutS} s, keys Zipf(${c.zipfS}), mix ${100 - c.writePct}/${c.writePct}, ` +
      `requests as the demo ${c.user}; ${c.functionInstances} process per function` +
      (c.recycling ? `, its workers recycling ${c.recycling}` : "") + "; " +
      `DB_POOL_MAX ${c.dbPoolMax} per process; pgbouncer pool ${c.poolerPoolSize}. Seeds: ` +
      Object.entries(c.seeds).map(([seed, counts]) =>
        `${seed} (${Object.entries(counts).map(([k, v]) => `${int(v)} ${k}`).join(", ")})`
      ).join("; ") + `. Wall clock ${n(results.wallClockS, 0)} s.`,
  );
  lines.push("");
  lines.push("## Targets");
  lines.push("");
  lines.push("| # | target | value | numerator | denominator | goal | result |");
  lines.push("|--:|---|---|---|---|---|---|");
  results.targets.forEach((t, i) => {
    const verdict = t.goal === "report"
      ? "–"
      : t.met === null
      ? "not measured"
      : t.met
      ? "**met**"
      : "**not met**";
    lines.push(
      `| ${i + 1} | ${cell(t.name)} | ${cell(t.value)} | ${cell(t.numerator)} | ` +
        `${cell(t.denominator)} | ${cell(t.goal)} | ${verdict} |`,
    );
  });
  lines.push("");
  lines.push(
    "Direct = wrk straight at the function's process (the port the gateway's /health lists), " +
      "no gateway hop, on a gateway with EDGE_RECYCLING=off (a retired worker's port is gone); " +
      "every ratio divides the numerator's figure by the denominator's.",
  );
  lines.push("");
  lines.push(...scaleSection(results));
  if (results.peer) {
    const p = results.peer;
    const rounds = (xs: number[]) => xs.map((x) => int(x)).join(" / ");
    lines.push(
      `Peer rounds (ops/s, alternating A/B): shared/cache L1 ${rounds(p.ours.rounds)}; ` +
        `bentocache ${p.bentocache.version} memory tier ${rounds(p.bentocache.rounds)}.`,
    );
    lines.push("");
  }
  lines.push(...jobsSection(results));
  lines.push(...metricsSection(results));
  lines.push(...recyclingSection(results));
  lines.push(...costSection(results));
  lines.push("## Scenarios");
  lines.push("");
  lines.push(
    "| scenario | via | cache | seed | c | req/s | p50 ms | p90 ms | p99 ms | errors | " +
      "DB stmts/req | DB queries/req | cache hit rate | L2 ms p50/p99/p99.9/max | " +
      "pool util max/avg % | max PG backends | worker CPU ms/req = Δ ms ÷ req | " +
      "retired; started |",
  );
  lines.push("|---|---|---|---|--:|--:|--:|--:|--:|---|--:|--:|---|---|---|--:|--:|---|");
  for (const s of results.scenarios) {
    lines.push(
      `| ${s.title} | ${s.via} | ${s.cacheMode ?? "–"} | ${s.seed} | ${s.connections} | ` +
        `${int(s.rps)} | ${n(s.latencyMs.p50, 2)} | ${n(s.latencyMs.p90, 2)} | ` +
        `${n(s.latencyMs.p99, 2)} | ${errorsCell(s)} | ${n(s.db?.statementsPerReq, 3)} | ` +
        `${n(s.db?.queriesPerReq, 3)} | ${cacheCell(s)} | ${l2Cell(s)} | ` +
        `${n(s.pool?.maxUtilization, 0)} / ${n(s.pool?.avgUtilization, 0)} | ` +
        `${s.maxBackends ?? "–"} | ${cpuCell(s)} | ${recycledCell(s)} |`,
    );
  }
  lines.push("");
  const profiled = results.scenarios.filter((s) =>
    s.topStatements?.length && s.cacheMode === "off"
  );
  if (profiled.length) {
    lines.push("## Where the database time goes (uncached scenarios)");
    lines.push("");
    lines.push("| scenario | statement (truncated) | per request | mean ms | total ms |");
    lines.push("|---|---|--:|--:|--:|");
    for (const s of profiled) {
      for (const t of s.topStatements!) {
        const q = t.query.replace(/\|/g, "\\|").slice(0, 110);
        lines.push(
          `| ${s.title} | \`${q}\` | ${n(t.perRequest, 2)} | ${n(t.meanMs, 3)} | ${
            n(t.totalMs, 0)
          } |`,
        );
      }
    }
    lines.push("");
  }
  lines.push("## Reports: materialized views vs live aggregates");
  lines.push("");
  lines.push("| report | MV p50 ms | MV p99 ms | live p50 ms | live p99 ms | rows | speed-up |");
  lines.push("|---|--:|--:|--:|--:|--:|--:|");
  for (const r of results.reports) {
    lines.push(
      `| ${r.name} | ${n(r.mv.p50, 3)} | ${n(r.mv.p99, 3)} | ${n(r.live.p50, 1)} | ` +
        `${n(r.live.p99, 1)} | ${int(r.mv.rows)} | ${n(r.speedup, 1)}× |`,
    );
  }
  lines.push("");
  lines.push("## Ratios (like with like)");
  lines.push("");
  lines.push("| ratio | value | from |");
  lines.push("|---|--:|---|");
  for (const r of results.ratios) lines.push(`| ${r.name} | ${n(r.value, 3)} | ${r.detail} |`);
  if (results.notes.length) {
    lines.push("");
    lines.push("## Notes");
    lines.push("");
    for (const note of results.notes) lines.push(`- ${note}`);
  }
  lines.push("");
  lines.push(
    "Columns: req/s and latency from wrk (latency excludes timed-out requests); errors = non-2xx " +
      "+ socket errors + timeouts; DB stmts/req = pg_stat_statements top-level calls (round " +
      "trips, incl. BEGIN/COMMIT/set_config) ÷ requests, DB queries/req = the same without " +
      "transaction control; cache hit rate from the functions' /stats counter deltas (L2 rate = " +
      "of the lookups that reached L2); L2 ms = the functions' own timing of every Redis round " +
      "trip in the run (bucket upper bounds), with timeouts; pool utilization sampled from " +
      "/stats every 500 ms; " +
      "backends = `pg_stat_activity` client backends sampled every 250 ms; worker CPU = the " +
      "growth of the gateway's /health `slots[].cpuMs` of the row's functions (their workers' " +
      "process CPU from /proc, 10 ms ticks) ÷ wrk's requests — the bare ceilings direct and the " +
      "bridge are not workers; retired; started = the workers that retired in the run (by " +
      "reason) and those started, from the same /health (a row with a retirement has no cache " +
      "hit rate from /stats: the retired worker's counters left with it).",
  );
  lines.push("");
  return lines.join("\n");
}
