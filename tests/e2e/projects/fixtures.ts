/**
 * Fixtures for the projects tests: unique project titles per run (so parallel and repeated runs
 * never collide), projects created through the API as a given user, and candidate ids taken from
 * the seed by status; plus the error-shape assertion, counts and the name-prefixed `Deno.test` the
 * files share.
 */
import assert from "node:assert/strict";
import type { Project } from "../../../client/index.ts";
import { db, DEMO, type DemoUser, failsWith, routesAs } from "../../helpers/client.ts";

export type Json = Record<string, unknown>;

/** The files' `Deno.test`: every name under `prefix`, sanitizers off as in every e2e file. */
export const testsNamed = (prefix: string) => (name: string, fn: () => Promise<void>) =>
  Deno.test({ name: `${prefix}: ${name}`, fn, sanitizeOps: false, sanitizeResources: false });

/** A token unique to this process, put in every title a test creates. */
export const RUN = `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

let counter = 0;
/** A fresh unique title containing RUN and `label`. */
export const title = (label: string) => `${RUN} ${label} ${++counter}`;

export interface ProjectBody {
  title: string;
  start_date: string;
  end_date: string;
  client_name?: string | null;
  venue?: string | null;
  status?: "planning" | "active";
  crew_needed?: number;
  budget?: string | null;
  manager_id?: string | null;
}

/** Creates a project through the typed client and returns it (asserts 201). */
export async function createProject(
  as: DemoUser,
  overrides: Partial<ProjectBody> = {},
): Promise<Project> {
  const body: ProjectBody = {
    title: title("project"),
    start_date: "2026-03-01",
    end_date: "2026-03-31",
    client_name: "Petronas Events",
    venue: "KLCC Hall 3",
    budget: "25000.00",
    crew_needed: 10,
    ...overrides,
  };
  const res = await routesAs(as).projects("post", "/projects")({ body });
  assert.equal(res.status, 201, JSON.stringify(res.data));
  return res.data;
}

/** `n` active candidates without a login (so no crew test user is touched). */
export async function activeCandidates(n: number): Promise<string[]> {
  const rows = await db()`
    select id from public.candidates
     where status = 'active' and user_id is null
     order by md5(id::text || ${RUN}) limit ${n}`;
  assert.equal(rows.length, n, "the seed has too few active candidates");
  return rows.map((r) => r.id as string);
}

/** A blacklisted candidate from the seed. */
export async function blacklistedCandidate(): Promise<string> {
  const [row] = await db()`select id from public.candidates where status = 'blacklisted' limit 1`;
  assert.ok(row, "the seed has no blacklisted candidate");
  return row.id as string;
}

/** The candidate row linked to a crew demo user. */
export async function candidateOf(user: "crew" | "crew2"): Promise<string> {
  const [row] = await db()`select id from public.candidates where user_id = ${DEMO[user]}`;
  assert.ok(row, `the seed links no candidate to ${user}`);
  return row.id as string;
}

/** The stored project row (direct SQL, RLS bypassed), or undefined. */
export async function storedProject(id: string): Promise<Record<string, unknown> | undefined> {
  const [row] = await db()`select * from public.projects where id = ${id}`;
  return row;
}

/** How many projects carry `text` in their title (to prove nothing was written). */
export async function countTitled(text: string): Promise<number> {
  const [row] = await db()`
    select count(*)::int as n from public.projects where title like ${"%" + text + "%"}`;
  return row.n as number;
}

/** What POST /projects/{id}/staff answers. */
export type Assigned = { created: Json[]; skipped: string[] };

/** How many assignments a project has (direct SQL). */
export const staffCount = async (projectId: string) =>
  (await db()`select count(*)::int as n from public.project_staff where project_id = ${projectId}`)[
    0
  ]
    .n as number;

/**
 * Awaits a typed call that must fail with the shared error shape (`status`, `code`, a message
 * and a request id); returns its details.
 */
export async function rejects(
  call: Promise<unknown>,
  status: number,
  code: string,
): Promise<Record<string, unknown>> {
  const error = await failsWith(call, status, code);
  assert.equal(typeof error.message, "string");
  assert.equal(typeof error.requestId, "string");
  return error.details ?? {};
}

/** Asserts the shared error shape of a raw `invoke` answer. */
export function assertError(
  res: { status: number; data: unknown },
  status: number,
  code: string,
): Record<string, unknown> {
  assert.equal(res.status, status, JSON.stringify(res.data));
  const body = res.data as { error?: { code?: string; message?: string }; request_id?: string };
  assert.equal(body.error?.code, code, JSON.stringify(res.data));
  assert.equal(typeof body.error?.message, "string");
  assert.equal(typeof body.request_id, "string");
  return (body.error as { details?: Record<string, unknown> }).details ?? {};
}
