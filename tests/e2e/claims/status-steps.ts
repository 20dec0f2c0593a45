/**
 * Steps of the claims test (claims.test.ts) that drive the status machine: the draft through
 * submit → approve → pay, a rejection's reason, and 20 approvals racing for one claim. Bodies
 * only: the test runs them in its order on one world.
 */
import assert from "node:assert/strict";
import { CrewApiError } from "../../../client/index.ts";
import { crewAs, db, DEMO, failsWith, invoke, routesAs } from "../../helpers/client.ts";
import { insertClaim } from "../candidates/fixtures.ts";
import { as, assertError, type Body, type ClaimsRun, statusOf } from "./fixtures.ts";

/**
 * Moves the draft through submit → approve → pay; its 40.00 is the summary step's paid total.
 */
export async function submitApprovePay(run: ClaimsRun): Promise<void> {
  const { w, crew, draftId } = run;
  const claims = crewAs(crew).claims;
  const submitted = await routesAs(crew).claims("post", "/claims/{id}/submit")({
    path: { id: draftId },
  });
  assert.equal(submitted.status, 200, JSON.stringify(submitted.data));
  assert.equal(submitted.data.status, "submitted");
  assert.ok(submitted.data.submitted_at);

  await failsWith(claims.update(draftId, { amount: "50.00" }), 409, "invalid_transition");
  const [row] = await db()`select amount::text from public.expense_claims where id = ${draftId}`;
  assert.equal(row.amount, "40.00");
  await failsWith(claims.submit(draftId), 409, "invalid_transition");
  await failsWith(claims.approve(draftId), 403, "forbidden");
  await failsWith(crewAs(as(w.manager.token)).claims.approve(draftId), 403, "forbidden");
  await failsWith(crewAs("finance").claims.pay(draftId), 409, "invalid_transition");
  assert.equal(await statusOf(draftId), "submitted");

  const approved = await routesAs("finance").claims("post", "/claims/{id}/approve")({
    path: { id: draftId },
  });
  assert.equal(approved.status, 200);
  assert.equal(approved.data.status, "approved");
  assert.equal(approved.data.decided_by, DEMO.finance);
  const seen = await crewAs(as(w.manager.token)).claims.getById(draftId);
  assert.equal(seen.status, "approved");

  const paid = await routesAs("admin").claims("post", "/claims/{id}/pay")({
    path: { id: draftId },
  });
  assert.equal(paid.status, 200);
  assert.equal(paid.data.status, "paid");
  assert.ok(paid.data.paid_at);
  await failsWith(crewAs("admin").claims.pay(draftId), 409, "invalid_transition");
  await failsWith(crewAs("admin").claims.approve(crypto.randomUUID()), 404, "not_found");
}

/** Rejects a submitted claim of crew2's made for this step. */
export async function rejectNeedsReason(run: ClaimsRun): Promise<void> {
  const { w } = run;
  const id = await insertClaim(w.projectId, w.crew2.candidateId, "submitted");
  // Raw: bodies the types forbid (no reason, a number for a reason, no body at all).
  for (const body of [{}, { reason: 5 }]) {
    const res = await invoke<Body>("finance", `claims/${id}/reject`, { method: "POST", body });
    assertError(res, 400, "validation_failed");
  }
  await failsWith(
    crewAs("finance").claims.reject(id, { reason: "   " }),
    400,
    "validation_failed",
  );
  const noBody = await invoke<Body>("finance", `claims/${id}/reject`, { method: "POST" });
  assert.equal(noBody.status, 400, JSON.stringify(noBody.data));
  assert.equal(await statusOf(id), "submitted");
  const res = await routesAs("finance").claims("post", "/claims/{id}/reject")({
    path: { id },
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
  const results = await Promise.allSettled(
    Array.from(
      { length: 20 },
      (_, i) =>
        routesAs(i % 2 ? "finance" : "admin").claims("post", "/claims/{id}/approve")({
          path: { id },
        }),
    ),
  );
  const refusals = results.flatMap((r) => r.status === "rejected" ? [r.reason] : []);
  for (const e of refusals) if (!(e instanceof CrewApiError)) throw e;
  const errors = refusals.filter((e) => e instanceof CrewApiError);
  const statuses = [
    ...results.flatMap((r) => r.status === "fulfilled" ? [r.value.status] : []),
    ...errors.map((e) => e.status),
  ].sort();
  assert.equal(statuses.filter((s) => s === 200).length, 1, JSON.stringify(statuses));
  assert.equal(statuses.filter((s) => s === 409).length, 19, JSON.stringify(statuses));
  for (const e of errors.filter((e) => e.status === 409)) {
    assert.equal(e.code, "invalid_transition");
  }
  assert.equal(await statusOf(id), "approved");
  const [log] = await db()`
    select count(*)::int as n from public.activity_logs
     where entity = 'expense_claims' and entity_id = ${id} and action = 'update'`;
  assert.equal(log.n, 1, "one status change was recorded");
}
