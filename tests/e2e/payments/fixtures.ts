/**
 * Fixture rows for the payments tests, created directly in the database with fresh ids so test
 * files can run in parallel and again without colliding: two managers with a project each, two
 * crew members linked to candidates, assignments. Admin and finance are the seed's demo ids
 * (their tokens need no rows).
 */
import assert from "node:assert/strict";
import type { JobAccepted, PayrollResult } from "../../../client/index.ts";
import { db, tokenAs } from "../../helpers/client.ts";

export interface World {
  tag: string;
  manager: { id: string; token: string };
  manager2: { id: string; token: string };
  crew: { id: string; token: string; candidateId: string };
  crew2: { id: string; token: string; candidateId: string };
  /** Project of `manager`, with crew and crew2 assigned. */
  projectId: string;
  /** Project of `manager2`, with crew2 assigned. */
  project2Id: string;
}

/** A valid, practically unique Malaysian IC: real YYMMDD, state code, 4 random digits. */
export function randomIc(): string {
  const birth = new Date(Date.UTC(1970, 0, 1) + Math.floor(Math.random() * 30 * 365) * 86_400_000);
  const yymmdd = birth.toISOString().slice(2, 10).replaceAll("-", "");
  const rest = String(Math.floor(Math.random() * 1_000_000)).padStart(6, "0");
  return `${yymmdd}${rest}`;
}

async function user(role: string, tag: string): Promise<{ id: string; token: string }> {
  const id = crypto.randomUUID();
  await db()`
    insert into auth.users (id, email, raw_app_meta_data)
    values (${id}, ${`${role}-${tag}-${id.slice(0, 8)}@test.local`},
            ${db().json({ role })})`;
  return { id, token: await tokenAs(id, role) };
}

async function candidate(userId: string | null, tag: string): Promise<string> {
  const [row] = await db()`
    insert into public.candidates (full_name, ic_number, user_id)
    values (${`Test Crew ${tag}`}, ${randomIc()}, ${userId}) returning id`;
  return row.id;
}

/** Creates a fresh world of users, projects and assignments. */
export async function makeWorld(): Promise<World> {
  const tag = crypto.randomUUID().slice(0, 8);
  const [manager, manager2, crewUser, crew2User] = await Promise.all([
    user("manager", tag),
    user("manager", tag),
    user("crew", tag),
    user("crew", tag),
  ]);
  const [crewCandidate, crew2Candidate] = await Promise.all([
    candidate(crewUser.id, tag),
    candidate(crew2User.id, tag),
  ]);
  const [p1] = await db()`
    insert into public.projects (title, status, start_date, end_date, manager_id)
    values (${`Payments test ${tag}`}, 'active', '2025-01-01', '2027-12-31', ${manager.id})
    returning id`;
  const [p2] = await db()`
    insert into public.projects (title, status, start_date, end_date, manager_id)
    values (${`Payments test 2 ${tag}`}, 'active', '2025-01-01', '2027-12-31', ${manager2.id})
    returning id`;
  await db()`
    insert into public.project_staff (project_id, candidate_id, status, daily_rate)
    values (${p1.id}, ${crewCandidate}, 'confirmed', 150),
           (${p1.id}, ${crew2Candidate}, 'confirmed', 200),
           (${p2.id}, ${crew2Candidate}, 'confirmed', 180)`;
  return {
    tag,
    manager,
    manager2,
    crew: { ...crewUser, candidateId: crewCandidate },
    crew2: { ...crew2User, candidateId: crew2Candidate },
    projectId: p1.id,
    project2Id: p2.id,
  };
}

/** Inserts a payment directly (any status) and returns its id. */
export async function insertPayment(
  projectId: string,
  candidateId: string,
  options: { amount?: string; status?: string; date?: string } = {},
): Promise<string> {
  const [row] = await db()`
    insert into public.payments (project_id, candidate_id, amount, payment_date, status)
    values (${projectId}, ${candidateId}, ${options.amount ?? "100.00"},
            ${options.date ?? new Date().toISOString().slice(0, 10)},
            ${options.status ?? "pending"})
    returning id`;
  return row.id;
}

/** Number of payments rows of a candidate (to assert "nothing changed"). */
export async function paymentCount(candidateId: string): Promise<number> {
  const [row] = await db()`
    select count(*)::int as n from public.payments where candidate_id = ${candidateId}`;
  return row.n;
}

/** A fresh client idempotency key. */
export const newKey = () => `test-${crypto.randomUUID()}`;

/** A payroll answer that must be the run's result (200), not a queued job (202). */
export function ranPayroll(
  res: { status: number; data: PayrollResult | JobAccepted },
): PayrollResult {
  assert.equal(res.status, 200, JSON.stringify(res.data));
  assert.ok("created" in res.data, JSON.stringify(res.data));
  return res.data;
}
