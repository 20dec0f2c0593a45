/**
 * Expense claims, writing side: create a draft, edit it, and the status moves
 * (submit, approve, reject, pay). Every move is ONE conditional UPDATE (`where status = <from>`),
 * never a read-then-write, so concurrent approvals of one claim yield exactly one winner.
 */
import { asUser } from "../db.ts";
import { projectTag } from "../cache.ts";
import { invalidating, type Invalidation } from "../outbox.ts";
import { AppError, forbidden, notFound, unprocessable } from "../errors.ts";
import { ownCandidateId } from "./candidates-access.ts";
import {
  type Caller,
  type ClaimDetail,
  claimTag,
  LIST_TAG,
  plain,
  storeClaim,
  SUMMARY_TAG,
} from "./claims.ts";
import {
  type ClaimCategory,
  type ClaimEdit,
  type ClaimStatus,
  claimStatusQuery,
  insertClaimQuery,
  transitionQuery,
  updateDraftQuery,
} from "./claims-sql.ts";
import type { Tx } from "../db.ts";

export interface ClaimCreate {
  candidate_id?: string;
  project_id: string;
  category: ClaimCategory;
  amount: string;
  description?: string | null;
  receipt_path?: string | null;
}

/** The status moves the API offers: action → (from, to, past tense for messages). */
export const TRANSITIONS: Record<
  "submit" | "approve" | "reject" | "pay",
  { from: ClaimStatus; to: ClaimStatus; done: string }
> = {
  submit: { from: "draft", to: "submitted", done: "submitted" },
  approve: { from: "submitted", to: "approved", done: "approved" },
  reject: { from: "submitted", to: "rejected", done: "rejected" },
  pay: { from: "approved", to: "paid", done: "paid" },
};

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
  if (caller.appRole === "admin" || caller.appRole === "finance") await storeClaim(claim);
}

/** Zero rows from a conditional UPDATE: 404 when the caller cannot see the claim, else 409. */
async function explainMiss(tx: Tx, id: string, what: string): Promise<never> {
  const [row] = await claimStatusQuery(tx, id);
  if (!row) throw notFound("Claim");
  throw new AppError(409, "invalid_transition", `The claim is ${row.status}; ${what}`, {
    details: { status: row.status },
  });
}

/**
 * Creates a draft. Crew claim for themselves (candidate resolved from the login; naming someone
 * else is a 403); admin and finance name the candidate. The candidate must be staffed on the
 * project (422 otherwise).
 */
export async function createClaim(caller: Caller, input: ClaimCreate) {
  let candidateId = input.candidate_id;
  if (caller.appRole === "crew") {
    const own = await ownCandidateId(caller);
    if (!own) throw forbidden("Your login is not linked to a candidate");
    if (candidateId && candidateId !== own) throw forbidden("Crew may only claim for themselves");
    candidateId = own;
  }
  if (!candidateId) {
    throw new AppError(400, "validation_failed", "The request is not valid", {
      details: { candidate_id: "Required" },
    });
  }
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
export async function editClaim(caller: Caller, id: string, edit: ClaimEdit) {
  const claim = await invalidating((o) =>
    asUser(caller.claims, async (tx) => {
      const [row] = await updateDraftQuery(tx, id, edit);
      if (!row) return await explainMiss(tx, id, "only draft claims can be edited");
      return plain<ClaimDetail>(row);
    }, o), claimChanges(false));
  await publish(caller, claim);
  return claim;
}

/** Runs one status move; `reason` is required by the route for `reject`. */
export async function transitionClaim(
  caller: Caller,
  id: string,
  action: keyof typeof TRANSITIONS,
  reason?: string,
) {
  const { from, to, done } = TRANSITIONS[action];
  const claim = await invalidating((o) =>
    asUser(caller.claims, async (tx) => {
      const [row] = await transitionQuery(tx, id, from, to, reason);
      if (!row) return await explainMiss(tx, id, `only ${from} claims can be ${done}`);
      return plain<ClaimDetail>(row);
    }, o), claimChanges(true));
  await publish(caller, claim);
  return claim;
}
