/**
 * End-to-end: project staff routes (list, assign many, change one, remove) through the gateway,
 * for each role; rule violations answer in the error shape and leave the database unchanged.
 */
import assert from "node:assert/strict";
import { closeDb, db, invoke, invokeUntil } from "../_helpers/client.ts";
import {
  activeCandidates,
  assertError,
  blacklistedCandidate,
  createProject,
} from "./projects_fixtures.ts";

const t = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name: `projects staff: ${name}`, fn, sanitizeOps: false, sanitizeResources: false });

type Json = Record<string, unknown>;
type Assigned = { created: Json[]; skipped: string[] };

const staffCount = async (projectId: string) =>
  (await db()`select count(*)::int as n from public.project_staff where project_id = ${projectId}`)[
    0
  ]
    .n as number;

t("manager assigns many; dates default to the project's; detail summary follows", async () => {
  const p = await createProject("manager");
  const [a, b, c] = await activeCandidates(3);
  const res = await invoke<Assigned>("manager", `projects/${p.id}/staff`, {
    method: "POST",
    body: {
      candidates: [
        { candidate_id: a, daily_rate: "150.00", designation: "usher" },
        { candidate_id: b, daily_rate: "200.50", status: "confirmed" },
        { candidate_id: c, start_date: "2026-03-10", end_date: "2026-03-12" },
      ],
    },
  });
  assert.equal(res.status, 201, JSON.stringify(res.data));
  assert.equal(res.data.created.length, 3);
  assert.deepEqual(res.data.skipped, []);
  const byCandidate = new Map(res.data.created.map((s) => [s.candidate_id, s]));
  assert.equal(byCandidate.get(a)?.start_date, "2026-03-01");
  assert.equal(byCandidate.get(a)?.end_date, "2026-03-31");
  assert.equal(byCandidate.get(a)?.designation, "usher");
  assert.equal(byCandidate.get(c)?.daily_rate, "0.00");
  assert.equal(await staffCount(p.id), 3);

  const detail = await invoke<{ staff_summary: Json }>("manager", `projects/${p.id}`);
  assert.deepEqual(detail.data.staff_summary, {
    invited: 2,
    confirmed: 1,
    cancelled: 0,
    completed: 0,
    total_daily_rate: "350.50",
  });
});

t("conflicts: default 409 writes nothing; on_conflict=skip reports them", async () => {
  const p = await createProject("manager");
  const [a, b, c] = await activeCandidates(3);
  await invoke("manager", `projects/${p.id}/staff`, {
    method: "POST",
    body: { candidates: [{ candidate_id: a }] },
  });
  const clash = await invoke("manager", `projects/${p.id}/staff`, {
    method: "POST",
    body: { candidates: [{ candidate_id: b }, { candidate_id: a }] },
  });
  const details = assertError(clash, 409, "conflict");
  assert.deepEqual(Object.keys(details), ["candidates.1.candidate_id"]);
  assert.equal(await staffCount(p.id), 1, "b must not have been kept");

  const skip = await invoke<Assigned>("manager", `projects/${p.id}/staff`, {
    method: "POST",
    body: { candidates: [{ candidate_id: a }, { candidate_id: c }], on_conflict: "skip" },
  });
  assert.equal(skip.status, 201);
  assert.deepEqual(skip.data.skipped, [a]);
  assert.deepEqual(skip.data.created.map((s) => s.candidate_id), [c]);
  assert.equal(await staffCount(p.id), 2);
});

t("rules: unknown or blacklisted candidate, dates outside, closed project → 422", async () => {
  const p = await createProject("manager");
  const [a] = await activeCandidates(1);
  const banned = await blacklistedCandidate();
  const res = await invoke("manager", `projects/${p.id}/staff`, {
    method: "POST",
    body: {
      candidates: [
        { candidate_id: a, start_date: "2026-02-25" },
        { candidate_id: banned },
        { candidate_id: crypto.randomUUID() },
      ],
    },
  });
  const details = assertError(res, 422, "unprocessable");
  assert.ok(details["candidates.0.start_date"]);
  assert.equal(details["candidates.1.candidate_id"], "Candidate is blacklisted");
  assert.equal(details["candidates.2.candidate_id"], "Candidate not found");
  assert.equal(await staffCount(p.id), 0);

  const closed = await createProject("manager");
  await invoke("manager", `projects/${closed.id}`, {
    method: "PATCH",
    body: { status: "cancelled" },
  });
  assertError(
    await invoke("manager", `projects/${closed.id}/staff`, {
      method: "POST",
      body: { candidates: [{ candidate_id: a }] },
    }),
    422,
    "unprocessable",
  );
  assert.equal(await staffCount(closed.id), 0);
});

t("bad input: 400 with per-item details, nothing written", async () => {
  const p = await createProject("manager");
  const [a] = await activeCandidates(1);
  const bodies: [unknown, string][] = [
    [{ candidates: [] }, "candidates"],
    [{ candidates: [{ candidate_id: a }, { candidate_id: a }] }, "candidates"],
    [{ candidates: [{ candidate_id: a, daily_rate: 100 }] }, "candidates.0.daily_rate"],
    [{ candidates: [{ candidate_id: a, status: "completed" }] }, "candidates.0.status"],
    [{ candidates: [{ candidate_id: a, extra: 1 }] }, "candidates.0.extra"],
    [{ candidates: [{ candidate_id: a }], on_conflict: "replace" }, "on_conflict"],
    [{ candidates: Array.from({ length: 501 }, () => ({ candidate_id: a })) }, "candidates"],
  ];
  for (const [body, field] of bodies) {
    const details = assertError(
      await invoke("manager", `projects/${p.id}/staff`, { method: "POST", body }),
      400,
      "validation_failed",
    );
    assert.ok(field in details, `${field} not in ${JSON.stringify(details)}`);
  }
  assert.equal(await staffCount(p.id), 0);
});

t("who: other manager 404, finance and crew 403 on writes", async () => {
  const p = await createProject("manager");
  const [a] = await activeCandidates(1);
  const body = { candidates: [{ candidate_id: a }] };
  assertError(
    await invoke("manager2", `projects/${p.id}/staff`, { method: "POST", body }),
    404,
    "not_found",
  );
  for (const who of ["finance", "crew"] as const) {
    assertError(
      await invoke(who, `projects/${p.id}/staff`, { method: "POST", body }),
      403,
      "forbidden",
    );
  }
  assert.equal(await staffCount(p.id), 0);
  assertError(await invoke("manager2", `projects/${p.id}/staff`), 404, "not_found");
  assertError(await invoke("crew", `projects/${p.id}/staff`), 403, "forbidden");
});

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
