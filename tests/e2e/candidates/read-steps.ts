/**
 * Steps of the candidates test (candidates.test.ts) that read: one record per caller (the cache
 * never handing it to one who may not see it), me, search, assignments, earnings and stats.
 * Bodies only: the test runs them in its order, so they see what the earlier steps wrote.
 */
import assert from "node:assert/strict";
import { db, invoke } from "../../helpers/client.ts";
import { as, assertError, type Body, dashed, makeCandidate, type World } from "./fixtures.ts";

/**
 * Gives crew bank details, then reads crew's record as each caller; fills the cache for the next
 * step.
 */
export async function getPerCaller(w: World): Promise<void> {
  await db()`
    insert into public.candidate_bank_accounts (candidate_id, bank_name, account_number, account_holder)
    values (${w.crew.candidateId}, 'Maybank', '1122334455', 'Aminah')`;
  for (const who of ["admin", "finance", { token: w.crew.token }] as const) {
    const res = await invoke<Body>(who, `candidates/${w.crew.candidateId}`);
    assert.equal(res.status, 200, JSON.stringify(res.data));
    assert.equal(res.data.ic_number, w.crew.ic);
    assert.equal(res.data.bank?.account_number, "1122334455");
    assert.ok(["l1", "l2", "loader", "joined"].includes(res.headers.get("x-cache")!));
  }
  const mgr = await invoke<Body>(as(w.manager.token), `candidates/${w.crew.candidateId}`);
  assert.equal(mgr.status, 200);
  assert.equal(mgr.data.ic_number, w.crew.ic);
  assert.ok(!("bank" in mgr.data), "managers never see bank details");
  assert.ok(!JSON.stringify(mgr.data).includes("1122334455"));
}

/** Crew2 asks for crew's (cached) record and for an uncached one: 404 both times. */
export async function getRefused(w: World): Promise<void> {
  const tag = w.tag;
  // Admin's read above filled the shared entry for crew; crew2 must not be served from it.
  const res = await invoke<Body>(as(w.crew2.token), `candidates/${w.crew.candidateId}`);
  assertError(res, 404, "not_found");
  assert.ok(!JSON.stringify(res.data).includes(w.crew.ic));
  // And an uncached one (nobody read it yet).
  const other = await makeCandidate(`Uncached ${tag}`);
  const miss = await invoke<Body>(as(w.crew2.token), `candidates/${other.id}`);
  assertError(miss, 404, "not_found");
  // The crew miss cached nothing wrong: admin still gets the record.
  const admin = await invoke<Body>("admin", `candidates/${other.id}`);
  assert.equal(admin.data.ic_number, other.ic);
  const missing = await invoke<Body>("admin", `candidates/${crypto.randomUUID()}`);
  assertError(missing, 404, "not_found");
  const badId = await invoke<Body>("admin", "candidates/not-a-uuid");
  assertError(badId, 400, "validation_failed");
}

/** The caller's own record; admin has none. */
export async function getMe(w: World): Promise<void> {
  const me = await invoke<Body>(as(w.crew2.token), "candidates/me");
  assert.equal(me.status, 200);
  assert.equal(me.data.id, w.crew2.candidateId);
  assert.equal(me.data.ic_number, w.crew2.ic);
  assertError(await invoke<Body>("admin", "candidates/me"), 404, "not_found");
}

