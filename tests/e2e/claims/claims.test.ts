/**
 * End to end: every claims route through supabase-js → gateway → function process, for each app
 * role: drafts, edits, the status machine (and its 409s), the 20-way approval race, lists,
 * summary, and the cache never handing a claim to a caller who may not see it.
 *
 * One test, one world, steps in order: later steps read what earlier ones wrote (the draft, its
 * paid 40.00, the raced approval), so the bodies live in write-steps.ts, status-steps.ts and
 * read-steps.ts but run only from here.
 */
import { closeDb } from "../../helpers/client.ts";
import { makeWorld, type World } from "../candidates/fixtures.ts";
import { as, type ClaimsRun } from "./fixtures.ts";
import { getPerCaller, listScoped, statsAdminOnly, summaryScoped } from "./read-steps.ts";
import { concurrentApprovals, rejectNeedsReason, submitApprovePay } from "./status-steps.ts";
import { createOwnDraft, createRefused, editDraft } from "./write-steps.ts";

Deno.test({
  name: "claims function",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const w: World = await makeWorld();
    const run: ClaimsRun = { w, crew: as(w.crew.token), crew2: as(w.crew2.token), draftId: "" };

    await t.step(
      "create: crew for themselves; candidate resolved from the login",
      () => createOwnDraft(run),
    );
    await t.step(
      "create: bad input and refused callers leave nothing behind",
      () => createRefused(run),
    );
    await t.step(
      "get: claimant, staff, owning manager; others 404 even when cached",
      () => getPerCaller(run),
    );
    await t.step("edit: draft only, claimant or admin", () => editDraft(run));
    await t.step(
      "submit → approve → pay; wrong moves 409, wrong roles 403",
      () => submitApprovePay(run),
    );
    await t.step("reject: a reason is required", () => rejectNeedsReason(run));
    await t.step(
      "20 concurrent approvals: exactly one 200, nineteen 409",
      () => concurrentApprovals(run),
    );
    await t.step("list: scoped per role, filters, keyset pages", () => listScoped(run));
    await t.step("summary: totals by status per scope", () => summaryScoped(run));
    await t.step("stats: admin only; anon refused everywhere", () => statsAdminOnly());

    await closeDb();
  },
});
