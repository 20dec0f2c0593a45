/**
 * Steps of the claims test (claims.test.ts) that read: one claim per caller (the cache never
 * handing it to one who may not see it), lists, summary and stats. Bodies only: the test runs
 * them in its order, so they count what the earlier steps wrote.
 */
import assert from "node:assert/strict";
import {
  type Caller,
  crewAs,
  db,
  errorText,
  failsWith,
  invoke,
  routesAs,
} from "../../helpers/client.ts";
import { as, assertError, type Body, claimCount, type ClaimsRun } from "./fixtures.ts";

/** GET /claims/{id} as `who`, with the answer's status and headers. */
const getClaim = (who: Caller, id: string) =>
  routesAs(who).claims("get", "/claims/{id}")({ path: { id } });

/** Reads the draft as each caller; the refusals come once it is cached. */
export async function getPerCaller(run: ClaimsRun): Promise<void> {
  const { w, crew, crew2, draftId } = run;
  const admin = await getClaim("admin", draftId);
  assert.equal(admin.status, 200);
  assert.equal(admin.data.project_title, `Claims test ${w.tag}`);
  assert.ok(admin.headers.get("x-cache"));
  for (const who of ["finance", as(w.manager.token), crew] as const) {
    const res = await getClaim(who, draftId);
    assert.equal(res.status, 200, JSON.stringify(res.data));
    assert.equal(res.data.id, draftId);
  }
  // The entry is cached now; manager2 and crew2 must still be refused.
  await failsWith(crewAs(as(w.manager2.token)).claims.getById(draftId), 404, "not_found");
  const other = await failsWith(crewAs(crew2).claims.getById(draftId), 404, "not_found");
  assert.ok(!errorText(other).includes("35.90"));
  await failsWith(crewAs("admin").claims.getById(crypto.randomUUID()), 404, "not_found");
}

/**
 * Lists per role, counting what earlier steps left: the draft, the raced approval, finance's claim
 * on project 2.
 */
export async function listScoped(run: ClaimsRun): Promise<void> {
  const { w, crew } = run;
  const own = await routesAs(crew).claims("get", "/claims")({ query: { limit: 200 } });
  assert.equal(own.status, 200);
  assert.ok(own.data.data.length >= 2);
  assert.ok(own.data.data.every((c) => c.candidate_id === w.crew.candidateId));

  const mgr2 = await crewAs(as(w.manager2.token)).claims.list({ limit: 200 });
  assert.ok(mgr2.data.length >= 1);
  assert.ok(mgr2.data.every((c) => c.project_id === w.project2Id));

  const byProject = await crewAs("finance").claims.list({ project_id: w.projectId, limit: 200 });
  const expected = await db()`
    select id from public.expense_claims where project_id = ${w.projectId}`;
  assert.equal(byProject.data.length, expected.length);

  const admin = crewAs("admin").claims;
  const approved = await admin.list({ project_id: w.projectId, status: "approved" });
  assert.ok(approved.data.length >= 1);
  assert.ok(approved.data.every((c) => c.status === "approved"));

  const today = new Date().toISOString().slice(0, 10);
  const dated = await admin.list({ candidate_id: w.crew.candidateId, from: today, to: today });
  assert.equal(dated.data.length, await claimCount(w.crew.candidateId));
  const past = await admin.list({ candidate_id: w.crew.candidateId, to: "2000-01-01" });
  assert.equal(past.data.length, 0);

  const p1 = await admin.list({ project_id: w.projectId, limit: 1 });
  assert.ok(p1.next_cursor);
  const p2 = await admin.list({ project_id: w.projectId, limit: 1, cursor: p1.next_cursor });
  assert.equal(p1.data.length, 1);
  assert.equal(p2.data.length, 1);
  assert.notEqual(p1.data[0].id, p2.data[0].id);

  await failsWith(admin.list({ from: "2025-02-30" }), 400, "validation_failed");
  await failsWith(admin.list({ from: "2025-03-01", to: "2025-02-01" }), 400, "validation_failed");
  // Raw: a status outside the list's enum (the types forbid it).
  assertError(await invoke<Body>("admin", "claims?status=lost"), 400, "validation_failed");
}

/** Totals by status per scope; the paid 40.00 is the draft's. */
export async function summaryScoped(run: ClaimsRun): Promise<void> {
  const { w, crew2 } = run;
  const fin = await routesAs("finance").claims("get", "/claims/summary")({
    query: { project_id: w.projectId },
  });
  assert.equal(fin.status, 200, JSON.stringify(fin.data));
  const byStatus: Record<string, { count: number; amount: string }> = fin.data.by_status;
  const rows = await db()`
    select status, count(*)::int as n, sum(amount)::numeric(14,2)::text as total
      from public.expense_claims where project_id = ${w.projectId} group by status`;
  for (const r of rows) {
    assert.equal(byStatus[r.status].count, r.n);
    assert.equal(byStatus[r.status].amount, r.total);
  }
  assert.equal(fin.data.by_status.paid.amount, "40.00");

  const own = await crewAs(crew2).claims.summary();
  const [mine] = await db()`
    select count(*)::int as n from public.expense_claims where candidate_id = ${w.crew2.candidateId}`;
  const total = Object.values(own.by_status).reduce((n, b) => n + b.count, 0);
  assert.equal(total, mine.n);

  const mgr = await crewAs(as(w.manager.token)).claims.summary({ project_id: w.project2Id });
  const none = Object.values(mgr.by_status).reduce((n, b) => n + b.count, 0);
  assert.equal(none, 0, "a manager sees nothing of another manager's project");
}

/** Stats are admin only; anon is refused. */
export async function statsAdminOnly(): Promise<void> {
  // Raw: stats is left out of the typed client (not an app route).
  assert.equal((await invoke<Body>("admin", "claims/stats")).status, 200);
  assertError(await invoke<Body>("finance", "claims/stats"), 403, "forbidden");
  await failsWith(crewAs("anon").claims.list(), 401, "unauthorized");
}
