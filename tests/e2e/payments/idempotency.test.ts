/**
 * Idempotent payment creation through the real stack: replays, key reuse, and 50 concurrent
 * identical requests with one key making exactly one payment and 50 identical responses.
 */
import assert from "node:assert/strict";
import type { PaymentCreate } from "../../../client/index.ts";
import { closeDb, db, failsWith, routesAs } from "../../helpers/client.ts";
import { makeWorld, newKey, paymentCount } from "./fixtures.ts";

const today = new Date().toISOString().slice(0, 10);

Deno.test({
  name: "payments idempotency",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const w = await makeWorld();
    const body = (amount: string): PaymentCreate => ({
      project_id: w.projectId,
      candidate_id: w.crew.candidateId,
      amount,
      payment_date: today,
      method: "duitnow",
    });
    const create = (key: string, payload: PaymentCreate, user: "finance" | "admin" = "finance") =>
      routesAs(user).payments("post", "/payments")({
        body: payload,
        header: { "idempotency-key": key },
      });

    await t.step("a retry returns the first response and creates nothing", async () => {
      const key = newKey();
      const first = await create(key, body("120.00"));
      assert.equal(first.status, 201);
      assert.equal(first.headers.get("idempotent-replayed"), null);
      const count = await paymentCount(w.crew.candidateId);
      // Same body, fields in another order: the canonical hash matches.
      const { method, ...rest } = body("120.00");
      const again = await create(key, { method, ...rest });
      assert.equal(again.status, 201);
      assert.equal(again.headers.get("idempotent-replayed"), "true");
      assert.deepEqual(again.data, first.data);
      assert.equal(await paymentCount(w.crew.candidateId), count);
      const [row] = await db()`
        select payment_id, status_code, request_hash from public.payment_idempotency_keys
         where key = ${key}`;
      assert.equal(row.payment_id, first.data.id);
      assert.equal(row.status_code, 201);
      assert.match(row.request_hash, /^[0-9a-f]{64}$/);
    });

    await t.step("same key, different body → 422 idempotency_key_reused", async () => {
      const key = newKey();
      assert.equal((await create(key, body("50.00"))).status, 201);
      const count = await paymentCount(w.crew.candidateId);
      await failsWith(create(key, body("51.00")), 422, "idempotency_key_reused");
      // Another user replaying someone's key gets the same refusal, never their response.
      await failsWith(create(key, body("50.00"), "admin"), 422);
      assert.equal(await paymentCount(w.crew.candidateId), count);
    });

    await t.step("reserved and malformed keys are 400", async () => {
      for (const key of ["payroll:abc12345", "short", "has space in it"]) {
        const error = await failsWith(create(key, body("5.00")), 400);
        assert.equal(error.status, 400, key);
      }
    });

    await t.step("50 concurrent identical creates → one row, 50 identical responses", async () => {
      const key = newKey();
      const count = await paymentCount(w.crew.candidateId);
      const results = await Promise.all(
        Array.from({ length: 50 }, () => create(key, body("777.77"))),
      );
      const statuses = new Set(results.map((r) => r.status));
      assert.deepEqual(
        [...statuses],
        [201],
        JSON.stringify(results.find((r) => r.status !== 201)?.data),
      );
      const bodies = new Set(results.map((r) => JSON.stringify(r.data)));
      assert.equal(bodies.size, 1, "every response body is byte-identical");
      assert.equal(await paymentCount(w.crew.candidateId), count + 1);
      const rows = await db()`
        select id from public.payments where candidate_id = ${w.crew.candidateId}
           and amount = 777.77`;
      assert.equal(rows.length, 1);
      assert.equal(rows[0].id, results[0].data.id);
      const replays = results.filter((r) => r.headers.get("idempotent-replayed") === "true");
      assert.equal(replays.length, 49);
    });

    await closeDb();
  },
});
