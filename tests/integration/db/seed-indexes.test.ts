/**
 * The five product indexes serve the queries they were made for, on whatever seed is loaded.
 *
 * On the large seed the planner runs free: each query's plan must use its product index.
 * On smaller data a sequential scan is genuinely cheaper, so the test sets
 * `enable_seqscan = off` (inside a rolled-back transaction) and still requires the plan to
 * name THAT index: every other index stays available, so the assertion fails when the index
 * is missing, has the wrong column order, or loses to another index.
 */
import assert from "node:assert/strict";
import postgres from "postgres";

const dbUrl = Deno.env.get("DB_DIRECT_URL");

interface PlanNode {
  "Index Name"?: string;
  Plans?: PlanNode[];
}

function indexNames(node: PlanNode): string[] {
  const own = node["Index Name"] ? [node["Index Name"]] : [];
  return own.concat(...(node.Plans ?? []).map(indexNames));
}

Deno.test({
  name: "product indexes are used by their queries",
  ignore: !dbUrl,
  async fn() {
    const sql = postgres(dbUrl!, { max: 1, prepare: false, onnotice: () => {} });
    try {
      const [info] = await sql`
        select (select scale from public.seed_info) as scale
         where to_regclass('public.seed_info') is not null`.catch(() => []);
      const large = info?.scale === "large";

      // Realistic literals from the loaded data (fallbacks keep the plans meaningful on an
      // empty database). All are uuids, dates or digit strings produced by Postgres itself.
      const [v] = await sql`
        select coalesce((select project_id::text from project_staff
                          group by 1 order by count(*) desc, 1 limit 1),
                        gen_random_uuid()::text) as project_id,
               coalesce((select ic_number from candidates order by id limit 1),
                        '900101145678') as ic_number,
               (current_date - 60)::text as day`;

      const cases: Array<[string, string]> = [
        [
          "idx_projects_status_dates",
          `select id, title from public.projects where status = 'active'
             and start_date >= '${v.day}'::date - 30 and end_date <= '${v.day}'::date + 60`,
        ],
        [
          "idx_candidates_ic_status",
          `select id from public.candidates where ic_number = '${v.ic_number}'
             and status = 'active'`,
        ],
        [
          "idx_project_staff_composite",
          `select candidate_id, status from public.project_staff
            where project_id = '${v.project_id}' and status = 'confirmed'`,
        ],
        [
          "idx_payments_date_status",
          `select id, amount from public.payments
            where payment_date between '${v.day}'::date and '${v.day}'::date + 6
              and status = 'paid'`,
        ],
        [
          "idx_expense_claims_project_status",
          `select id, amount from public.expense_claims
            where project_id = '${v.project_id}' and status = 'submitted'`,
        ],
      ];

      for (const [index, query] of cases) {
        const used = await sql.begin(async (tx) => {
          if (!large) await tx`set local enable_seqscan = off`;
          // unsafe: EXPLAIN cannot take bind parameters; the literals above come from the DB.
          const [row] = await tx.unsafe(`explain (format json) ${query}`);
          const names = indexNames(row["QUERY PLAN"][0].Plan);
          // Partition-local indexes (payments_y2025m06_...) resolve to their partitioned parent.
          const roots = await tx`
            select coalesce(
                     (select i.inhparent::regclass::text from pg_inherits i
                       where i.inhrelid = to_regclass(n)), n) as root
              from unnest(${names}::text[]) n`;
          return roots.map((r) => r.root as string);
        });
        assert.ok(
          used.includes(index),
          `${large ? "large seed" : "enable_seqscan=off"}: expected ${index}, plan used ${
            used.join(", ") || "no index"
          }\n${query}`,
        );
      }
    } finally {
      await sql.end();
    }
  },
});
