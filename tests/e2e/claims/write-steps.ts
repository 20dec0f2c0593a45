/**
 * Steps of the claims test (claims.test.ts) that write claims: the crew member's draft, the
 * creates that must write nothing, and edits of the draft. Bodies only: the test runs them in its
 * order on one world.
 */
import assert from "node:assert/strict";
import { crewAs, db, failsWith, invoke, routesAs } from "../../helpers/client.ts";
import { as, assertError, type Body, claimCount, type ClaimsRun } from "./fixtures.ts";

/** Creates the draft the later steps move along; sets `run.draftId`. */
export async function createOwnDraft(run: ClaimsRun): Promise<void> {
  const { w, crew } = run;
  const res = await routesAs(crew).claims("post", "/claims")({
    body: { project_id: w.projectId, category: "meals", amount: "35.90", description: "Lunch" },
  });
  assert.equal(res.status, 201, JSON.stringify(res.data));
  assert.equal(res.data.status, "draft");
  assert.equal(res.data.candidate_id, w.crew.candidateId);
  assert.equal(res.data.amount, "35.90");
  run.draftId = res.data.id;
  const [row] =
    await db()`select amount::text, created_by from public.expense_claims where id = ${run.draftId}`;
  assert.equal(row.amount, "35.90");
  assert.equal(row.created_by, w.crew.id);
}

/**
 * Creates that must write nothing; then finance's claim for crew2 on project 2, which the list and
 * summary steps count.
 */
export async function createRefused(run: ClaimsRun): Promise<void> {
  const { w, crew } = run;
  const claims = crewAs(crew).claims;
  const before = await claimCount(w.crew.candidateId);
  const base = { project_id: w.projectId, category: "meals" } as const;
  // Raw: money as a number (the types want a string).
  const asNumber = await invoke<Body>(crew, "claims", {
    method: "POST",
    body: { ...base, amount: 35.9 },
  });
  assertError(asNumber, 400, "validation_failed");
  assert.ok(asNumber.data.error.details.amount);
  for (const amount of ["1.005", "0", "-5", "abc"]) {
    const error = await failsWith(claims.create({ ...base, amount }), 400, "validation_failed");
    assert.ok(error.details?.amount);
  }
  // Raw: a field ClaimCreate does not have, a category outside its enum.
  assertError(
    await invoke<Body>(crew, "claims", {
      method: "POST",
      body: { ...base, amount: "5.00", x: 1 },
    }),
    400,
    "validation_failed",
  );
  assertError(
    await invoke<Body>(crew, "claims", {
      method: "POST",
      body: { ...base, category: "fun", amount: "5.00" },
    }),
    400,
    "validation_failed",
  );
  // Not assigned to project 2.
  await failsWith(
    claims.create({ ...base, project_id: w.project2Id, amount: "5.00" }),
    422,
    "unprocessable",
  );
  // Crew may not claim for someone else.
  await failsWith(
    claims.create({ ...base, amount: "5.00", candidate_id: w.crew2.candidateId }),
    403,
    "forbidden",
  );
  // Managers do not create claims.
  await failsWith(
    crewAs(as(w.manager.token)).claims.create({
      ...base,
      amount: "5.00",
      candidate_id: w.crew.candidateId,
    }),
    403,
    "forbidden",
  );
  // Staff must name the candidate.
  await failsWith(
    crewAs("admin").claims.create({ ...base, amount: "5.00" }),
    400,
    "validation_failed",
  );
  assert.equal(await claimCount(w.crew.candidateId), before);
  assert.equal(await claimCount(w.crew2.candidateId), 0);

  const byFinance = await routesAs("finance").claims("post", "/claims")({
    body: {
      ...base,
      project_id: w.project2Id,
      amount: "12.00",
      candidate_id: w.crew2.candidateId,
    },
  });
  assert.equal(byFinance.status, 201, JSON.stringify(byFinance.data));
  assert.equal(byFinance.data.candidate_id, w.crew2.candidateId);
}

/** Edits the draft to 40.00, the amount the pay and summary steps expect. */
export async function editDraft(run: ClaimsRun): Promise<void> {
  const { crew, crew2, draftId } = run;
  const res = await routesAs(crew).claims("patch", "/claims/{id}")({
    path: { id: draftId },
    body: { amount: "40.00", description: "Lunch and parking" },
  });
  assert.equal(res.status, 200, JSON.stringify(res.data));
  assert.equal(res.data.amount, "40.00");
  const read = await crewAs("admin").claims.getById(draftId);
  assert.equal(read.amount, "40.00", "the cached entry was invalidated");
  await failsWith(
    crewAs(crew2).claims.update(draftId, { amount: "1.00" }),
    404,
    "not_found",
  );
  await failsWith(
    crewAs("finance").claims.update(draftId, { amount: "1.00" }),
    403,
    "forbidden",
  );
  // Raw: money as a number (the types want a string).
  assertError(
    await invoke<Body>(crew, `claims/${draftId}`, { method: "PATCH", body: { amount: 1 } }),
    400,
    "validation_failed",
  );
  await failsWith(crewAs(crew).claims.update(draftId, {}), 400, "validation_failed");
}
