/**
 * Query plans of every statement the candidates service runs, EXPLAINed through the service's own
 * builders (shared/services/candidates/queries.ts) as the role that runs them, on whatever seed is
 * loaded.
 *
 * On the small seed the planner may rightly prefer a sequential scan of a small table, so each
 * EXPLAIN runs with `enable_seqscan = off` AND asserts (a) no big table is scanned sequentially —
 * with seqscan off that only happens when no usable index exists, so a missing index still fails
 * the test — and (b) every big table the plan reads is reached through one of ITS indexes, and for
 * the statements whose point is a particular index (trigram name search, IC lookup, skills), that
 * index by name.
 *
 * Not covered: the body of report_candidate_earnings (a SECURITY DEFINER function of the schema;
 * EXPLAIN shows only a Function Scan; the schema's tests own it).
 */
import assert from "node:assert/strict";
import type postgres from "postgres";
import { closeDb, db, DEMO } from "../../helpers/client.ts";
import {
  assignmentsQuery,
  bankByCandidateQuery,
  candidateByIdQuery,
  earningsQuery,
  importChunkQuery,
  insertCandidateQuery,
  ownCandidateIdQuery,
  searchCandidatesQuery,
  updateCandidateQuery,
  upsertBankQuery,
} from "../../../shared/services/candidates/queries.ts";
import { freshIcs, makeWorld } from "../../e2e/candidates/fixtures.ts";
import { checkPlan, claimsOf, type PlanNode } from "./plan-check.ts";

const ADMIN = DEMO.admin;

function indexesIn(plan: PlanNode): Set<string> {
  const names = new Set<string>();
  const visit = (n: PlanNode) => {
    if (n["Index Name"]) names.add(n["Index Name"]);
    n.Plans?.forEach(visit);
  };
  visit(plan);
  return names;
}

Deno.test({
  name: "candidates query plans use indexes",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const w = await makeWorld();
    await db()`analyze public.candidates`;
    const admin = claimsOf(ADMIN, "admin");
    const manager = claimsOf(w.manager.id, "manager");
    const crew = claimsOf(w.crew.id, "crew");
    type Build = (tx: postgres.Sql) => postgres.PendingQuery<postgres.Row[]>;

    await t.step("search", async () => {
      const cases: [string, Build, string?][] = [
        ["newest first", (tx) => searchCandidatesQuery(tx, { limit: 50 }, null)],
        [
          "newest first, page 2",
          (tx) =>
            searchCandidatesQuery(tx, { limit: 50 }, {
              v: new Date().toISOString(),
              id: w.crew.candidateId,
            }),
        ],
        [
          "by name",
          (tx) => searchCandidatesQuery(tx, { q: "aminah", limit: 50 }, null),
          "idx_candidates_full_name_trgm",
        ],
        [
          "by name, page 2",
          (tx) =>
            searchCandidatesQuery(tx, { q: "aminah", limit: 50 }, {
              v: "0.5",
              id: w.crew.candidateId,
            }),
          "idx_candidates_full_name_trgm",
        ],
        [
          "by IC",
          (tx) => searchCandidatesQuery(tx, { ic: w.crew.ic, limit: 50 }, null),
          "candidates_ic_number_key|idx_candidates_ic_status",
        ],
        [
          "by skills",
          (tx) => searchCandidatesQuery(tx, { skills: ["rigging"], limit: 50 }, null),
          "idx_candidates_skills",
        ],
        [
          "by status",
          (tx) => searchCandidatesQuery(tx, { status: "blacklisted", limit: 50 }, null),
        ],
      ];
      for (const [name, build, index] of cases) {
        {
          // The search runs on the service path (see searchCandidates for why).
          const plan = await checkPlan(`search ${name}`, null, build);
          if (index) {
            const used = [...indexesIn(plan)];
            assert.ok(
              used.some((u) => new RegExp(`^(${index})$`).test(u)),
              `search ${name}: expected ${index}, plan used ${used.join(", ")}`,
            );
          }
        }
      }
    });

    await t.step("one record, bank, own id", async () => {
      for (const who of [admin, manager, crew]) {
        await checkPlan("by id", who, (tx) => candidateByIdQuery(tx, w.crew.candidateId));
        await checkPlan("own id", who, (tx) => ownCandidateIdQuery(tx));
      }
      await checkPlan("bank", admin, (tx) => bankByCandidateQuery(tx, w.crew.candidateId));
      await checkPlan("bank as crew", crew, (tx) => bankByCandidateQuery(tx, w.crew.candidateId));
    });

    await t.step("assignments and earnings", async () => {
      for (const who of [admin, manager, crew]) {
        await checkPlan(
          "assignments",
          who,
          (tx) => assignmentsQuery(tx, w.crew.candidateId, 50, null),
        );
      }
      await checkPlan(
        "assignments page 2",
        admin,
        (tx) =>
          assignmentsQuery(tx, w.crew.candidateId, 50, { v: "2026-01-01", id: w.crew.candidateId }),
      );
      await checkPlan("earnings", admin, (tx) => earningsQuery(tx, w.crew.candidateId));
      await checkPlan("earnings as crew", crew, (tx) => earningsQuery(tx, w.crew.candidateId));
    });

    await t.step("writes", async () => {
      const ics = await freshIcs(3);
      await checkPlan(
        "insert",
        admin,
        (tx) => insertCandidateQuery(tx, { full_name: "Plan", ic_number: ics[0] }),
      );
      await checkPlan(
        "update",
        manager,
        (tx) => updateCandidateQuery(tx, w.crew.candidateId, { phone: "0123456789" }),
      );
      await checkPlan(
        "update own (service path)",
        null,
        (tx) => updateCandidateQuery(tx, w.crew.candidateId, { phone: "0123456789" }, w.crew.id),
      );
      await checkPlan("bank upsert", admin, (tx) =>
        upsertBankQuery(tx, w.crew.candidateId, {
          bank_name: "Maybank",
          account_number: "1234567890",
          account_holder: "Plan",
        }));
      const plan = await checkPlan("import chunk", admin, (tx) =>
        importChunkQuery(tx, [
          { full_name: "Plan A", ic_number: ics[1] },
          { full_name: "Plan B", ic_number: w.crew.ic },
        ]));
      assert.ok(indexesIn(plan).size > 0, "the import reaches candidates through an index");
    });

    await closeDb();
  },
});
