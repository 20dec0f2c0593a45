/**
 * Steps of the candidates test (candidates.test.ts) that read: one record per caller (the cache
 * never handing it to one who may not see it), me, search, assignments, earnings and stats.
 * Bodies only: the test runs them in its order, so they see what the earlier steps wrote.
 */
import assert from "node:assert/strict";
import { type Caller, crewAs, db, errorText, invoke, routesAs } from "../../helpers/client.ts";
import {
  as,
  assertError,
  type Body,
  dashed,
  makeCandidate,
  refused,
  type World,
} from "./fixtures.ts";

/** GET /candidates/{id} as `who`, with the answer's status and headers. */
const getCandidate = (who: Caller, id: string) =>
  routesAs(who).candidates("get", "/candidates/{id}")({ path: { id } });

/**
 * Gives crew bank details, then reads crew's record as each caller; fills the cache for the next
 * step.
 */
export async function getPerCaller(w: World): Promise<void> {
  await db()`
    insert into public.candidate_bank_accounts (candidate_id, bank_name, account_number, account_holder)
    values (${w.crew.candidateId}, 'Maybank', '1122334455', 'Aminah')`;
  for (const who of ["admin", "finance", { token: w.crew.token }] as const) {
    const res = await getCandidate(who, w.crew.candidateId);
    assert.equal(res.status, 200, JSON.stringify(res.data));
    assert.equal(res.data.ic_number, w.crew.ic);
    assert.equal(res.data.bank?.account_number, "1122334455");
    assert.ok(["l1", "l2", "loader", "joined"].includes(res.headers.get("x-cache")!));
  }
  const mgr = await getCandidate(as(w.manager.token), w.crew.candidateId);
  assert.equal(mgr.status, 200);
  assert.equal(mgr.data.ic_number, w.crew.ic);
  assert.ok(!("bank" in mgr.data), "managers never see bank details");
  assert.ok(!JSON.stringify(mgr.data).includes("1122334455"));
}

/** Crew2 asks for crew's (cached) record and for an uncached one: 404 both times. */
export async function getRefused(w: World): Promise<void> {
  const tag = w.tag;
  const crew2 = crewAs(as(w.crew2.token));
  // Admin's read above filled the shared entry for crew; crew2 must not be served from it.
  const error = await refused(crew2.candidates.getById(w.crew.candidateId), 404, "not_found");
  assert.ok(!errorText(error).includes(w.crew.ic));
  // And an uncached one (nobody read it yet).
  const other = await makeCandidate(`Uncached ${tag}`);
  await refused(crew2.candidates.getById(other.id), 404, "not_found");
  // The crew miss cached nothing wrong: admin still gets the record.
  const admin = await crewAs("admin").candidates.getById(other.id);
  assert.equal(admin.ic_number, other.ic);
  await refused(crewAs("admin").candidates.getById(crypto.randomUUID()), 404, "not_found");
  await refused(crewAs("admin").candidates.getById("not-a-uuid"), 400, "validation_failed");
}

/** The caller's own record; admin has none. */
export async function getMe(w: World): Promise<void> {
  const me = await routesAs(as(w.crew2.token)).candidates("get", "/candidates/me")({});
  assert.equal(me.status, 200);
  assert.equal(me.data.id, w.crew2.candidateId);
  assert.equal(me.data.ic_number, w.crew2.ic);
  await refused(crewAs("admin").candidates.me(), 404, "not_found");
}

