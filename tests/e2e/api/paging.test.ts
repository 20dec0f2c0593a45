/**
 * Issue 10.1: every list pages exactly — no row skipped, none repeated — in every sort order,
 * across ties (rows bulk-inserted in one statement share their timestamps to the microsecond,
 * and here often their sort value altogether) and while rows are inserted between pages. Each
 * list is paged to the end through supabase-js and compared with what SQL says the caller may
 * see. Rows written straight into the database would not invalidate cached pages, so each case
 * lists a scope of its own (a fresh manager, project, candidate or crew login) or writes
 * through the API.
 */
import assert from "node:assert/strict";
import { closeDb, db, routesAs } from "../../helpers/client.ts";
import { freshIcs, makeCandidate, makeUser, type TestUser } from "../candidates/fixtures.ts";

type Page<R> = { data: R[]; next_cursor: string | null };
/**
 * One page of a list through the typed route (`routesAs`, so each page's status is checked):
 * its `limit` and the `cursor` to start from.
 */
type FetchPage<R> = (
  limit: number,
  cursor: string | undefined,
) => Promise<{ status: number; data: Page<R> }>;

/** Follows `next_cursor` to the end; `between(n)` runs after page n (1-based). */
async function pageAll<R extends { id: string }>(
  what: string,
  fetchPage: FetchPage<R>,
  limit: number | ((page: number) => number),
  between?: (page: number) => Promise<void>,
  idOf: (row: R) => string = (r) => r.id,
): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let page = 1; page < 2000; page++) {
    const size = typeof limit === "number" ? limit : limit(page);
    const res = await fetchPage(size, cursor);
    assert.equal(res.status, 200, `${what} page ${page}: ${JSON.stringify(res.data)}`);
    ids.push(...res.data.data.map(idOf));
    cursor = res.data.next_cursor ?? undefined;
    if (!cursor) return ids;
    await between?.(page);
  }
  throw new Error("did not reach the end");
}

function assertExact(paged: string[], expected: string[], what: string) {
  const seen = new Set<string>();
  const repeated = paged.filter((id) => seen.has(id) || !seen.add(id));
  assert.deepEqual(repeated, [], `${what}: rows repeated`);
  const missing = expected.filter((id) => !seen.has(id));
  assert.deepEqual(missing, [], `${what}: ${missing.length} of ${expected.length} rows skipped`);
}

