/**
 * Metric labels come from fixed sets, whatever a client sends: 30 requests with made-up methods
 * to a route that needs no JWT (`/ops/x`) add no series named after them, only `OTHER`.
 */
import assert from "node:assert/strict";
import { env } from "../../helpers/client.ts";

const base = () => `${env("SUPABASE_URL")}/functions/v1/ops`;

async function scrape(): Promise<string> {
  const res = await fetch(`${base()}/metrics`, {
    headers: { authorization: `Bearer ${env("METRICS_TOKEN")}` },
  });
  assert.equal(res.status, 200);
  return await res.text();
}

Deno.test("client-chosen methods do not become metric series", async () => {
  const tag = `M${crypto.randomUUID().slice(0, 6).toUpperCase()}`;
  for (let i = 0; i < 30; i++) {
    const res = await fetch(`${base()}/x`, { method: `${tag}${i}` });
    await res.body?.cancel();
  }
  // The function flushes its deltas every METRICS_FLUSH_MS (5 s): wait for an OTHER series.
  let text = "";
  for (let i = 0; i < 100; i++) {
    text = await scrape();
    if (/http_request_method="OTHER"/.test(text)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.match(text, /http_request_method="OTHER"/, "unknown methods are counted as OTHER");
  assert.ok(!text.includes(tag), "no series carries a method the client made up");
  for (const m of text.matchAll(/http_request_method="([^"]*)"/g)) {
    assert.ok(
      ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "OTHER"].includes(m[1]),
      m[1],
    );
  }
});
