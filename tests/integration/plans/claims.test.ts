/**
 * Query plans of every statement the claims service runs, EXPLAINed through the service's own
 * builders (shared/services/claims/queries.ts) as the role that runs them, with `enable_seqscan = off`
 * plus the index assertions of candidates_plan_check.ts (so a missing index still fails here).
 *
 * Exempt, on purpose: the all-claims summary of admin/finance (`summary, all`). It aggregates
 * every row of expense_claims, which a sequential scan does best; it is cached for 60 s. Its
 * per-project and per-role variants are checked.
 */
import assert from "node:assert/strict";
import { closeDb, db, DEMO } from "../../helpers/client.ts";
import {
  claimDetailQuery,
  claimStatusQuery,
  insertClaimQuery,
  listClaimsQuery,
  summaryQuery,
  transitionQuery,
  updateDraftQuery,
} from "../../../shared/services/claims/queries.ts";
import { insertClaim, makeWorld } from "../../e2e/candidates/fixtures.ts";
import { checkPlan, claimsOf } from "./plan-check.ts";

const FINANCE = DEMO.finance;

Deno.test({
  name: "claims query plans use indexes",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const w = await makeWorld();
    const claimId = await insertClaim(w.projectId, w.crew.candidateId, "submitted");
    await db()`analyze public.expense_claims`;
    const finance = claimsOf(FINANCE, "finance");
    const manager = claimsOf(w.manager.id, "manager");
    const crew = claimsOf(w.crew.id, "crew");
    const scopeOf = (role: "finance" | "manager" | "crew", userId: string) => ({
      appRole: role,
      userId,
    });
    // Admin and finance lists and summaries run on the service path (see readAll in claims.ts).
    const roles = [
      ["finance", null, scopeOf("finance", FINANCE)],
      ["manager", manager, scopeOf("manager", w.manager.id)],
      ["crew", crew, scopeOf("crew", w.crew.id)],
    ] as const;

    await t.step("lists", async () => {
      const cursor = { v: new Date().toISOString(), id: claimId };
      for (const [role, claims, scope] of roles) {
        const filters = [
          ["by project", { project_id: w.projectId, limit: 51 }],
          ["by candidate", { candidate_id: w.crew.candidateId, limit: 51 }],
          ["by status", { status: "submitted" as const, limit: 51 }],
          ["by project and status", {
            project_id: w.projectId,
            status: "approved" as const,
            limit: 51,
          }],
          ["dated", { project_id: w.projectId, from: "2025-01-01", to: "2026-12-31", limit: 51 }],
        ] as const;
        for (const [name, f] of filters) {
          await checkPlan(
            `list ${name} as ${role}`,
            claims,
            (tx) => listClaimsQuery(tx, scope, f, null),
          );
          await checkPlan(
            `list ${name} page 2 as ${role}`,
            claims,
            (tx) => listClaimsQuery(tx, scope, f, cursor),
          );
        }
      }
      // Unfiltered lists: newest first over the caller's whole scope.
      await checkPlan(
        "list all as manager",
        manager,
        (tx) => listClaimsQuery(tx, roles[1][2], { limit: 51 }, null),
      );
      await checkPlan(
        "list all as crew",
        crew,
        (tx) => listClaimsQuery(tx, roles[2][2], { limit: 51 }, null),
      );
      const [lead] = await db()`
        select count(*)::int as n from pg_indexes
         where schemaname = 'public' and tablename = 'expense_claims'
           and indexdef ~ 'USING btree \\(created_at'`;
      assert.ok(
        lead.n > 0,
        "expense_claims needs an index leading with created_at for the unfiltered admin/finance " +
          "list (newest first): create index idx_expense_claims_created on " +
          "public.expense_claims (created_at desc, id desc);",
      );
      await checkPlan(
        "list all as finance",
        null,
        (tx) => listClaimsQuery(tx, roles[0][2], { limit: 51 }, null),
      );
    });

    await t.step("detail, writes, summary", async () => {
      for (const [role, claims, scope] of roles) {
        await checkPlan(`detail as ${role}`, claims, (tx) => claimDetailQuery(tx, claimId));
        await checkPlan(`status as ${role}`, claims, (tx) => claimStatusQuery(tx, claimId));
        await checkPlan(
          `summary by project as ${role}`,
          claims,
          (tx) => summaryQuery(tx, scope, w.projectId),
        );
      }
      await checkPlan("summary as manager", manager, (tx) => summaryQuery(tx, roles[1][2]));
      await checkPlan("summary as crew", crew, (tx) => summaryQuery(tx, roles[2][2]));
      await checkPlan("insert", crew, (tx) =>
        insertClaimQuery(tx, {
          candidate_id: w.crew.candidateId,
          project_id: w.projectId,
          category: "meals",
          amount: "10.00",
          created_by: w.crew.id,
        }));
      await checkPlan(
        "edit draft",
        crew,
        (tx) => updateDraftQuery(tx, claimId, { amount: "11.00", description: "x" }),
      );
      await checkPlan(
        "approve",
        finance,
        (tx) => transitionQuery(tx, claimId, "approved"),
      );
      await checkPlan(
        "reject",
        finance,
        (tx) => transitionQuery(tx, claimId, "rejected", "no receipt"),
      );
    });

    await closeDb();
  },
});