/** Searches three fresh candidates tagged with the world's tag. */
export async function searchMasked(w: World): Promise<void> {
  const tag = w.tag;
  const names = ["Alpha", "Bravo", "Charlie"].map((n) => `Zulkifli ${n} ${tag}`);
  const made = [];
  for (const n of names) made.push(await makeCandidate(n, null, { skills: ["audio", tag] }));
  const search = (who: Caller, cursor?: string) =>
    routesAs(who).candidates("get", "/candidates")({
      query: { q: tag, skills: tag, limit: 2, cursor },
    });
  const first = await search("manager");
  assert.equal(first.status, 200, JSON.stringify(first.data));
  assert.equal(first.data.data.length, 2);
  assert.ok(first.data.next_cursor);
  const second = await search("finance", first.data.next_cursor);
  assert.equal(second.status, 200);
  assert.equal(second.data.data.length, 1);
  assert.equal(second.data.next_cursor, null);
  const ids = [...first.data.data, ...second.data.data].map((c) => c.id).sort();
  assert.deepEqual(ids, made.map((m) => m.id).sort());
  for (const c of [...first.data.data, ...second.data.data]) {
    assert.match(c.ic_number, /^\*{6}-\*{2}-\d{4}$/);
    assert.ok(!("date_of_birth" in c));
  }

  const admin = crewAs("admin");
  const byIc = await admin.candidates.list({ ic: dashed(made[1].ic) });
  assert.equal(byIc.data.length, 1);
  assert.equal(byIc.data[0].id, made[1].id);
  assert.equal(byIc.data[0].ic_number, `******-**-${made[1].ic.slice(-4)}`);
  assert.ok(!JSON.stringify(byIc).includes(made[1].ic));

  const inactive = await admin.candidates.list({ skills: tag, status: "inactive" });
  assert.equal(inactive.data.length, 0);
  const noSkill = await admin.candidates.list({ skills: `${tag},juggling` });
  assert.equal(noSkill.data.length, 0);

  await refused(crewAs(as(w.crew.token)).candidates.list({ q: tag }), 403, "forbidden");
  await refused(admin.candidates.list({ limit: 0 }), 400, "validation_failed");
  await refused(admin.candidates.list({ ic: "123" }), 400, "validation_failed");
  await refused(admin.candidates.list({ cursor: "zzz" }), 400, "bad_request");
  await refused(crewAs("anon").candidates.list(), 401, "unauthorized");
}

/** Crew2's two assignments (the world's), per caller and paged. */
export async function assignmentsScoped(w: World): Promise<void> {
  const id = w.crew2.candidateId;
  const admin = await routesAs("admin").candidates("get", "/candidates/{id}/assignments")({
    path: { id },
  });
  assert.equal(admin.status, 200);
  assert.equal(admin.data.data.length, 2);
  assert.ok(admin.data.data.every((a) => typeof a.project_title === "string"));
  const self = await crewAs(as(w.crew2.token)).candidates.assignments.list(id);
  assert.equal(self.data.length, 2);
  // manager sees only the assignment on their own project
  const mgr = await crewAs(as(w.manager2.token)).candidates.assignments.list(id);
  assert.equal(mgr.data.length, 1);
  assert.equal(mgr.data[0].project_id, w.project2Id);
  const finance = crewAs("finance").candidates.assignments;
  const p1 = await finance.list(id, { limit: 1 });
  assert.equal(p1.data.length, 1);
  assert.ok(p1.next_cursor);
  const p2 = await finance.list(id, { limit: 1, cursor: p1.next_cursor });
  assert.equal(p2.data.length, 1);
  assert.notEqual(p1.data[0].id, p2.data[0].id);
  assert.equal(p2.next_cursor, null);
  assert.match(p1.data[0].daily_rate, /^\d+\.\d{2}$/);
  await refused(crewAs(as(w.crew.token)).candidates.assignments.list(id), 404, "not_found");
}

/** Crew's earnings after two open payments are inserted for this step. */
export async function earningsScoped(w: World): Promise<void> {
  const today = new Date().toISOString().slice(0, 10);
  await db()`
  insert into public.payments (project_id, candidate_id, amount, payment_date, status)
  values (${w.projectId}, ${w.crew.candidateId}, '100.50', ${today}, 'pending'),
         (${w.projectId}, ${w.crew.candidateId}, '20.00', ${today}, 'approved')`;
  const self = await routesAs(as(w.crew.token)).candidates("get", "/candidates/{id}/earnings")({
    path: { id: w.crew.candidateId },
  });
  assert.equal(self.status, 200, JSON.stringify(self.data));
  assert.equal(self.data.live_pending, "120.50");
  assert.equal(self.data.live_open_count, 2);
  assert.match(self.data.total_paid, /^\d+\.\d{2}$/);
  const fin = await crewAs("finance").candidates.earnings(w.crew.candidateId);
  assert.equal(fin.live_pending, "120.50");
  await refused(
    crewAs(as(w.manager.token)).candidates.earnings(w.crew.candidateId),
    403,
    "forbidden",
  );
  await refused(
    crewAs(as(w.crew2.token)).candidates.earnings(w.crew.candidateId),
    404,
    "not_found",
  );
}

/** Stats are admin only. */
export async function statsAdminOnly(): Promise<void> {
  // Raw: stats is left out of the typed client (not an app route).
  const res = await invoke<Body>("admin", "candidates/stats");
  assert.equal(res.status, 200);
  assert.ok(res.data.cache && res.data.pool);
  assertError(await invoke<Body>("manager", "candidates/stats"), 403, "forbidden");
}
