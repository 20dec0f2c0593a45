/**
 * Status moves through the real stack: every (status, action) pair — the five allowed moves
 * succeed, every other one is 409 invalid_transition with the row unchanged — and bulk approval.
 */
import assert from "node:assert/strict";
import { closeDb, crewAs, db, failsWith, invoke, routesAs } from "../../helpers/client.ts";
import { insertPayment, makeWorld } from "./fixtures.ts";

const STATUSES = ["pending", "approved", "paid", "failed", "cancelled"] as const;
/** Each move as finance through the typed routes (status and body). */
const finance = routesAs("finance");
const ACTIONS = {
  approve: {
    to: "approved",
    call: (id: string) => finance.payments("post", "/payments/{id}/approve")({ path: { id } }),
  },
  pay: {
    to: "paid",
    call: (id: string) =>
      finance.payments("post", "/payments/{id}/pay")({
        path: { id },
        body: { reference: "BANK-REF-1" },
      }),
  },
  fail: {
    to: "failed",
    call: (id: string) =>
      finance.payments("post", "/payments/{id}/fail")({
        path: { id },
        body: { reason: "Account closed" },
      }),
  },
  cancel: {
    to: "cancelled",
    call: (id: string) => finance.payments("post", "/payments/{id}/cancel")({ path: { id } }),
  },
} as const;
const ALLOWED = new Set([
  "pending>approve",
  "pending>cancel",
  "approved>pay",
  "approved>fail",
  "approved>cancel",
]);

Deno.test({
  name: "payments transitions",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const w = await makeWorld();
    const statusOf = async (id: string) =>
      (await db()`select status::text from public.payments where id = ${id}`)[0]?.status;

    for (const from of STATUSES) {
      for (const [action, { to, call }] of Object.entries(ACTIONS)) {
        const allowed = ALLOWED.has(`${from}>${action}`);
        await t.step(`${from} → ${action}: ${allowed ? "200" : "409"}`, async () => {
          const id = await insertPayment(w.projectId, w.crew.candidateId, { status: from });
          if (allowed) {
            const res = await call(id);
            assert.equal(res.status, 200, JSON.stringify(res.data));
            assert.equal(res.data.status, to);
            assert.equal(await statusOf(id), to);
            if (action === "pay") {
              assert.equal(res.data.reference, "BANK-REF-1");
              assert.ok(res.data.paid_at);
            }
            if (action === "fail") assert.equal(res.data.failure_reason, "Account closed");
          } else {
            await failsWith(call(id), 409, "invalid_transition");
            assert.equal(await statusOf(id), from);
          }
        });
      }
    }

    await t.step("unknown id → 404; bad id → 400; fail without reason → 400", async () => {
      await failsWith(crewAs("finance").payments.approve(crypto.randomUUID()), 404);
      await failsWith(crewAs("finance").payments.approve("nope"), 400);
      const id = await insertPayment(w.projectId, w.crew.candidateId, { status: "approved" });
      // Raw: a fail without its required reason (the types require one).
      const noReason = await invoke("finance", `payments/${id}/fail`, { method: "POST", body: {} });
      assert.equal(noReason.status, 400);
      assert.equal(await statusOf(id), "approved");
    });

    await t.step("approve many: approved ids and per-id errors, in one call", async () => {
      const pending = await Promise.all(
        [1, 2, 3].map(() => insertPayment(w.projectId, w.crew.candidateId)),
      );
      const paid = await insertPayment(w.projectId, w.crew.candidateId, { status: "paid" });
      const missing = crypto.randomUUID();
      const res = await routesAs("admin").payments("post", "/payments/approve")({
        body: { ids: [...pending, paid, missing, pending[0]] },
      });
      assert.equal(res.status, 200, JSON.stringify(res.data));
      assert.deepEqual(res.data.approved, pending);
      assert.deepEqual(res.data.errors, [
        { id: paid, code: "invalid_transition", status: "paid" },
        { id: missing, code: "not_found" },
      ]);
      for (const id of pending) assert.equal(await statusOf(id), "approved");
      assert.equal(await statusOf(paid), "paid");
      const again = await crewAs("finance").payments.approveMany({ ids: pending });
      assert.deepEqual(again.approved, []);
      assert.equal(again.errors.length, 3);
    });

    await t.step("approve many: limits and roles", async () => {
      const tooMany = Array.from({ length: 501 }, () => crypto.randomUUID());
      await failsWith(crewAs("finance").payments.approveMany({ ids: tooMany }), 400);
      await failsWith(crewAs("finance").payments.approveMany({ ids: [] }), 400);
      const id = await insertPayment(w.projectId, w.crew.candidateId);
      for (const token of [w.manager.token, w.crew.token]) {
        await failsWith(crewAs({ token }).payments.approveMany({ ids: [id] }), 403);
      }
      assert.equal(await statusOf(id), "pending");
    });

    await closeDb();
  },
});
