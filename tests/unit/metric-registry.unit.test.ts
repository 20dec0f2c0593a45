/**
 * shared/observe/registry.ts is the one list of metrics: the exposition shows every registered
 * metric with its HELP, TYPE and labels and nothing else; docs/observability.md's table lists
 * exactly the registry (name, type, labels); the dashboard (plain browser JS and the Grafana
 * export, which cannot import the registry) names no metric and reads no gauge field it lacks.
 */
import "./env-setup.ts";
import assert from "node:assert/strict";
import { DURATION_BUCKETS, seriesKey } from "../../shared/observe/metrics.ts";
import { exposition } from "../../shared/observe/prometheus.ts";
import { GAUGE_FIELDS, METRICS } from "../../shared/observe/registry.ts";
import type { FunctionGauges, Totals } from "../../shared/observe/totals.ts";
import type { Health } from "../../shared/services/ops/index.ts";

const root = new URL("../../", import.meta.url).pathname;
const names = new Set<string>(METRICS.map((m) => m.name));
const histograms = METRICS.filter((m) => m.type === "histogram").map((m) => m.name);

/** A metric name as a dashboard or a query may spell it (a histogram's `_bucket` too). */
const registered = (name: string) =>
  names.has(name) ||
  histograms.some((h) => [`${h}_bucket`, `${h}_sum`, `${h}_count`].includes(name));

/** Totals with one series of every registered counter and histogram, one function's gauges. */
function everything(): { totals: Totals; db: Health } {
  const counters = new Map<string, number>();
  for (const m of METRICS) {
    const labels = Object.fromEntries(m.labels.map((l) => [l, `${l}-value`]));
    if (m.type === "counter") counters.set(seriesKey(m.name, labels), 3);
    if (m.type === "histogram") {
      counters.set(
        seriesKey(`${m.name}_bucket`, { ...labels, le: String(DURATION_BUCKETS[0]) }),
        2,
      );
      counters.set(seriesKey(`${m.name}_sum`, labels), 0.01);
      counters.set(seriesKey(`${m.name}_count`, labels), 2);
    }
  }
  const g: Partial<FunctionGauges> = {};
  for (const field of GAUGE_FIELDS) g[field] = 1;
  const gauges = new Map([["projects", g as FunctionGauges]]);
  const at = new Date(Date.now() - 60_000).toISOString();
  const db: Health = {
    views: [{ view: "mv_project_financials", age_s: 60, refreshed_at: at }],
    cron: [{
      job: "refresh-reporting-views",
      schedule: "*/5 * * * *",
      active: true,
      last_status: "succeeded",
      last_run_at: at,
      last_success_at: at,
      failures_24h: 0,
    }],
    partitions: [{ table: "payments", months_ahead: 2 }],
    idempotency_keys: { rows: 10, bytes: 8192 },
    queues: [{
      queue: "notifications",
      queued: 1,
      scheduled: 0,
      running: 0,
      dead: 0,
      oldest_queued_s: 3,
      succeeded_1h: 5,
      archived: 9,
    }],
  };
  return { totals: { counters, gauges, aggregated: true }, db };
}

Deno.test("registry: names are unique and Prometheus-shaped, counters end in _total", () => {
  assert.equal(names.size, METRICS.length, "no name twice");
  for (const m of METRICS) {
    assert.match(m.name, /^[a-zA-Z_:][a-zA-Z0-9_:]*$/, m.name);
    if (m.type === "counter") assert.match(m.name, /_total$/, m.name);
    for (const l of m.labels) assert.match(l, /^[a-zA-Z_][a-zA-Z0-9_]*$/, `${m.name} ${l}`);
    assert.ok(m.help.length > 0, m.name);
  }
});

