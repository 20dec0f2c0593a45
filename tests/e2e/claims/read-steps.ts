/**
 * Steps of the claims test (claims.test.ts) that read: one claim per caller (the cache never
 * handing it to one who may not see it), lists, summary and stats. Bodies only: the test runs
 * them in its order, so they count what the earlier steps wrote.
 */
import assert from "node:assert/strict";
import { db, invoke } from "../../helpers/client.ts";
import { as, assertError, type Body, claimCount, type ClaimsRun } from "./fixtures.ts";

/** Reads the draft as each caller; the refusals come once it is cached. */
export async function getPerCaller(run: ClaimsRun): Promise<void> {
  const { w, crew, crew2, draftId } = run;
  const admin = await invoke<Body>("admin", `claims/${draftId}`);
  assert.equal(admin.status, 200);
  assert.equal(admin.data.project_title, `Claims test ${w.tag}`);
  assert.ok(admin.headers.get("x-cache"));
  for (const who of ["finance", as(w.manager.token), crew] as const) {
    const res = await invoke<Body>(who, `claims/${draftId}`);
    assert.equal(res.status, 200, JSON.stringify(res.data));
    assert.equal(res.data.id, draftId);
  }
  // The entry is cached now; manager2 and crew2 must still be refused.
  assertError(await invoke<Body>(as(w.manager2.token), `claims/${draftId}`), 404, "not_found");
  const other = await invoke<Body>(crew2, `claims/${draftId}`);
  assertError(other, 404, "not_found");
  assert.ok(!JSON.stringify(other.data).includes("35.90"));
  assertError(await invoke<Body>("admin", `claims/${crypto.randomUUID()}`), 404, "not_found");
}

/**
 * Lists per role, counting what earlier steps left: the draft, the raced approval, finance's claim
 * on project 2.
 */
export async function listScoped(run: ClaimsRun): Promise<void> {
  const { w, crew } = run;
  const own = await invoke<Body>(crew, "claims?limit=200");
  assert.equal(own.status, 200);
  assert.ok(own.data.data.length >= 2);
  assert.ok(own.data.data.every((c: Body) => c.candidate_id === w.crew.candidateId));

  const mgr2 = await invoke<Body>(as(w.manager2.token), "claims?limit=200");
  assert.ok(mgr2.data.data.length >= 1);
  assert.ok(mgr2.data.data.every((c: Body) => c.project_id === w.project2Id));

  const byProject = await invoke<Body>("finance", `claims?project_id=${w.projectId}&limit=200`);
  const expected = await db()`
    select id from public.expense_claims where project_id = ${w.projectId}`;
  assert.equal(byProject.data.data.length, expected.length);

  const approved = await invoke<Body>(
    "admin",
    `claims?project_id=${w.projectId}&status=approved`,
  );
  assert.ok(approved.data.data.length >= 1);
  assert.ok(approved.data.data.every((c: Body) => c.status === "approved"));

  const today = new Date().toISOString().slice(0, 10);
  const dated = await invoke<Body>(
    "admin",
    `claims?candidate_id=${w.crew.candidateId}&from=${today}&to=${today}`,
  );
  assert.equal(dated.data.data.length, await claimCount(w.crew.candidateId));
  const past = await invoke<Body>(
    "admin",
    `claims?candidate_id=${w.crew.candidateId}&to=2000-01-01`,
  );
  assert.equal(past.data.data.length, 0);

  const p1 = await invoke<Body>("admin", `claims?project_id=${w.projectId}&limit=1`);
  const p2 = await invoke<Body>(
    "admin",
    `claims?project_id=${w.projectId}&limit=1&cursor=${p1.data.next_cursor}`,
  );
  assert.equal(p1.data.data.length, 1);
  assert.equal(p2.data.data.length, 1);
  assert.notEqual(p1.data.data[0].id, p2.data.data[0].id);

  assertError(await invoke<Body>("admin", "claims?from=2025-02-30"), 400, "validation_failed");
  assertError(
    await invoke<Body>("admin", "claims?from=2025-03-01&to=2025-02-01"),
    400,
    "validation_failed",
  );
  assertError(await invoke<Body>("admin", "claims?status=lost"), 400, "validation_failed");
}

/** Totals by status per scope; the paid 40.00 is the draft's. */
export async function summaryScoped(run: ClaimsRun): Promise<void> {
  const { w, crew2 } = run;
  const fin = await invoke<Body>("finance", `claims/summary?project_id=${w.projectId}`);
  assert.equal(fin.status, 200, JSON.stringify(fin.data));
  const rows = await db()`
    select status, count(*)::int as n, sum(amount)::numeric(14,2)::text as total
      from public.expense_claims where project_id = ${w.projectId} group by status`;
  for (const r of rows) {
    assert.equal(fin.data.by_status[r.status].count, r.n);
    assert.equal(fin.data.by_status[r.status].amount, r.total);
  }
  assert.equal(fin.data.by_status.paid.amount, "40.00");

  const own = await invoke<Body>(crew2, "claims/summary");
  const [mine] = await db()`
    select count(*)::int as n from public.expense_claims where candidate_id = ${w.crew2.candidateId}`;
  const total = Object.values(own.data.by_status as Record<string, Body>)
    .reduce((n, b) => n + b.count, 0);
  assert.equal(total, mine.n);

  const mgr = await invoke<Body>(
    as(w.manager.token),
    `claims/summary?project_id=${w.project2Id}`,
  );
  const none = Object.values(mgr.data.by_status as Record<string, Body>)
    .reduce((n, b) => n + b.count, 0);
  assert.equal(none, 0, "a manager sees nothing of another manager's project");
}

/** Stats are admin only; anon is refused. */
export async function statsAdminOnly(): Promise<void> {
  assert.equal((await invoke<Body>("admin", "claims/stats")).status, 200);
  assertError(await invoke<Body>("finance", "claims/stats"), 403, "forbidden");
  assertError(await invoke<Body>("anon", "claims"), 401, "unauthorized");
}