const tag = `pg${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const ids = (rows: readonly Record<string, unknown>[]) => rows.map((r) => String(r.id));

/** `n` projects of `manager` in one statement: same created_at, start_date and title. */
async function tiedProjects(manager: string, n = 30): Promise<string[]> {
  return ids(
    await db()`
      insert into public.projects (title, start_date, end_date, manager_id, status)
      select ${`${tag} tied`}, '2031-03-03', '2031-03-05', ${manager}, 'planning'
        from generate_series(1, ${n})
      returning id`,
  );
}

Deno.test("projects: every sort and order, with ties, page exactly", async () => {
  const manager = await makeUser("manager", tag);
  const tied = await tiedProjects(manager.id);
  const others = await db()`
    insert into public.projects (title, start_date, end_date, manager_id, status)
    select ${tag} || ' other ' || i, date '2030-01-01' + i, date '2030-02-01' + i, ${manager.id},
           'planning'
      from generate_series(1, 12) i
    returning id`;
  for (const sort of ["start_date", "created_at", "title"] as const) {
    for (const order of ["asc", "desc"] as const) {
      const paged = await pageAll(
        `projects?sort=${sort}&order=${order}`,
        (limit, cursor) =>
          routesAs(manager).projects("get", "/projects")({
            query: { sort, order, limit, cursor },
          }),
        4,
      );
      assertExact(paged, [...tied, ...ids(others)], `projects by ${sort} ${order}`);
      assert.equal(paged.length, tied.length + others.length, "nothing else");
    }
  }
});

Deno.test("projects: rows created between pages neither repeat nor hide the others", async () => {
  const manager = await makeUser("manager", tag);
  const before = await tiedProjects(manager.id, 20);
  const paged = await pageAll(
    "projects?sort=created_at&order=desc",
    (limit, cursor) =>
      routesAs(manager).projects("get", "/projects")({
        query: { sort: "created_at", order: "desc", limit, cursor },
      }),
    3,
    async (n) => {
      if (n > 2) return;
      const res = await routesAs(manager).projects("post", "/projects")({
        body: { title: `${tag} new ${n}`, start_date: "2031-01-01", end_date: "2031-01-02" },
      });
      assert.equal(res.status, 201);
    },
  );
  assertExact(paged, before, "projects while creating");
});

Deno.test("candidates: newest first and by relevance, with ties, page exactly", async () => {
  const ics = await freshIcs(30);
  // Random letters: no trigram in common with other candidates' names.
  const name = Array.from(
    crypto.getRandomValues(new Uint8Array(14)),
    (b) => String.fromCharCode(97 + (b % 26)),
  ).join("");
  // One import is one statement: 30 rows with one created_at (and it drops cached lists).
  const imported = await routesAs("admin").candidates("post", "/candidates/import")({
    body: { rows: ics.map((ic_number) => ({ full_name: name, ic_number })) },
  });
  assert.equal(imported.status, 200, JSON.stringify(imported.data));
  const tied = ids(await db()`select id from public.candidates where ic_number = any(${ics})`);
  assert.equal(tied.length, 30);
  const all = ids(await db()`select id from public.candidates`);
  // Small pages through the newest (the tie), then big ones to the end.
  const paged = await pageAll(
    "candidates",
    (limit, cursor) =>
      routesAs("admin").candidates("get", "/candidates")({ query: { limit, cursor } }),
    (n) => n <= 6 ? 7 : 200,
  );
  assertExact(paged, all, "candidates, newest first");
  assert.equal(paged.length, all.length);
  // Relevance: identical names, identical similarity; the id breaks the tie.
  const byName = await pageAll(
    `candidates?q=${name}`,
    (limit, cursor) =>
      routesAs("finance").candidates("get", "/candidates")({ query: { q: name, limit, cursor } }),
    4,
  );
  const matching = ids(
    await db()`
    select id from public.candidates
     where full_name operator(extensions.%) ${name} or full_name ilike ${`%${name}%`}`,
  );
  assertExact(byName, matching, "candidates by relevance");
  assertExact(byName, tied, "the tied candidates");
  assert.equal(byName.length, matching.length);
});

/** A fresh project of the demo manager with one assigned candidate. */
async function freshPair(): Promise<{ project_id: string; candidate_id: string }> {
  const [project] = await db()`
    insert into public.projects (title, start_date, end_date, status)
    values (${`${tag} pair`}, '2025-01-01', '2031-12-31', 'active') returning id`;
  const candidate = await makeCandidate(`Pair ${tag}`);
  await db()`
    insert into public.project_staff (project_id, candidate_id, status)
    values (${project.id}, ${candidate.id}, 'confirmed')`;
  return { project_id: project.id, candidate_id: candidate.id };
}

Deno.test("claims: newest first, with ties and creates between pages, for admin and finance", async () => {
  const pair = await freshPair();
  await db()`
    insert into public.expense_claims (candidate_id, project_id, category, amount, description)
    select ${pair.candidate_id}, ${pair.project_id}, 'meals', 10.50, ${tag}
      from generate_series(1, 30)`;
  const before = ids(
    await db()`
    select id from public.expense_claims where project_id = ${pair.project_id}`,
  );
  for (const user of ["admin", "finance"] as const) {
    const paged = await pageAll(
      `claims?project_id=${pair.project_id}`,
      (limit, cursor) =>
        routesAs(user).claims("get", "/claims")({
          query: { project_id: pair.project_id, limit, cursor },
        }),
      7,
      async (n) => {
        if (n !== 2) return;
        const res = await routesAs("admin").claims("post", "/claims")({
          body: { ...pair, category: "transport", amount: "5.00" },
        });
        assert.equal(res.status, 201, JSON.stringify(res.data));
      },
    );
    assertExact(paged, before, `claims as ${user}`);
  }
});

Deno.test("payments: one date for many rows pages exactly; crew see exactly their own", async () => {
  const pair = await freshPair();
  const crew: TestUser = await makeUser("crew", tag);
  await db()`update public.candidates set user_id = ${crew.id} where id = ${pair.candidate_id}`;
  const today = new Date().toISOString().slice(0, 10);
  await db()`
    insert into public.payments (project_id, candidate_id, amount, payment_date, reference)
    select ${pair.project_id}, ${pair.candidate_id}, 12.00, ${today}, ${tag}
      from generate_series(1, 25)`;
  const expected = ids(
    await db()`
    select id from public.payments where candidate_id = ${pair.candidate_id}`,
  );
  const paged = await pageAll(
    `payments?project_id=${pair.project_id}`,
    (limit, cursor) =>
      routesAs("finance").payments("get", "/payments")({
        query: { project_id: pair.project_id, limit, cursor },
      }),
    6,
  );
  assertExact(paged, expected, "a project's payments");
  const crewPaged = await pageAll(
    "payments as crew",
    (limit, cursor) => routesAs(crew).payments("get", "/payments")({ query: { limit, cursor } }),
    5,
  );
  assertExact(crewPaged, expected, "crew's own payments");
  assert.equal(crewPaged.length, expected.length, "nothing of anybody else");
});

Deno.test("a candidate's assignments (one start date for all) and a project's staff page exactly", async () => {
  const candidate = await makeCandidate(`Busy ${tag}`);
  const manager = await makeUser("manager", tag);
  const projects = await tiedProjects(manager.id, 15);
  await db()`
    insert into public.project_staff (project_id, candidate_id, start_date, end_date)
    select p, ${candidate.id}, '2031-03-03', '2031-03-04' from unnest(${projects}::uuid[]) p`;
  const expected = ids(
    await db()`
    select id from public.project_staff where candidate_id = ${candidate.id}`,
  );
  const paged = await pageAll(
    `candidates/${candidate.id}/assignments`,
    (limit, cursor) =>
      routesAs("admin").candidates("get", "/candidates/{id}/assignments")({
        path: { id: candidate.id },
        query: { limit, cursor },
      }),
    4,
  );
  assertExact(paged, expected, "assignments");
  assert.equal(paged.length, expected.length);

  const [big] = await db()`
    select project_id from public.project_staff group by project_id
     order by count(*) desc limit 1`;
  const staff = (await db()`
    select candidate_id from public.project_staff where project_id = ${big.project_id}`)
    .map((r) => String(r.candidate_id));
  const pagedStaff = await pageAll(
    `projects/${big.project_id}/staff`,
    (limit, cursor) =>
      routesAs("admin").projects("get", "/projects/{id}/staff")({
        path: { id: big.project_id },
        query: { limit, cursor },
      }),
    5,
    undefined,
    (r) => r.candidate_id,
  );
  assertExact(pagedStaff, staff, "a project's staff");
});

Deno.test("paging: close db", async () => {
  await closeDb();
});
