/**
 * Expense claims, writing side: create a draft, edit it, and the status moves (submit, approve,
 * reject, pay). Which moves exist is the database's rule (trg_expense_claims_status refuses any
 * other: 409 `invalid_transition`). Each move is ONE UPDATE to the target status that skips a
 * claim already there, never a read-then-write, so of concurrent approvals exactly one wins and
 * the others find the claim approved (409).
 */
import { projectTag } from "../../cache/index.ts";
import { invalidating, type Invalidation } from "../../cache/outbox.ts";
import { type Caller, seesEverything } from "../../caller.ts";
import { asUser, type Tx } from "../../db/index.ts";
import { plain } from "../../db/rows.ts";
import {
  forbidden,
  invalidTransition,
  notFound,
  unprocessable,
  validationFailed,
} from "../../errors.ts";
import { ownCandidateId } from "../candidates/access.ts";
import { claimTag, LIST_TAG, SUMMARY_TAG } from "./cache.ts";
import {
  type ClaimCategory,
  type ClaimEdit,
  type ClaimStatus,
  claimStatusQuery,
  insertClaimQuery,
  transitionQuery,
  updateDraftQuery,
} from "./queries.ts";
import { storeClaim } from "./read.ts";
import type { ClaimDetail } from "./views.ts";

export interface ClaimCreate {
  candidate_id?: string;
  project_id: string;
  category: ClaimCategory;
  amount: string;
  description?: string | null;
  receipt_path?: string | null;
}

/** The status each move of the API asks for (the database decides whether it may). */
export const CLAIM_ACTIONS = {
  submit: "submitted",
  approve: "approved",
  reject: "rejected",
  pay: "paid",
} as const satisfies Record<string, ClaimStatus>;
export type ClaimAction = keyof typeof CLAIM_ACTIONS;

/** Everything a claim change can touch. */
const claimChanges = (financial: boolean) => (claim: ClaimDetail): Invalidation => ({
  tags: [
    claimTag(claim.id),
    LIST_TAG,
    SUMMARY_TAG,
    // Project financials include approved and paid claims.
    ...(financial ? [projectTag(claim.project_id)] : []),
  ],
});

/** Admin and finance see a claim in full: their result may refill the shared entry. */
async function publish(caller: Caller, claim: ClaimDetail) {
  if (seesEverything(caller)) await storeClaim(claim);
}

/** Zero rows from a conditional UPDATE: 404 when the caller cannot see the claim, else 409. */
async function explainMiss(
  tx: Tx,
  id: string,
  to: ClaimStatus,
  message?: (status: string) => string,
): Promise<never> {
  const [row] = await claimStatusQuery(tx, id);
  if (!row) throw notFound("Claim");
  throw invalidTransition("claim", row.status, to, message?.(row.status));
}

/**
 * Creates a draft. Crew claim for themselves (candidate resolved from the login; naming someone
 * else is a 403); admin and finance name the candidate. The candidate must be staffed on the
 * project (422 otherwise).
 */
export async function createClaim(caller: Caller, input: ClaimCreate): Promise<ClaimDetail> {
  let candidateId = input.candidate_id;
  if (caller.appRole === "crew") {
    const own = await ownCandidateId(caller);
    if (!own) throw forbidden("Your login is not linked to a candidate");
    if (candidateId && candidateId !== own) throw forbidden("Crew may only claim for themselves");
    candidateId = own;
  }
  if (!candidateId) throw validationFailed({ candidate_id: "Required" });
  const claim = await invalidating((o) =>
    asUser(caller.claims, async (tx) => {
      const [row] = await insertClaimQuery(tx, {
        ...input,
        candidate_id: candidateId,
        created_by: caller.id,
      });
      if (!row) {
        throw unprocessable("The candidate is not assigned to this project", {
          project_id: "No assignment of this candidate on this project",
        });
      }
      return plain<ClaimDetail>(row);
    }, o), claimChanges(false));
  await publish(caller, claim);
  return claim;
}

/** Edits a draft (the claimant or an admin; RLS keeps crew to their own drafts). */
export async function editClaim(caller: Caller, id: string, edit: ClaimEdit): Promise<ClaimDetail> {
  const claim = await invalidating((o) =>
    asUser(caller.claims, async (tx) => {
      const [row] = await updateDraftQuery(tx, id, edit);
      if (!row) {
        return await explainMiss(
          tx,
          id,
          "draft",
          (status) => `The claim is ${status}; only draft claims can be edited`,
        );
      }
      return plain<ClaimDetail>(row);
    }, o), claimChanges(false));
  await publish(caller, claim);
  return claim;
}

/** Runs one status move; `reason` is required by the route for `reject`. */
export async function transitionClaim(
  caller: Caller,
  id: string,
  action: ClaimAction,
  reason?: string,
): Promise<ClaimDetail> {
  const to = CLAIM_ACTIONS[action];
  const claim = await invalidating((o) =>
    asUser(caller.claims, async (tx) => {
      const [row] = await transitionQuery(tx, id, to, reason);
      if (!row) return await explainMiss(tx, id, to);
      return plain<ClaimDetail>(row);
    }, o), claimChanges(true));
  await publish(caller, claim);
  return claim;
}
