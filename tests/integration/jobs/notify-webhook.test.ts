/**
 * The webhook notification provider against a real HTTP receiver: what it sends (JSON body,
 * bearer token, the message key as Idempotency-Key), and how answers map to the queue — 2xx
 * done, 5xx / 408 / 429 retried (a plain Error), any other 4xx a dead letter (`Permanent`).
 */
import assert from "node:assert/strict";
import { webhook } from "../../../shared/services/notifications/providers.ts";
import { Permanent } from "../../../shared/jobs/index.ts";

Deno.test("webhook provider: request shape and retry classes", async () => {
  const seen: { headers: Headers; body: Record<string, unknown> }[] = [];
  let answer = 202;
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async (req) => {
    seen.push({ headers: req.headers, body: await req.json() });
    return new Response(null, { status: answer });
  });
  try {
    const send = webhook(new URL(`http://127.0.0.1:${server.addr.port}/send`), "hook-token");
    const message = {
      key: "payment_paid:00000000-0000-4000-a000-0000000000aa",
      channel: "email" as const,
      to: "crew@example.test",
      candidateId: "00000000-0000-4000-a000-0000000000bb",
      subject: "Payment of RM 10.00 paid",
      text: "Hi Aina, your payment of RM 10.00 for Expo was paid on 2026-12-02.",
      jobId: "00000000-0000-4000-a000-0000000000cc",
    };
    await send(message);
    assert.equal(seen.length, 1);
    assert.equal(seen[0].headers.get("authorization"), "Bearer hook-token");
    assert.equal(seen[0].headers.get("idempotency-key"), message.key);
    assert.deepEqual(seen[0].body, {
      key: message.key,
      channel: "email",
      to: message.to,
      subject: message.subject,
      text: message.text,
    });
    for (const status of [500, 503, 408, 429]) {
      answer = status;
      const error = await send(message).then(() => undefined, (e) => e);
      assert.ok(error instanceof Error && !(error instanceof Permanent), `${status} is retried`);
    }
    for (const status of [400, 401, 422]) {
      answer = status;
      const error = await send(message).then(() => undefined, (e) => e);
      assert.ok(error instanceof Permanent, `${status} is a dead letter`);
    }
  } finally {
    await server.shutdown();
  }
});
