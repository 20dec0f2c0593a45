/**
 * EXPLAIN helper for the candidates and claims plan tests: runs a service statement's EXPLAIN as
 * a given caller with `enable_seqscan = off`, fails on a Seq Scan of a big table, and fails when a
 * big table is scanned without one of its own indexes (see candidates.test.ts here for why the
 * combination can still fail on the small seed).
 */
import assert from "node:assert/strict";
import type postgres from "postgres";
import { db } from "../../helpers/client.ts";
import { DB_ROLE } from "../../../shared/db/index.ts";

const BIG = /^(projects|candidates|project_staff|payments|expense_claims|activity_logs)/;

export interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  Plans?: PlanNode[];
}

/** JWT claims of a user with an app role, as `asUser` hands them to Postgres. */
export function claimsOf(sub: string, role: string): Record<string, unknown> {
  return { sub, role: "authenticated", app_metadata: { role } };
}

let indexTable: Map<string, string> | undefined;

async function tableOfIndex(name: string): Promise<string | undefined> {
  indexTable ??= new Map(
    (await db()`
      select i.relname as index, t.relname as table
        from pg_index x
        join pg_class i on i.oid = x.indexrelid
        join pg_class t on t.oid = x.indrelid
        join pg_namespace n on n.oid = t.relnamespace
       where n.nspname = 'public'`).map((r) => [r.index as string, r.table as string]),
  );
  return indexTable.get(name);
}

/**
 * EXPLAINs `build(tx)` as `claims` (null = the service path, no role switch) and checks the
 * plan; returns it for further assertions.
 */
export async function checkPlan(
  name: string,
  claims: Record<string, unknown> | null,
  build: (tx: postgres.Sql) => postgres.PendingQuery<postgres.Row[]>,
): Promise<PlanNode> {
  const plan = await db().begin(async (tx) => {
    await tx`set local enable_seqscan = off`;
    if (claims) {
      await tx`select set_config('request.jwt.claims', ${JSON.stringify(claims)}, true),
                      set_config('role', ${DB_ROLE.authenticated}, true)`;
    }
    const [row] = await tx`explain (format json) ${build(tx as unknown as postgres.Sql)}`;
    return (row["QUERY PLAN"] as { Plan: PlanNode }[])[0].Plan;
  });
  const scanned = new Set<string>();
  const indexed = new Set<string>();
  const nodes: PlanNode[] = [];
  const visit = (n: PlanNode) => {
    nodes.push(n);
    n.Plans?.forEach(visit);
  };
  visit(plan);
  for (const n of nodes) {
    const table = n["Relation Name"];
    if (!table || !BIG.test(table)) continue;
    if (n["Node Type"] === "Seq Scan") {
      assert.fail(`${name}: Seq Scan on ${table}\n${JSON.stringify(plan, null, 1)}`);
    }
    // Insert/Update targets carry a relation name too; only reads must come through an index.
    if (n["Node Type"].includes("Scan")) scanned.add(table);
  }
  for (const n of nodes) {
    if (n["Index Name"]) {
      const table = await tableOfIndex(n["Index Name"]);
      if (table) indexed.add(table);
    }
  }
  for (const table of scanned) {
    assert.ok(indexed.has(table), `${name}: ${table} read without one of its indexes`);
  }
  return plan;
}