Deno.test("exposition: every registered metric with its HELP, TYPE and labels, nothing else", () => {
  const { totals, db } = everything();
  const top = [{ queryid: "42", query: "select 1", calls: 1, total_ms: 5, mean_ms: 5, rows: 1 }];
  const text = exposition({ totals, db, top });
  const typed = new Map<string, string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) typed.set(m[1], m[2]);
  for (const m of METRICS) {
    assert.equal(typed.get(m.name), m.type, `${m.name}: # TYPE in the exposition`);
    assert.ok(text.includes(`# HELP ${m.name} ${m.help}\n`), `${m.name}: # HELP`);
  }
  for (const name of typed.keys()) assert.ok(names.has(name), `${name} is not registered`);
  for (const line of text.trimEnd().split("\n")) {
    if (line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? \S+$/.exec(line);
    assert.ok(m, line);
    const metric = METRICS.find((d) => d.name === m[1]) ??
      METRICS.find((d) => d.type === "histogram" && m[1].startsWith(`${d.name}_`));
    assert.ok(metric, `${m[1]} is not registered`);
    const labels = [...(m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)].map((l) => l[1])
      .filter((l) => !(metric.type === "histogram" && l === "le"));
    assert.deepEqual(labels.sort(), [...metric.labels].sort(), line);
  }
});

Deno.test("docs/observability.md: its metrics table is the registry (name, type, labels)", async () => {
  const doc = await Deno.readTextFile(`${root}docs/observability.md`);
  const start = doc.indexOf("| Metric ");
  assert.ok(start >= 0, "the table starts with | Metric");
  const rows = doc.slice(start, doc.indexOf("\n\n", start)).split("\n").slice(2);
  const documented = new Map<string, { type: string; labels: string[] }>();
  for (const row of rows) {
    const [metric, type, labels] = row.split("|").slice(1, -1).map((c) => c.trim());
    const name = /^`([^`]+)`$/.exec(metric)?.[1];
    assert.ok(name, `one metric per row, in backticks: ${row}`);
    assert.ok(!documented.has(name), `${name} twice`);
    // Label names are the backticked words; anything else in the cell is explanation.
    documented.set(name, { type, labels: [...labels.matchAll(/`([^`]+)`/g)].map((l) => l[1]) });
  }
  for (const m of METRICS) {
    const d = documented.get(m.name);
    assert.ok(d, `${m.name} is not in the docs table`);
    assert.equal(d.type, m.type, `${m.name}: type`);
    assert.deepEqual(d.labels.sort(), [...m.labels].sort(), `${m.name}: labels`);
  }
  for (const name of documented.keys()) assert.ok(names.has(name), `${name} is not registered`);
});

Deno.test("dashboard: every metric it names, and every gauge field it reads, is registered", async () => {
  const files = ["dashboard/app.js", "dashboard/metrics.js", "dashboard/grafana.json"];
  const texts = await Promise.all(files.map((f) => Deno.readTextFile(`${root}${f}`)));
  const named = new Set<string>();
  texts.forEach((text, i) => {
    for (const m of text.matchAll(/\b(crew_[a-z0-9_]+|http_server_[a-z0-9_]+)\b/g)) {
      assert.ok(registered(m[1]), `${files[i]} names ${m[1]}, which is not registered`);
      named.add(m[1]);
    }
  });
  // Not vacuous: what the tiles and the cache chart read is found.
  for (const name of ["crew_cache_requests_total", "crew_db_pool_waits_total", "crew_isolates"]) {
    assert.ok(named.has(name), `${name} is read by the dashboard`);
  }
  // The tiles sum the overview's per-function gauges by field (`sum("in_flight")`).
  const fields = [...texts[0].matchAll(/\bsum\("([a-z0-9_]+)"\)/g)].map((m) => m[1]);
  assert.ok(fields.length > 0, "the tiles read gauge fields");
  for (const f of [...fields, "pool_active", "pool_max"]) {
    assert.ok(
      (GAUGE_FIELDS as readonly string[]).includes(f),
      `gauge field ${f} is not registered`,
    );
  }
});
