/**
 * Metrics across isolates, end to end: requests through TWO instances of the projects function
 * (a gateway of this test's own, beside the stack's) are counted by each instance, flushed to
 * Redis, joined by the ops function, scraped by the stack's real Prometheus — and the count
 * PromQL gives is exactly what was sent. Then requests sent right before the instances are
 * stopped still arrive: an ending isolate flushes on its way out.
 */
import assert from "node:assert/strict";
import { createClient } from "@supabase/supabase-js";
import { type GatewayOptions, startGateway } from "../../../scripts/stack/gateway.ts";
import { createCrewClient } from "../../../client/index.ts";
import { env, failsWith, tokenFor } from "../../helpers/client.ts";

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

/** A projects-only gateway of the test's own, and a sender of `n` 404s through it as admin. */
async function projectsGateway(
  options: Pick<GatewayOptions, "instances" | "recycling">,
  extra = {},
) {
  const gateway = await startGateway({
    configPath: new URL("./fixtures/projects-only.toml", import.meta.url).pathname,
    port: 0,
    ...options,
    env: { ...Deno.env.toObject(), LOG_REQUESTS: "0", ...extra },
    log: () => {},
  });
  const client = createClient(gateway.url, env("SUPABASE_ANON_KEY"), {
    auth: { persistSession: false, autoRefreshToken: false },
    global: { headers: { Authorization: `Bearer ${await tokenFor("admin")}` } },
  });
  // The typed client over that gateway (no retries: each request is sent once).
  const crew = createCrewClient(client, { retry: { maxRetries: 0 } });
  // Ids no project has: 404s, counted under the route template, never the id.
  const send = async (n: number) => {
    for (let i = 0; i < n; i++) await failsWith(crew.projects.getById(crypto.randomUUID()), 404);
  };
  return { gateway, send };
}

Deno.test({
  name: "Prometheus counts what two instances served, and what they served before stopping",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const total = `sum(${SERIES}) or vector(0)`;
    const before = await promql(total);
    const { gateway, send } = await projectsGateway({ instances: 2 });
    let stopped = false;
    try {
      await send(40);
      assert.equal(await until(total, before + 40), before + 40, "the 40 requests, exactly");
      const isolates = await promql('crew_isolates{function="projects"}');
      // Both of ours (the stack's own projects worker may have been dropped while idle).
      assert.ok(isolates >= 2, `both of our instances flushed (${isolates})`);

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

Deno.test({
  name: "a worker retiring on its wall clock flushes its counts: they arrive in Prometheus",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const total = `sum(${SERIES}) or vector(0)`;
    const before = await promql(total);
    // No periodic flush within the test: only the retirement's can deliver the counts.
    const { gateway, send } = await projectsGateway({ recycling: { wallClockS: 3, idleS: 0 } }, {
      METRICS_FLUSH_MS: "600000",
    });
    try {
      await send(9);
      // Still there before the retirement (nothing flushed yet), then all nine after it.
      assert.equal(await promql(total), before);
      const deadline = Date.now() + 20_000;
      let retired = 0;
      while (!retired && Date.now() < deadline) {
        const health = await (await fetch(`${gateway.url}/health`)).json();
        retired = health.functions.projects.slots[0].retired.wall_clock ?? 0;
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.equal(retired, 1, "the worker retired on its wall clock");
      assert.equal(await until(total, before + 9), before + 9, "flushed on retirement");
    } finally {
      await gateway.close();
    }
  },
});
