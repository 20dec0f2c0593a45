/**
 * End to end: every claims route through supabase-js → gateway → function process, for each app
 * role: drafts, edits, the status machine (and its 409s), the 20-way approval race, lists,
 * summary, and the cache never handing a claim to a caller who may not see it.
 */
import assert from "node:assert/strict";
import { closeDb, db, DEMO, invoke } from "../_helpers/client.ts";
import { insertClaim, makeWorld, type World } from "./candidates_fixtures.ts";

// deno-lint-ignore no-explicit-any
type Body = Record<string, any>;

const as = (token: string) => ({ token });

function assertError(res: { status: number; data: Body }, status: number, code: string) {
  assert.equal(res.status, status, JSON.stringify(res.data));
  assert.equal(res.data.error?.code, code, JSON.stringify(res.data));
}

async function statusOf(id: string): Promise<string> {
  const [row] = await db()`select status from public.expense_claims where id = ${id}`;
  return row.status;
}

async function claimCount(candidateId: string): Promise<number> {
  const [row] = await db()`
    select count(*)::int as n from public.expense_claims where candidate_id = ${candidateId}`;
  return row.n;
}

Deno.test({
  name: "claims function",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const w: World = await makeWorld();
    const crew = as(w.crew.token);
    const crew2 = as(w.crew2.token);
    let draftId = "";

    await t.step("create: crew for themselves; candidate resolved from the login", async () => {
      const res = await invoke<Body>(crew, "claims", {
        method: "POST",
        body: { project_id: w.projectId, category: "meals", amount: "35.90", description: "Lunch" },
      });
      assert.equal(res.status, 201, JSON.stringify(res.data));
      assert.equal(res.data.status, "draft");
      assert.equal(res.data.candidate_id, w.crew.candidateId);
      assert.equal(res.data.amount, "35.90");
      draftId = res.data.id;
      const [row] =
        await db()`select amount::text, created_by from public.expense_claims where id = ${draftId}`;
      assert.equal(row.amount, "35.90");
      assert.equal(row.created_by, w.crew.id);
    });

    await t.step("create: bad input and refused callers leave nothing behind", async () => {
      const before = await claimCount(w.crew.candidateId);
      const base = { project_id: w.projectId, category: "meals" };
      for (const amount of [35.9, "1.005", "0", "-5", "abc"]) {
        const res = await invoke<Body>(crew, "claims", {
          method: "POST",
          body: { ...base, amount },
        });
        assertError(res, 400, "validation_failed");
        assert.ok(res.data.error.details.amount);
      }
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
      assertError(
        await invoke<Body>(crew, "claims", {
          method: "POST",
          body: { ...base, project_id: w.project2Id, amount: "5.00" },
        }),
        422,
        "unprocessable",
      );
      // Crew may not claim for someone else.
      assertError(
        await invoke<Body>(crew, "claims", {
          method: "POST",
          body: { ...base, amount: "5.00", candidate_id: w.crew2.candidateId },
        }),
        403,
        "forbidden",
      );
      // Managers do not create claims.
      assertError(
        await invoke<Body>(as(w.manager.token), "claims", {
          method: "POST",
          body: { ...base, amount: "5.00", candidate_id: w.crew.candidateId },
        }),
        403,
        "forbidden",
      );
      // Staff must name the candidate.
      assertError(
        await invoke<Body>("admin", "claims", {
          method: "POST",
          body: { ...base, amount: "5.00" },
        }),
        400,
        "validation_failed",
      );
      assert.equal(await claimCount(w.crew.candidateId), before);
      assert.equal(await claimCount(w.crew2.candidateId), 0);

      const byFinance = await invoke<Body>("finance", "claims", {
        method: "POST",
        body: {
          ...base,
          project_id: w.project2Id,
          amount: "12.00",
          candidate_id: w.crew2.candidateId,
        },
      });
      assert.equal(byFinance.status, 201, JSON.stringify(byFinance.data));
      assert.equal(byFinance.data.candidate_id, w.crew2.candidateId);
    });

    await t.step("get: claimant, staff, owning manager; others 404 even when cached", async () => {
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
    });

    await t.step("edit: draft only, claimant or admin", async () => {
      const res = await invoke<Body>(crew, `claims/${draftId}`, {
        method: "PATCH",
        body: { amount: "40.00", description: "Lunch and parking" },
      });
      assert.equal(res.status, 200, JSON.stringify(res.data));
      assert.equal(res.data.amount, "40.00");
      const read = await invoke<Body>("admin", `claims/${draftId}`);
      assert.equal(read.data.amount, "40.00", "the cached entry was invalidated");
      assertError(
        await invoke<Body>(crew2, `claims/${draftId}`, {
          method: "PATCH",
          body: { amount: "1.00" },
        }),
        404,
        "not_found",
      );
      assertError(
        await invoke<Body>("finance", `claims/${draftId}`, {
          method: "PATCH",
          body: { amount: "1.00" },
        }),
        403,
        "forbidden",
      );
      assertError(
        await invoke<Body>(crew, `claims/${draftId}`, { method: "PATCH", body: { amount: 1 } }),
        400,
        "validation_failed",
      );
      assertError(
        await invoke<Body>(crew, `claims/${draftId}`, { method: "PATCH", body: {} }),
        400,
        "validation_failed",
      );
    });

    await t.step("submit → approve → pay; wrong moves 409, wrong roles 403", async () => {
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
      const [row] =
        await db()`select amount::text from public.expense_claims where id = ${draftId}`;
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
    });

    await t.step("reject: a reason is required", async () => {
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
    });

    await t.step("20 concurrent approvals: exactly one 200, nineteen 409", async () => {
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
    });

    await t.step("list: scoped per role, filters, keyset pages", async () => {
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
    });

    await t.step("summary: totals by status per scope", async () => {
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
    });

    await t.step("stats: admin only; anon refused everywhere", async () => {
      assert.equal((await invoke<Body>("admin", "claims/stats")).status, 200);
      assertError(await invoke<Body>("finance", "claims/stats"), 403, "forbidden");
      assertError(await invoke<Body>("anon", "claims"), 401, "unauthorized");
    });

    await closeDb();
  },
});
