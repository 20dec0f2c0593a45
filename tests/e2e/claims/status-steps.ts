/**
 * Steps of the claims test (claims.test.ts) that drive the status machine: the draft through
 * submit → approve → pay, a rejection's reason, and 20 approvals racing for one claim. Bodies
 * only: the test runs them in its order on one world.
 */
import assert from "node:assert/strict";
import { db, DEMO, invoke } from "../../helpers/client.ts";
import { insertClaim } from "../candidates/fixtures.ts";
import { as, assertError, type Body, type ClaimsRun, statusOf } from "./fixtures.ts";

/**
 * Moves the draft through submit → approve → pay; its 40.00 is the summary step's paid total.
 */
export async function submitApprovePay(run: ClaimsRun): Promise<void> {
  const { w, crew, draftId } = run;
  const submitted = await invoke<Body>(crew, `claims/${draftId}/submit`, { method: "POST" });
  assert.equal(submitted.status, 200, JSON.stringify(submitted.data));
  assert.equal(submitted.data.status, "submitted");
  assert.ok(submitted.data.submitted_at);

  assertError(
    await invoke<Body>(crew, `claims/${draftId}`, {
      method: "PATCH",
      body: { amount: "50.00" },
    }),
    409,
    "invalid_transition",
  );
  const [row] = await db()`select amount::text from public.expense_claims where id = ${draftId}`;
  assert.equal(row.amount, "40.00");
  assertError(
    await invoke<Body>(crew, `claims/${draftId}/submit`, { method: "POST" }),
    409,
    "invalid_transition",
  );
  assertError(
    await invoke<Body>(crew, `claims/${draftId}/approve`, { method: "POST" }),
    403,
    "forbidden",
  );
  assertError(
    await invoke<Body>(as(w.manager.token), `claims/${draftId}/approve`, { method: "POST" }),
    403,
    "forbidden",
  );
  assertError(
    await invoke<Body>("finance", `claims/${draftId}/pay`, { method: "POST" }),
    409,
    "invalid_transition",
  );
  assert.equal(await statusOf(draftId), "submitted");

  const approved = await invoke<Body>("finance", `claims/${draftId}/approve`, {
    method: "POST",
  });
  assert.equal(approved.status, 200);
  assert.equal(approved.data.status, "approved");
  assert.equal(approved.data.decided_by, DEMO.finance);
  const seen = await invoke<Body>(as(w.manager.token), `claims/${draftId}`);
  assert.equal(seen.data.status, "approved");

  const paid = await invoke<Body>("admin", `claims/${draftId}/pay`, { method: "POST" });
  assert.equal(paid.status, 200);
  assert.equal(paid.data.status, "paid");
  assert.ok(paid.data.paid_at);
  assertError(
    await invoke<Body>("admin", `claims/${draftId}/pay`, { method: "POST" }),
    409,
    "invalid_transition",
  );
  assertError(
    await invoke<Body>("admin", `claims/${crypto.randomUUID()}/approve`, { method: "POST" }),
    404,
    "not_found",
  );
}

/** Rejects a submitted claim of crew2's made for this step. */
export async function rejectNeedsReason(run: ClaimsRun): Promise<void> {
  const { w } = run;
  const id = await insertClaim(w.projectId, w.crew2.candidateId, "submitted");
  for (const body of [{}, { reason: "   " }, { reason: 5 }]) {
    const res = await invoke<Body>("finance", `claims/${id}/reject`, { method: "POST", body });
    assertError(res, 400, "validation_failed");
  }
  const noBody = await invoke<Body>("finance", `claims/${id}/reject`, { method: "POST" });
  assert.equal(noBody.status, 400, JSON.stringify(noBody.data));
  assert.equal(await statusOf(id), "submitted");
  const res = await invoke<Body>("finance", `claims/${id}/reject`, {
    method: "POST",
    body: { reason: "No receipt" },
  });
  assert.equal(res.status, 200);
  assert.equal(res.data.status, "rejected");
  assert.equal(res.data.rejection_reason, "No receipt");
}

/** Races 20 approvals of one submitted claim; the list step finds it approved. */
export async function concurrentApprovals(run: ClaimsRun): Promise<void> {
  const { w } = run;
  const id = await insertClaim(w.projectId, w.crew.candidateId, "submitted");
  const results = await Promise.all(
    Array.from(
      { length: 20 },
      (_, i) =>
        invoke<Body>(i % 2 ? "finance" : "admin", `claims/${id}/approve`, { method: "POST" }),
    ),
  );
  const statuses = results.map((r) => r.status).sort();
  assert.equal(statuses.filter((s) => s === 200).length, 1, JSON.stringify(statuses));
  assert.equal(statuses.filter((s) => s === 409).length, 19, JSON.stringify(statuses));
  for (const r of results.filter((r) => r.status === 409)) {
    assert.equal(r.data.error.code, "invalid_transition");
  }
  assert.equal(await statusOf(id), "approved");
  const [log] = await db()`
    select count(*)::int as n from public.activity_logs
     where entity = 'expense_claims' and entity_id = ${id} and action = 'update'`;
  assert.equal(log.n, 1, "one status change was recorded");
}
