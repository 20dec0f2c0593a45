/**
 * The ops function through the gateway: who may read what (/metrics with the scrape token or
 * an admin JWT, everything else admin only), a well-formed exposition (0.0.4, cumulative
 * buckets), and slow queries that never show a parameter value — in the API and in
 * `npm run report` alike.
 */
import assert from "node:assert/strict";
import { crewAs, db, env, failsWith, routesAs, tokenFor } from "../../helpers/client.ts";

// GET /ops/metrics is Prometheus text for a scraper, left out of the typed client: plain fetch,
// with no token, a wrong one, a JWT or the scrape token and nothing else (no apikey header).
const metricsUrl = () => `${env("SUPABASE_URL")}/functions/v1/ops/metrics`;
const get = (url: string, token?: string) =>
  fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });

Deno.test({
  name: "ops: access, exposition format, slow queries without values",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await t.step("who may read", async () => {
      const statuses = async (token?: string) => {
        const res = await get(metricsUrl(), token);
        await res.body?.cancel();
        return res.status;
      };
      assert.equal(await statuses(), 401);
      assert.equal(await statuses("not-the-token-not-the-token-xx"), 401);
      assert.equal(await statuses(await tokenFor("finance")), 403);
      assert.equal(await statuses(await tokenFor("admin")), 200);
      assert.equal(await statuses(env("METRICS_TOKEN")), 200);
      for (const path of ["/ops/overview", "/ops/history", "/ops/slow-queries"] as const) {
        await failsWith(routesAs("finance").ops("get", path)({}), 403);
        assert.equal((await routesAs("admin").ops("get", path)({})).status, 200, path);
      }
      // The scrape token opens /metrics only.
      await failsWith(crewAs({ token: env("METRICS_TOKEN") }).ops.overview(), 401);
    });

    await t.step("exposition format 0.0.4", async () => {
      await crewAs("admin").projects.list({ limit: 1 });
      const res = await get(metricsUrl(), env("METRICS_TOKEN"));
      assert.equal(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
      const text = await res.text();
      const sample =
        /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})? (-?[0-9.e+-]+|\+Inf|NaN)$/;
      for (const line of text.trimEnd().split("\n")) {
        if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) continue;
        assert.match(line, sample);
      }
      // Buckets are cumulative and end at +Inf = _count, per series.
      const buckets = new Map<string, number[]>();
      const counts = new Map<string, number>();
      for (const line of text.split("\n")) {
        const m = /^http_server_request_duration_seconds_(bucket|count)\{(.*)\} (\S+)$/.exec(line);
        if (!m) continue;
        const id = m[2].replace(/,?le="[^"]*"/, "");
        if (m[1] === "bucket") buckets.set(id, [...(buckets.get(id) ?? []), Number(m[3])]);
        else counts.set(id, Number(m[3]));
      }
      assert.ok(buckets.size > 0, "request series present");
      for (const [id, values] of buckets) {
        assert.equal(values.length, 15, id);
        for (let i = 1; i < values.length; i++) assert.ok(values[i] >= values[i - 1], id);
        assert.equal(values.at(-1), counts.get(id), id);
      }
      assert.ok(!/http_route="\/projects\/[0-9a-f]{8}-/.test(text), "no ids in routes");
    });

    await t.step("slow queries are normalised: no parameter value leaves", async () => {
      const ic = "900101145678";
      // A slow statement (over the seed's 100 ms) carrying a personal value as a literal.
      await db().unsafe(`select pg_sleep(0.12), '${ic}'::text as ic, 'alice@example.com'::text`);
      const res = await routesAs("admin").ops("get", "/ops/slow-queries")({
        query: { min_mean_ms: 100 },
      });
      assert.equal(res.status, 200);
      const mine = res.data.slow.find((s) => s.query.includes("pg_sleep"));
      assert.ok(mine, JSON.stringify(res.data.slow.map((s) => s.query)));
      assert.ok(mine.mean_ms > 100);
      const everything = JSON.stringify(res.data);
      assert.ok(!everything.includes(ic) && !everything.includes("alice@example.com"));

      const report = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--no-check", "scripts/report.ts", "--min-mean-ms", "100"],
        env: { LOG_REQUESTS: "0" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const out = new TextDecoder().decode(report.stdout);
      assert.equal(report.code, 0, new TextDecoder().decode(report.stderr));
      assert.match(out, /Slow statements \(mean > 100 ms\)/);
      assert.match(out, /pg_sleep/);
      assert.ok(!out.includes(ic) && !out.includes("alice@example.com"));
    });
  },
});
