/**
 * Fixture rows for the candidates and claims tests, created directly in the database with fresh
 * ids and unique IC numbers, so files run in parallel and again without colliding. Admin and
 * finance are the seed's demo ids (their tokens need no rows); managers and crew are fresh users.
 * Also what the candidates test's steps share: callers by token, the error-shape assertion, counts.
 */
import assert from "node:assert/strict";
import type { CrewApiError } from "../../../client/index.ts";
import { db, failsWith, tokenAs } from "../../helpers/client.ts";

export interface TestUser {
  id: string;
  token: string;
}

export interface Crew extends TestUser {
  candidateId: string;
  ic: string;
}

export interface World {
  tag: string;
  manager: TestUser;
  manager2: TestUser;
  crew: Crew;
  crew2: Crew;
  /** Project of `manager`; crew and crew2 assigned. */
  projectId: string;
  /** Project of `manager2`; crew2 assigned. */
  project2Id: string;
}

/** A valid, practically unique IC: a real birth date 1970–1999, then 6 random digits. */
export function uniqueIc(): string {
  const birth = new Date(Date.UTC(1970, 0, 1) + Math.floor(Math.random() * 30 * 365) * 86_400_000);
  const yymmdd = birth.toISOString().slice(2, 10).replaceAll("-", "");
  const rest = crypto.getRandomValues(new Uint32Array(1))[0] % 1_000_000;
  return `${yymmdd}${String(rest).padStart(6, "0")}`;
}

/** `n` distinct ICs none of which is in the database yet. */
export async function freshIcs(n: number): Promise<string[]> {
  const ics = new Set<string>();
  while (ics.size < n) {
    const batch = Array.from({ length: n - ics.size }, uniqueIc).filter((ic) => !ics.has(ic));
    const taken = new Set(
      (await db()`select ic_number from public.candidates where ic_number = any(${batch})`)
        .map((r) => r.ic_number as string),
    );
    for (const ic of batch) if (!taken.has(ic)) ics.add(ic);
  }
  return [...ics];
}

/** `900101145678` → `900101-14-5678`, as people type it. */
export const dashed = (ic: string) => `${ic.slice(0, 6)}-${ic.slice(6, 8)}-${ic.slice(8)}`;

/** A fresh auth user with an app role and a token for it. */
export async function makeUser(role: string, tag: string): Promise<TestUser> {
  const id = crypto.randomUUID();
  await db()`
    insert into auth.users (id, email, raw_app_meta_data)
    values (${id}, ${`${role}-${tag}-${id.slice(0, 8)}@test.local`}, ${db().json({ role })})`;
  return { id, token: await tokenAs(id, role) };
}

/** A candidate row (optionally linked to a login) and its IC. */
export async function makeCandidate(
  name: string,
  userId: string | null = null,
  extra: { skills?: string[]; status?: string } = {},
): Promise<{ id: string; ic: string }> {
  const ic = uniqueIc();
  const [row] = await db()`
    insert into public.candidates (full_name, ic_number, user_id, skills, status)
    values (${name}, ${ic}, ${userId}, ${extra.skills ?? []},
            ${extra.status ?? "active"}::public.candidate_status)
    returning id`;
  return { id: row.id, ic };
}

async function crew(tag: string, name: string): Promise<Crew> {
  const user = await makeUser("crew", tag);
  const c = await makeCandidate(name, user.id);
  return { ...user, candidateId: c.id, ic: c.ic };
}

/** Two managers with a project each, two linked crew members, assignments. */
export async function makeWorld(): Promise<World> {
  const tag = crypto.randomUUID().slice(0, 8);
  const [manager, manager2, crew1, crew2] = await Promise.all([
    makeUser("manager", tag),
    makeUser("manager", tag),
    crew(tag, `Aminah Crew ${tag}`),
    crew(tag, `Boon Crew ${tag}`),
  ]);
  const [p1] = await db()`
    insert into public.projects (title, status, start_date, end_date, manager_id)
    values (${`Claims test ${tag}`}, 'active', '2025-01-01', '2027-12-31', ${manager.id})
    returning id`;
  const [p2] = await db()`
    insert into public.projects (title, status, start_date, end_date, manager_id)
    values (${`Claims test 2 ${tag}`}, 'active', '2025-02-01', '2027-12-31', ${manager2.id})
    returning id`;
  await db()`
    insert into public.project_staff (project_id, candidate_id, status, daily_rate)
    values (${p1.id}, ${crew1.candidateId}, 'confirmed', 150),
           (${p1.id}, ${crew2.candidateId}, 'confirmed', 200),
           (${p2.id}, ${crew2.candidateId}, 'confirmed', 180)`;
  return { tag, manager, manager2, crew: crew1, crew2, projectId: p1.id, project2Id: p2.id };
}

/** Inserts a claim directly in any status (a reason is filled in for rejected ones). */
export async function insertClaim(
  projectId: string,
  candidateId: string,
  status = "draft",
  amount = "42.50",
): Promise<string> {
  const [row] = await db()`
    insert into public.expense_claims
           (project_id, candidate_id, category, amount, status, rejection_reason)
    values (${projectId}, ${candidateId}, 'transport', ${amount},
            ${status}::public.claim_status, ${status === "rejected" ? "test" : null})
    returning id`;
  return row.id;
}

// deno-lint-ignore no-explicit-any
export type Body = Record<string, any>;

/** A caller by token: the world's users are fresh, not the seed's demo users. */
export const as = (token: string) => ({ token });

/**
 * Awaits a typed call that must fail with the error shape: status, code and a message; returns
 * the `CrewApiError` (its `details`, and `errorText` for "does not leak" checks).
 */
export async function refused(
  call: Promise<unknown>,
  status: number,
  code: string,
): Promise<CrewApiError> {
  const error = await failsWith(call, status, code);
  assert.equal(typeof error.message, "string");
  return error;
}

/** Asserts the error shape of a raw `invoke` answer: status, code and a message. */
export function assertError(res: { status: number; data: Body }, status: number, code: string) {
  assert.equal(res.status, status, JSON.stringify(res.data));
  assert.equal(res.data.error?.code, code, JSON.stringify(res.data));
  assert.equal(typeof res.data.error?.message, "string");
}

/** How many candidates carry exactly `name` (to prove nothing was written). */
export async function countByName(name: string): Promise<number> {
  const [row] =
    await db()`select count(*)::int as n from public.candidates where full_name = ${name}`;
  return row.n;
}
