/**
 * Metrics across isolates, end to end: requests through TWO instances of the projects function
 * (a gateway of this test's own, beside the stack's) are counted by each instance, flushed to
 * Redis, joined by the ops function, scraped by the stack's real Prometheus — and the count
 * PromQL gives is exactly what was sent. Then requests sent right before the instances are
 * stopped still arrive: an ending isolate flushes on its way out.
 */
import assert from "node:assert/strict";
import { createClient } from "@supabase/supabase-js";
import { startGateway } from "../../../scripts/stack/gateway.ts";
import { env, tokenFor } from "../../helpers/client.ts";

const SERIES = 'http_server_request_duration_seconds_count{function="projects",' +
  'http_route="/projects/{id}",status_class="4xx"}';

async function promql(query: string): Promise<number> {
  const url = new URL(`http://127.0.0.1:${env("PROMETHEUS_PORT")}/api/v1/query`);
  url.searchParams.set("query", query);
  const body = await (await fetch(url)).json();
  assert.equal(body.status, "success", JSON.stringify(body));
  return Number(body.data.result[0]?.value[1] ?? 0);
}

/** Polls PromQL until `query` is `want` (it stays put once it is), for at most 40 s. */
async function until(query: string, want: number): Promise<number> {
  const deadline = Date.now() + 40_000;
  let got = NaN;
  while (Date.now() < deadline) {
    got = await promql(query);
    if (got === want) return got;
    await new Promise((r) => setTimeout(r, 500));
  }
  return got;
}

Deno.test({
  name: "Prometheus counts what two instances served, and what they served before stopping",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const total = `sum(${SERIES}) or vector(0)`;
    const before = await promql(total);
    const gateway = await startGateway({
      configPath: new URL("./fixtures/projects-only.toml", import.meta.url).pathname,
      port: 0,
      instances: 2,
      env: { ...Deno.env.toObject(), LOG_REQUESTS: "0" },
      log: () => {},
    });
    let stopped = false;
    try {
      const client = createClient(gateway.url, env("SUPABASE_ANON_KEY"), {
        auth: { persistSession: false, autoRefreshToken: false },
        global: { headers: { Authorization: `Bearer ${await tokenFor("admin")}` } },
      });
      // Ids no project has: 404s, counted under the route template, never the id.
      const send = async (n: number) => {
        for (let i = 0; i < n; i++) {
          const { response } = await client.functions.invoke(`projects/${crypto.randomUUID()}`, {
            method: "GET",
          });
          assert.equal(response?.status, 404);
        }
      };
      await send(40);
      assert.equal(await until(total, before + 40), before + 40, "the 40 requests, exactly");
      const isolates = await promql('crew_isolates{function="projects"}');
      assert.ok(isolates >= 3, `the stack's instance and both of ours flushed (${isolates})`);

      // Sent, then the instances stopped before their next periodic flush.
      await send(7);
      await gateway.close();
      stopped = true;
      assert.equal(await until(total, before + 47), before + 47, "flushed on the way out");
    } finally {
      if (!stopped) await gateway.close();
    }
  },
});
