/**
 * End-to-end: project staff after assignment — list (masked IC numbers, keyset pages), change
 * one, remove — through the gateway for each role, and the candidates function's cached
 * assignments following staffing changes made through the projects function.
 */
import assert from "node:assert/strict";
import { closeDb, db, invoke, invokeUntil } from "../../helpers/client.ts";
import {
  activeCandidates,
  assertError,
  type Assigned,
  createProject,
  type Json,
  staffCount,
  testsNamed,
} from "./fixtures.ts";

const t = testsNamed("projects staff");

t("list: masked IC numbers, keyset pages, status filter", async () => {
  const p = await createProject("manager");
  const ids = await activeCandidates(5);
  await invoke("manager", `projects/${p.id}/staff`, {
    method: "POST",
    body: {
      candidates: ids.map((candidate_id, i) => ({
        candidate_id,
        status: i ? "invited" : "confirmed",
      })),
    },
  });
  // The candidates' real IC numbers: none may appear anywhere in a page. (A bare /\d{12}/ would
  // also match a uuid whose last group happens to be all decimal digits.)
  const ics = (await db()`select ic_number from public.candidates where id = any(${ids})`)
    .map((r) => r.ic_number as string);
  assert.equal(ics.length, ids.length);
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { status: number; data: { data: Json[]; next_cursor: string | null } } =
      await invoke("finance", `projects/${p.id}/staff?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
    assert.equal(page.status, 200, JSON.stringify(page.data));
    for (const s of page.data.data) {
      assert.match(s.ic_number_masked as string, /^\*{6}-\*{2}-\d{4}$/);
      assert.equal(typeof s.candidate_name, "string");
    }
    const body = JSON.stringify(page.data);
    assert.ok(!ics.some((ic) => body.includes(ic)), "a full IC number leaked");
    seen.push(...page.data.data.map((s) => s.candidate_id as string));
    cursor = page.data.next_cursor;
  } while (cursor);
  assert.deepEqual(seen, [...ids].sort());
  const confirmed = await invoke<{ data: Json[] }>(
    "admin",
    `projects/${p.id}/staff?status=confirmed`,
  );
  assert.deepEqual(confirmed.data.data.map((s) => s.candidate_id), [ids[0]]);
});

t("change one: status forward only, dates inside the project, rate", async () => {
  const p = await createProject("manager");
  const [a] = await activeCandidates(1);
  const made = await invoke<Assigned>("manager", `projects/${p.id}/staff`, {
    method: "POST",
    body: { candidates: [{ candidate_id: a }] },
  });
  const staffId = made.data.created[0].id as string;
  const path = `projects/${p.id}/staff/${staffId}`;
  const ok = await invoke<Json>("manager", path, {
    method: "PATCH",
    body: { status: "confirmed", daily_rate: "175.25", end_date: "2026-03-15" },
  });
  assert.equal(ok.status, 200, JSON.stringify(ok.data));
  assert.equal(ok.data.status, "confirmed");
  assert.equal(ok.data.daily_rate, "175.25");
  assertError(
    await invoke("manager", path, { method: "PATCH", body: { status: "invited" } }),
    409,
    "invalid_transition",
  );
  const details = assertError(
    await invoke("manager", path, { method: "PATCH", body: { end_date: "2026-04-02" } }),
    422,
    "unprocessable",
  );
  assert.ok(details.end_date);
  assertError(
    await invoke("manager", path, { method: "PATCH", body: { daily_rate: "1.005" } }),
    400,
    "validation_failed",
  );
  assertError(
    await invoke("manager2", path, { method: "PATCH", body: { designation: "lead" } }),
    404,
    "not_found",
  );
  assertError(
    await invoke("manager", `projects/${crypto.randomUUID()}/staff/${staffId}`, {
      method: "PATCH",
      body: { designation: "lead" },
    }),
    404,
    "not_found",
  );
  const [row] =
    await db()`select status, daily_rate, end_date::text as end_date from public.project_staff where id = ${staffId}`;
  assert.deepEqual({ ...row }, {
    status: "confirmed",
    daily_rate: "175.25",
    end_date: "2026-03-15",
  });
  const detail = await invoke<{ staff_summary: Json }>("admin", `projects/${p.id}`);
  assert.equal(detail.data.staff_summary.confirmed, 1);
  assert.equal(detail.data.staff_summary.total_daily_rate, "175.25");
});

t("remove: completed assignments stay; others go", async () => {
  const p = await createProject("manager");
  const [a, b] = await activeCandidates(2);
  const made = await invoke<Assigned>("manager", `projects/${p.id}/staff`, {
    method: "POST",
    body: { candidates: [{ candidate_id: a, status: "confirmed" }, { candidate_id: b }] },
  });
  const [sa, sb] = [a, b].map((c) => made.data.created.find((s) => s.candidate_id === c)!.id);
  await invoke("manager", `projects/${p.id}/staff/${sa}`, {
    method: "PATCH",
    body: { status: "completed" },
  });
  assertError(
    await invoke("manager", `projects/${p.id}/staff/${sa}`, { method: "DELETE" }),
    409,
    "conflict",
  );
  assertError(
    await invoke("finance", `projects/${p.id}/staff/${sb}`, { method: "DELETE" }),
    403,
    "forbidden",
  );
  assert.equal(await staffCount(p.id), 2);
  const gone = await invoke("manager", `projects/${p.id}/staff/${sb}`, { method: "DELETE" });
  assert.equal(gone.status, 204);
  assert.equal(await staffCount(p.id), 1);
  assertError(
    await invoke("manager", `projects/${p.id}/staff/${sb}`, { method: "DELETE" }),
    404,
    "not_found",
  );
});

t("close db", async () => {
  await closeDb();
});

t("assigning and removing staff refreshes the candidate's cached assignments", async () => {
  const p = await createProject("admin");
  const [candidate] = await activeCandidates(1);
  type Page = { data: Json[] };
  const path = `candidates/${candidate}/assignments`;
  const has = (res: { data: Page }) => res.data.data.some((a) => a.project_id === p.id);
  // Warm the candidates function's cache (its own isolate), then change staffing through the
  // projects function: the candidates isolate must drop its copy within the documented bound
  // (its L1 TTL), not serve it for the entry's 60 s TTL.
  assert.ok(!has(await invoke<Page>("admin", path)));
  assert.ok(!has(await invoke<Page>("admin", path)));
  const res = await invoke<Assigned>("admin", `projects/${p.id}/staff`, {
    method: "POST",
    body: { candidates: [{ candidate_id: candidate, daily_rate: "100.00" }] },
  });
  assert.equal(res.status, 201, JSON.stringify(res.data));
  assert.ok(has(await invokeUntil<Page>("admin", path, has)), "the new assignment shows");
  const removed = await invoke("admin", `projects/${p.id}/staff/${res.data.created[0].id}`, {
    method: "DELETE",
  });
  assert.equal(removed.status, 204);
  const gone = await invokeUntil<Page>("admin", path, (r) => !has(r));
  assert.ok(!has(gone), "the removed assignment is gone");
});
