/**
 * Bodies are bounded before anything walks or parses them, on every write route and with only
 * the anon key: JSON nested 1,000 or 10,000 levels is a 400 (it was a 500 and a Sentry event),
 * a body over 2 MiB is a 413 whether its length is declared or streamed.
 */
import assert from "node:assert/strict";
import { env } from "../../helpers/client.ts";
import { MAX_BODY_BYTES } from "../../../shared/http/body.ts";

const url = (path: string) => `${env("SUPABASE_URL")}/functions/v1/${path}`;

async function post(path: string, body: BodyInit, headers: Record<string, string> = {}) {
  const res = await fetch(url(path), {
    method: "POST",
    headers: {
      authorization: `Bearer ${env("SUPABASE_ANON_KEY")}`,
      apikey: env("SUPABASE_ANON_KEY"),
      "content-type": "application/json",
      ...headers,
    },
    body,
  });
  return { status: res.status, data: await res.json() };
}

const ROUTES = ["projects", "candidates", "payments", "claims", "payments/payroll"];

Deno.test("deeply nested JSON is a 400 on every write route, never a 500", async () => {
  for (const levels of [1_000, 10_000]) {
    const nested = "[".repeat(levels) + "]".repeat(levels);
    for (const path of ROUTES) {
      const res = await post(path, `{"title": ${nested}}`);
      assert.equal(res.status, 400, `${path} × ${levels}: ${JSON.stringify(res.data)}`);
      assert.equal(res.data.error.code, "bad_request");
      assert.match(res.data.error.message, /nested deeper/);
    }
  }
  // Nesting inside a string is text, not depth.
  const res = await post("projects", JSON.stringify({ title: "[".repeat(5_000) }));
  assert.notEqual(res.status, 500);
  assert.notEqual(res.data.error?.code, "bad_request");
});

Deno.test("a body over the limit is a 413, declared or streamed", async () => {
  // Three times the limit: the function answers long before the upload ends, and the client
  // must still get the 413 (not a reset connection: shared/http/body.ts drops the rest first).
  const big = JSON.stringify({ title: "x".repeat(3 * MAX_BODY_BYTES) });
  const declared = await post("projects", big);
  assert.equal(declared.status, 413, JSON.stringify(declared.data));
  assert.equal(declared.data.error.code, "payload_too_large");
  const bytes = new TextEncoder().encode(big);
  const streamed = await post(
    "candidates",
    new ReadableStream({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 65_536) {
          controller.enqueue(bytes.slice(i, i + 65_536));
        }
        controller.close();
      },
    }),
  );
  assert.equal(streamed.status, 413, JSON.stringify(streamed.data));
});
