/**
 * dashboard/grafana.json against the stack's real Prometheus: an importable Grafana 10 export
 * (the datasource an `${DS_PROMETHEUS}` input, every panel and query on it, unique ids), and
 * every PromQL expression in it — with Grafana's variables as Grafana would fill them — parses
 * and returns series once some traffic has been scraped.
 */
import assert from "node:assert/strict";
import { closeDb, db, env, tokenFor } from "../../helpers/client.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const dashboard: Json = JSON.parse(
  await Deno.readTextFile(new URL("../../../dashboard/grafana.json", import.meta.url)),
);
const DS = "${DS_PROMETHEUS}";
const VIEWS = ["mv_project_financials", "mv_monthly_payments", "mv_candidate_earnings"];

/** Every panel, rows' nested panels included. */
function allPanels(panels: Json[]): Json[] {
  return panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
}

/** Grafana's substitutions for "All" over the last hour (the scrape interval is 5 s). */
function filled(expr: string): string {
  return expr.replaceAll("$__rate_interval", "1m").replaceAll("$function", ".*");
}

async function prometheus(path: string, params: Record<string, string>): Promise<Json> {
  const url = new URL(`http://127.0.0.1:${env("PROMETHEUS_PORT")}/api/v1/${path}`);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  const response = await fetch(url);
  const body = await response.json();
  assert.equal(body.status, "success", `${params.query ?? path}: ${JSON.stringify(body)}`);
  return body.data;
}

/** Traffic the scrapes will see: list reads through the gateway (cache lookups, pool use). */
async function traffic(): Promise<void> {
  const calls = [["projects", "manager"], ["payments", "finance"], ["payments", "crew"]] as const;
  for (let round = 0; round < 8; round++) {
    await Promise.all(calls.map(async ([path, user]) => {
      const res = await fetch(`${env("SUPABASE_URL")}/functions/v1/${path}`, {
        headers: { authorization: `Bearer ${await tokenFor(user)}` },
      });
      await res.body?.cancel();
      assert.equal(res.status, 200, path);
    }));
  }
}

Deno.test("grafana.json is an importable Grafana 10 export on one Prometheus input", () => {
  assert.equal(dashboard.__inputs.length, 1);
  assert.deepEqual(
    { name: dashboard.__inputs[0].name, type: dashboard.__inputs[0].type },
    { name: "DS_PROMETHEUS", type: "datasource" },
  );
  assert.equal(dashboard.__inputs[0].pluginId, "prometheus");
  assert.ok(dashboard.schemaVersion >= 36, "Grafana 10's schema");
  assert.equal(dashboard.id, null, "an export carries no instance id");
  assert.ok(dashboard.uid && dashboard.title);
  const panels = allPanels(dashboard.panels);
  const ids = panels.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length, "unique panel ids");
  for (const p of panels) {
    assert.ok(p.gridPos && p.gridPos.w > 0 && p.gridPos.h > 0, `${p.title}: gridPos`);
    if (p.type === "row") continue;
    assert.equal(p.datasource?.uid, DS, `${p.title}: datasource`);
    assert.ok(p.targets?.length, `${p.title}: queries`);
    const refIds = p.targets.map((t: Json) => t.refId);
    assert.equal(new Set(refIds).size, refIds.length, `${p.title}: unique refIds`);
    for (const t of p.targets) assert.equal(t.datasource?.uid, DS, `${p.title}/${t.refId}`);
  }
  for (const v of dashboard.templating.list) assert.equal(v.datasource?.uid, DS, v.name);
});

Deno.test({
  name: "every PromQL expression in grafana.json parses and returns data",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await traffic();
    // Reporting-view age exists once a view was refreshed (pg_cron every 5 min): on a fresh
    // stack, ask for refreshes now (what a write to payments would do).
    const ages = await prometheus("query", { query: "crew_mv_age_seconds" });
    if (ages.result.length === 0) {
      try {
        await db()`select queue.send('refresh_views', jsonb_build_object('view', v), 0,
                     p_coalesce_key => v) from unnest(${VIEWS}::text[]) v`;
      } finally {
        await closeDb();
      }
    }

    const queries = allPanels(dashboard.panels)
      .flatMap((p) => (p.targets ?? []).map((t: Json) => ({ at: `${p.title}/${t.refId}`, ...t })));
    assert.ok(queries.length >= 15, `${queries.length} queries`);
    const pending = new Map<string, string>(queries.map((q) => [q.at, filled(q.expr)]));
    // Parsing: Prometheus refuses a bad expression at once (status "error", 400).
    for (const [at, expr] of pending) {
      const data = await prometheus("query", { query: expr });
      assert.ok(Array.isArray(data.result), `${at}: a vector`);
    }
    // Data: every one has series once a few scrapes (every 5 s) have the traffic, and every
    // label its legend names (a `job` label, say, arrives as `exported_job`).
    const legends = new Map<string, string[]>(queries.map((q) => [
      q.at,
      [...String(q.legendFormat ?? "").matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]),
    ]));
    for (const [at, labels] of legends) {
      // Prometheus's own `job` (the scrape job): a metric's `job` label is `exported_job`.
      assert.ok(!labels.includes("job"), `${at}: legend on the scrape job`);
    }
    const deadline = Date.now() + 30_000;
    while (pending.size && Date.now() < deadline) {
      for (const [at, expr] of pending) {
        const data = await prometheus("query", { query: expr });
        if (data.result.length === 0) continue;
        for (const series of data.result) {
          for (const label of legends.get(at)!) {
            assert.ok(series.metric[label], `${at}: no ${label} in ${JSON.stringify(series)}`);
          }
        }
        pending.delete(at);
      }
      if (pending.size) await new Promise((r) => setTimeout(r, 1_000));
    }
    assert.deepEqual([...pending.keys()], [], "queries without data after 30 s");

    // The function variable's label_values(metric, label) has values.
    for (const v of dashboard.templating.list) {
      const [, metric, label] = v.query.query.match(/^label_values\((\w+),\s*(\w+)\)$/);
      const values = await prometheus(`label/${label}/values`, { "match[]": metric });
      assert.ok(values.includes("projects"), `${v.name}: ${values}`);
    }
  },
});
