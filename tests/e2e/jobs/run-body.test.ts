/**
 * The worker door's body goes through the route's zod schema: none (no content type) is `{}`,
 * and a malformed or unknown one is a 400 JSON error — the worker does not run (it used to be
 * read as "drain every queue").
 */
import assert from "node:assert/strict";
import { env } from "../../helpers/client.ts";

const run = (body: string | undefined, contentType?: string) =>
  fetch(`${env("SUPABASE_URL")}/functions/v1/jobs/run`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${env("SUPABASE_SERVICE_ROLE_KEY")}`,
      ...(contentType ? { "content-type": contentType } : {}),
    },
    body,
  });

Deno.test("POST /jobs/run: a malformed body is a 400 and nothing is drained", async () => {
  for (const body of ['{"queues": ["probe"]', "queues=probe", '{"queues": "probe"}', "[]"]) {
    const res = await run(body, "application/json");
    const answer = await res.json();
    assert.equal(res.status, 400, `${body}: ${JSON.stringify(answer)}`);
    assert.equal(typeof answer.error?.code, "string", JSON.stringify(answer));
    assert.equal(answer.claimed, undefined, "no worker report: the worker did not run");
  }
});

Deno.test("POST /jobs/run: no body is the default run", async () => {
  const res = await run(undefined);
  const report = await res.json();
  assert.equal(res.status, 200, JSON.stringify(report));
  assert.equal(report.errors, 0);
  assert.equal(typeof report.claimed, "number");
});
