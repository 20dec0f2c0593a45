/**
 * Query plans of every statement the payments service runs, EXPLAINed through the service's own
 * builders (shared/services/payments/queries.ts, idempotency.ts) as the role that runs them, on
 * whatever seed is loaded.
 *
 * On the small seed the planner may rightly prefer a sequential scan of a small table, so each
 * EXPLAIN runs with `enable_seqscan = off` AND the test asserts that (a) no big table is scanned
 * sequentially — with seqscan off that only happens when no usable index exists, so the test still
 * fails on a missing index — and (b) every big table the plan touches is reached through one of
 * its indexes. The list additionally must prune partitions (its date window is bounded).
 *
 * Not covered here: the bodies of report_monthly_payments / live_monthly_payments (SECURITY
 * DEFINER functions of the schema; EXPLAIN shows only a Function Scan) — the schema's own tests
 * own them.
 */
import assert from "node:assert/strict";
import type postgres from "postgres";
import { closeDb, db, DEMO } from "../../helpers/client.ts";
import {
  claimKeySql,
  readKeySql,
  storeResponseSql,
} from "../../../shared/services/payments/idempotency.ts";
import {
  approveManySql,
  claimPayrollKeysSql,
  getPaymentSql,
  insertPaymentSql,
  insertPayrollSql,
  listPaymentsSql,
  payrollLinesSql,
  payrollProjectSql,
  readPayrollResponsesSql,
  statusOfSql,
  storePayrollResponsesSql,
  transitionSql,
} from "../../../shared/services/payments/queries.ts";
import { DB_ROLE, type Tx } from "../../../shared/db/index.ts";
import { insertPayment, makeWorld } from "../../e2e/payments/fixtures.ts";

const BIG = /^(projects|candidates|project_staff|payments|expense_claims|activity_logs)/;

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  Plans?: PlanNode[];
}

function walk(node: PlanNode, visit: (n: PlanNode) => void) {
  visit(node);
  for (const child of node.Plans ?? []) walk(child, visit);
}

/** Tables an index node reads: the index name → its table, looked up once. */
let indexTable: Map<string, string> | undefined;
async function tableOfIndex(name: string): Promise<string | undefined> {
  if (!indexTable) {
    const rows = await db()`
      select i.relname as index, t.relname as table
        from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid
        join pg_namespace n on n.oid = t.relnamespace where n.nspname = 'public'`;
    indexTable = new Map(rows.map((r) => [r.index, r.table]));
  }
  return indexTable.get(name);
}

/** EXPLAINs `build(tx)` as `claims` (null = the service path) and checks the plan. */
async function checkPlan(
  name: string,
  claims: Record<string, unknown> | null,
  // deno-lint-ignore no-explicit-any
  build: (tx: Tx) => postgres.PendingQuery<any>,
): Promise<PlanNode> {
  const plan = await db().begin(async (tx) => {
    await tx`set local enable_seqscan = off`;
    if (claims) {
      await tx`select set_config('request.jwt.claims', ${JSON.stringify(claims)}, true),
                      set_config('role', ${DB_ROLE.authenticated}, true)`;
    }
    const [row] = await tx`explain (format json) ${build(tx as unknown as Tx)}`;
    return (row["QUERY PLAN"] as { Plan: PlanNode }[])[0].Plan;
  });
  const touched = new Set<string>();
  const indexed = new Set<string>();
  const nodes: PlanNode[] = [];
  walk(plan, (n) => nodes.push(n));
  for (const n of nodes) {
    if (n["Node Type"] === "Seq Scan" && n["Relation Name"] && BIG.test(n["Relation Name"])) {
      assert.fail(`${name}: Seq Scan on ${n["Relation Name"]}\n${JSON.stringify(plan, null, 1)}`);
    }
    // ModifyTable nodes name their target table; only the scans say how rows are found.
    const isScan = n["Node Type"].endsWith("Scan");
    if (isScan && n["Relation Name"] && BIG.test(n["Relation Name"])) {
      touched.add(n["Relation Name"]);
    }
    if (n["Index Name"]) {
      const table = await tableOfIndex(n["Index Name"]);
      if (table) indexed.add(table);
    }
  }
  for (const table of touched) {
    assert.ok(indexed.has(table), `${name}: ${table} read without an index`);
  }
  return plan;
}

