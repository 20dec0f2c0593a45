/**
 * What the projects plan tests (projects-list, projects-rows, projects-staff) share: EXPLAIN of a
 * service statement as the role that runs it (RLS included), the checks on its plan, and
 * representative ids from the seed.
 *
 * The small seed is small enough that the planner may rightly prefer a sequential scan or a
 * bitmap scan plus sort, so each EXPLAIN runs with `enable_seqscan = off` and `enable_sort = off`.
 * Those settings only penalise a plan: the planner still picks a Seq Scan or a Sort when NO index
 * can serve the query. So a test fails exactly when an index is missing — and, so it can fail on
 * more than that, every statement also names the index it must use, or demands "no Sort node"
 * (the keyset order must come from an index).
 */
import assert from "node:assert/strict";
import type { Sql } from "postgres";
import { db, DEMO } from "../../helpers/client.ts";
import type { ListFilters } from "../../../shared/services/projects/queries.ts";
import { DB_ROLE } from "../../../shared/db/index.ts";

const BIG = /^(projects|candidates|project_staff|payments.*|expense_claims|activity_logs.*)$/;

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

export type Role = "admin" | "manager" | "finance" | "crew";
const USER: Record<Role, string> = {
  admin: DEMO.admin,
  manager: DEMO.manager,
  finance: DEMO.finance,
  crew: DEMO.crew,
};

/** EXPLAINs `build(tx)` as `role` and returns the plan's nodes. */
export async function explain(
  role: Role,
  build: (sql: Sql) => unknown,
  sortOk = false,
): Promise<PlanNode[]> {
  let out: PlanNode[] = [];
  await db().begin(async (tx) => {
    const claims = { sub: USER[role], role: "authenticated", app_metadata: { role } };
    await tx`select set_config('request.jwt.claims', ${JSON.stringify(claims)}, true),
                    set_config('role', ${DB_ROLE.authenticated}, true),
                    set_config('enable_seqscan', 'off', true),
                    set_config('enable_sort', ${sortOk ? "on" : "off"}, true)`;
    const [row] = await tx`explain (format json) ${build(tx as unknown as Sql) as never}`;
    out = nodes((row["QUERY PLAN"] as { Plan: PlanNode }[])[0].Plan);
    throw new RollbackSignal();
  }).catch((err) => {
    if (!(err instanceof RollbackSignal)) throw err;
  });
  return out;
}
class RollbackSignal extends Error {}

export interface Expect {
  /** Index names that must appear in the plan. */
  indexes?: (string | RegExp)[];
  /** The order must come from an index (no Sort node). */
  noSort?: boolean;
  /** Sorting a few matched rows is the intended plan: leave `enable_sort` on. */
  sortOk?: boolean;
}

/** Fails on a Seq Scan of a big table, a missing expected index, or a Sort where `noSort`. */
export function check(name: string, plan: PlanNode[], expect: Expect) {
  const seq = plan.filter((n) =>
    n["Node Type"] === "Seq Scan" && BIG.test(n["Relation Name"] ?? "")
  );
  assert.deepEqual(
    seq.map((n) => n["Relation Name"]),
    [],
    `${name}: sequential scan of a big table`,
  );
  const used = plan.map((n) => n["Index Name"]).filter(Boolean) as string[];
  for (const want of expect.indexes ?? []) {
    assert.ok(
      used.some((u) => typeof want === "string" ? u === want : want.test(u)),
      `${name}: expected index ${want}, plan used ${JSON.stringify(used)}`,
    );
  }
  if (expect.noSort) {
    assert.ok(
      !plan.some((n) => n["Node Type"] === "Sort"),
      `${name}: sorts instead of reading an index in order`,
    );
  }
}

/** The list statements' default filters, and a cursor for their next pages. */
export const base: ListFilters = { sort: "start_date", order: "desc", limit: 50 };
export const cursorAfter = { v: "2026-01-01", id: "00000000-0000-4000-a000-000000000000" };

/** A statement to EXPLAIN: test name, the role it runs as, the statement, what the plan must show. */
export type PlanCase = [string, Role, (sql: Sql) => unknown, Expect];

/** Registers one test per case. */
export function planTests(cases: PlanCase[]): void {
  for (const [name, role, build, expect] of cases) {
    Deno.test({
      name: `projects plans: ${name} (${role})`,
      sanitizeOps: false,
      sanitizeResources: false,
      fn: async () => check(name, await explain(role, build, expect.sortOk), expect),
    });
  }
}

/** Seeded rows the statements about one project, assignment or candidate run against. */
export interface SeedIds {
  project: string;
  staff: string;
  candidate: string;
  managerProject: string;
}

/** An assigned live project, its first assignment, and a live project of the demo manager. */
export async function loadSeedIds(): Promise<SeedIds> {
  const [row] = await db()`
    select s.project_id as project, s.id as staff, s.candidate_id as candidate,
           (select id from public.projects where manager_id = ${DEMO.manager}
             and deleted_at is null limit 1) as "managerProject"
      from public.project_staff s
      join public.projects p on p.id = s.project_id and p.deleted_at is null
     order by s.project_id limit 1`;
  assert.ok(row?.managerProject, "the seed has no project for the demo manager");
  return row as SeedIds;
}
