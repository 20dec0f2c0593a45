/**
 * Issue 10.3: single-flight must never hand one caller an outcome computed under someone else's
 * rights. For every cached detail route, a caller RLS hides the row from (404) and callers who
 * may see it (200) ask for the same cold entry at the same moment, many times over: the denied
 * caller's load is in flight when the others arrive, and none of them may get its 404.
 */
import assert from "node:assert/strict";
import { CrewApiError } from "../../../client/index.ts";
import { closeDb, type CrewRoutes, db, DEMO, routesAs, tokenFor } from "../../helpers/client.ts";
import { makeCandidate } from "../candidates/fixtures.ts";

const ROUNDS = 12;

/** A read of one detail route through a caller's typed routes. */
type Read = (routes: CrewRoutes) => Promise<{ status: number; headers: Headers }>;

/**
 * Fires denied and allowed reads together; asserts each got its own answer. A wrong 404 says its
 * request id (find it in the logs), not its x-cache: the typed client keeps no error's headers.
 */
async function race(path: string, read: Read, denied: string, allowed: string[]): Promise<void> {
  const plan = [denied, ...allowed.flatMap((token) => [token, denied])];
  const results = await Promise.allSettled(plan.map((token) => read(routesAs({ token }))));
  results.forEach((res, i) => {
    const expected = plan[i] === denied ? 404 : 200;
    if (res.status === "rejected" && !(res.reason instanceof CrewApiError)) throw res.reason;
    const [status, seen] = res.status === "fulfilled"
      ? [res.value.status, `x-cache ${res.value.headers.get("x-cache")}`]
      : [res.reason.status, `${res.reason.code}, request ${res.reason.requestId}`];
    assert.equal(status, expected, `${path} request ${i}: ${status} (${seen})`);
  });
}

const tokens = {
  admin: await tokenFor("admin"),
  finance: await tokenFor("finance"),
  manager2: await tokenFor("manager2"),
  crew2: await tokenFor("crew2"),
};

/** A fresh project of the demo manager (not manager2) with one assigned candidate. */
async function freshProject(): Promise<{ project: string; candidate: string }> {
  const [p] = await db()`
    insert into public.projects (title, start_date, end_date, manager_id, status)
    values ('single flight', '2025-01-01', '2031-01-01', ${DEMO.manager}, 'active')
    returning id`;
  const c = await makeCandidate("Single Flight");
  await db()`
    insert into public.project_staff (project_id, candidate_id, status)
    values (${p.id}, ${c.id}, 'confirmed')`;
  return { project: p.id, candidate: c.id };
}

Deno.test("GET /projects/{id}: another manager's 404 never reaches admin or finance", async () => {
  for (let i = 0; i < ROUNDS; i++) {
    const { project } = await freshProject();
    await race(
      `projects/${project}`,
      (routes) => routes.projects("get", "/projects/{id}")({ path: { id: project } }),
      tokens.manager2,
      [tokens.admin, tokens.finance],
    );
  }
});

Deno.test("GET /payments/{id}: another manager's 404 never reaches admin or finance", async () => {
  const { project, candidate } = await freshProject();
  for (let i = 0; i < ROUNDS; i++) {
    const [p] = await db()`
      insert into public.payments (project_id, candidate_id, amount, payment_date)
      values (${project}, ${candidate}, 10, current_date) returning id`;
    await race(
      `payments/${p.id}`,
      (routes) => routes.payments("get", "/payments/{id}")({ path: { id: p.id } }),
      tokens.manager2,
      [tokens.admin, tokens.finance],
    );
  }
});

Deno.test("GET /claims/{id}: another manager's 404 never reaches admin or finance", async () => {
  const { project, candidate } = await freshProject();
  for (let i = 0; i < ROUNDS; i++) {
    const [c] = await db()`
      insert into public.expense_claims (project_id, candidate_id, category, amount)
      values (${project}, ${candidate}, 'meals', 9.90) returning id`;
    await race(
      `claims/${c.id}`,
      (routes) => routes.claims("get", "/claims/{id}")({ path: { id: c.id } }),
      tokens.manager2,
      [tokens.admin, tokens.finance],
    );
  }
});

Deno.test("GET /candidates/{id}: another crew member's 404 never reaches admin or finance", async () => {
  for (let i = 0; i < ROUNDS; i++) {
    const c = await makeCandidate("Single Flight Candidate");
    await race(
      `candidates/${c.id}`,
      (routes) => routes.candidates("get", "/candidates/{id}")({ path: { id: c.id } }),
      tokens.crew2,
      [tokens.admin, tokens.finance],
    );
  }
});

Deno.test("single flight: close db", async () => {
  await closeDb();
});