const partitionsIn = (plan: PlanNode) => {
  const seen = new Set<string>();
  walk(plan, (n) => {
    if (n["Relation Name"]?.startsWith("payments_")) seen.add(n["Relation Name"]);
  });
  return seen.size;
};

Deno.test({
  name: "payments query plans use indexes",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const w = await makeWorld();
    const paymentId = await insertPayment(w.projectId, w.crew.candidateId);
    await db()`analyze public.payments`;
    const claims = (sub: string, role: string) => ({
      sub,
      role: "authenticated",
      app_metadata: { role },
    });
    const finance = claims(DEMO.finance, "finance");
    const manager = claims(w.manager.id, "manager");
    const crew = claims(w.crew.id, "crew");
    const [{ n: partitions }] = await db()`
      select count(*)::int as n from pg_inherits
       where inhparent = 'public.payments'::regclass`;
    const window = { from: "2025-01-01", to: "2025-12-31", limit: 51 };
    const payroll = {
      project_id: w.projectId,
      period_start: "2025-03-03",
      period_end: "2025-03-16",
      payment_date: "2025-03-31",
    };

    await t.step("list", async () => {
      for (
        const [name, who, filter] of [
          ["list all (finance)", finance, window],
          ["list by project", finance, { ...window, project_id: w.projectId }],
          ["list by candidate", finance, { ...window, candidate_id: w.crew.candidateId }],
          ["list by status", finance, { ...window, status: "pending" as const }],
          ["list page 2", finance, { ...window, cursor: { date: "2025-06-01", id: paymentId } }],
          ["list as manager", manager, window],
          ["list as crew", crew, window],
        ] as const
      ) {
        const plan = await checkPlan(name, who, (tx) => listPaymentsSql(tx, filter));
        const scanned = partitionsIn(plan);
        assert.ok(scanned < partitions, `${name}: ${scanned} of ${partitions} partitions scanned`);
      }
    });

    await t.step("detail, moves, bulk approval", async () => {
      await checkPlan("get by id", finance, (tx) => getPaymentSql(tx, paymentId));
      await checkPlan("get by id as crew", crew, (tx) => getPaymentSql(tx, paymentId));
      await checkPlan("status of", finance, (tx) => statusOfSql(tx, paymentId));
      await checkPlan(
        "approve",
        finance,
        (tx) => transitionSql(tx, paymentId, { action: "approve" }),
      );
      await checkPlan(
        "fail",
        finance,
        (tx) => transitionSql(tx, paymentId, { action: "fail", reason: "x" }),
      );
      await checkPlan("approve many", finance, (tx) => approveManySql(tx, [paymentId]));
      await checkPlan("insert", finance, (tx) =>
        insertPaymentSql(tx, {
          project_id: w.projectId,
          candidate_id: w.crew.candidateId,
          amount: "10.00",
          payment_date: "2025-03-31",
        }));
    });

    await t.step("payroll and idempotency keys", async () => {
      await checkPlan("payroll project", finance, (tx) => payrollProjectSql(tx, w.projectId));
      await checkPlan("payroll lines", finance, (tx) => payrollLinesSql(tx, payroll));
      await checkPlan(
        "payroll insert",
        finance,
        (tx) =>
          insertPayrollSql(tx, payroll, [{ candidate_id: w.crew.candidateId, amount: "10.00" }]),
      );
      const key = `plan-${w.tag}`;
      await checkPlan("claim key", null, (tx) => claimKeySql(tx, key, w.manager.id, "h"));
      await checkPlan("read key", null, (tx) => readKeySql(tx, key));
      await checkPlan("store response", null, (tx) => storeResponseSql(tx, key, 201, {}));
      await checkPlan(
        "claim payroll keys",
        null,
        (tx) => claimPayrollKeysSql(tx, [key], ["h"], w.manager.id),
      );
      await checkPlan("store payroll responses", null, (tx) =>
        storePayrollResponsesSql(tx, [{
          key,
          payment_id: paymentId,
          payment_date: "2025-03-31",
          response: {},
        }]));
      await checkPlan("read payroll responses", null, (tx) => readPayrollResponsesSql(tx, [key]));
    });

    await closeDb();
  },
});