/** Searches three fresh candidates tagged with the world's tag. */
export async function searchMasked(w: World): Promise<void> {
  const tag = w.tag;
  const names = ["Alpha", "Bravo", "Charlie"].map((n) => `Zulkifli ${n} ${tag}`);
  const made = [];
  for (const n of names) made.push(await makeCandidate(n, null, { skills: ["audio", tag] }));
  const first = await invoke<Body>(
    "manager",
    `candidates?q=${encodeURIComponent(tag)}&skills=${tag}&limit=2`,
  );
  assert.equal(first.status, 200, JSON.stringify(first.data));
  assert.equal(first.data.data.length, 2);
  assert.ok(first.data.next_cursor);
  const second = await invoke<Body>(
    "finance",
    `candidates?q=${
      encodeURIComponent(tag)
    }&skills=${tag}&limit=2&cursor=${first.data.next_cursor}`,
  );
  assert.equal(second.status, 200);
  assert.equal(second.data.data.length, 1);
  assert.equal(second.data.next_cursor, null);
  const ids = [...first.data.data, ...second.data.data].map((c: Body) => c.id).sort();
  assert.deepEqual(ids, made.map((m) => m.id).sort());
  for (const c of [...first.data.data, ...second.data.data]) {
    assert.match(c.ic_number, /^\*{6}-\*{2}-\d{4}$/);
    assert.ok(!("date_of_birth" in c));
  }

  const byIc = await invoke<Body>("admin", `candidates?ic=${dashed(made[1].ic)}`);
  assert.equal(byIc.data.data.length, 1);
  assert.equal(byIc.data.data[0].id, made[1].id);
  assert.equal(byIc.data.data[0].ic_number, `******-**-${made[1].ic.slice(-4)}`);
  assert.ok(!JSON.stringify(byIc.data).includes(made[1].ic));

  const inactive = await invoke<Body>("admin", `candidates?skills=${tag}&status=inactive`);
  assert.equal(inactive.data.data.length, 0);
  const noSkill = await invoke<Body>("admin", `candidates?skills=${tag},juggling`);
  assert.equal(noSkill.data.data.length, 0);

  assertError(await invoke<Body>(as(w.crew.token), `candidates?q=${tag}`), 403, "forbidden");
  assertError(await invoke<Body>("admin", "candidates?limit=0"), 400, "validation_failed");
  assertError(await invoke<Body>("admin", "candidates?ic=123"), 400, "validation_failed");
  assertError(await invoke<Body>("admin", "candidates?cursor=zzz"), 400, "bad_request");
  assertError(await invoke<Body>("anon", "candidates"), 401, "unauthorized");
}

/** Crew2's two assignments (the world's), per caller and paged. */
export async function assignmentsScoped(w: World): Promise<void> {
  const path = `candidates/${w.crew2.candidateId}/assignments`;
  const admin = await invoke<Body>("admin", path);
  assert.equal(admin.status, 200);
  assert.equal(admin.data.data.length, 2);
  assert.ok(admin.data.data.every((a: Body) => typeof a.project_title === "string"));
  const self = await invoke<Body>(as(w.crew2.token), path);
  assert.equal(self.data.data.length, 2);
  // manager sees only the assignment on their own project
  const mgr = await invoke<Body>(as(w.manager2.token), path);
  assert.equal(mgr.data.data.length, 1);
  assert.equal(mgr.data.data[0].project_id, w.project2Id);
  const p1 = await invoke<Body>("finance", `${path}?limit=1`);
  assert.equal(p1.data.data.length, 1);
  const p2 = await invoke<Body>("finance", `${path}?limit=1&cursor=${p1.data.next_cursor}`);
  assert.equal(p2.data.data.length, 1);
  assert.notEqual(p1.data.data[0].id, p2.data.data[0].id);
  assert.equal(p2.data.next_cursor, null);
  assert.match(p1.data.data[0].daily_rate, /^\d+\.\d{2}$/);
  assertError(await invoke<Body>(as(w.crew.token), path), 404, "not_found");
}

/** Crew's earnings after two open payments are inserted for this step. */
export async function earningsScoped(w: World): Promise<void> {
  const today = new Date().toISOString().slice(0, 10);
  await db()`
  insert into public.payments (project_id, candidate_id, amount, payment_date, status)
  values (${w.projectId}, ${w.crew.candidateId}, '100.50', ${today}, 'pending'),
         (${w.projectId}, ${w.crew.candidateId}, '20.00', ${today}, 'approved')`;
  const self = await invoke<Body>(
    as(w.crew.token),
    `candidates/${w.crew.candidateId}/earnings`,
  );
  assert.equal(self.status, 200, JSON.stringify(self.data));
  assert.equal(self.data.live_pending, "120.50");
  assert.equal(self.data.live_open_count, 2);
  assert.match(self.data.total_paid, /^\d+\.\d{2}$/);
  const fin = await invoke<Body>("finance", `candidates/${w.crew.candidateId}/earnings`);
  assert.equal(fin.data.live_pending, "120.50");
  assertError(
    await invoke<Body>(as(w.manager.token), `candidates/${w.crew.candidateId}/earnings`),
    403,
    "forbidden",
  );
  assertError(
    await invoke<Body>(as(w.crew2.token), `candidates/${w.crew.candidateId}/earnings`),
    404,
    "not_found",
  );
}

/** Stats are admin only. */
export async function statsAdminOnly(): Promise<void> {
  const res = await invoke<Body>("admin", "candidates/stats");
  assert.equal(res.status, 200);
  assert.ok(res.data.cache && res.data.pool);
  assertError(await invoke<Body>("manager", "candidates/stats"), 403, "forbidden");
}
