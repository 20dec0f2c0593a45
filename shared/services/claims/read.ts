/**
 * Expense claims, reading side: list, one claim, summary. Statements run as the caller (RLS);
 * the shared `claim:<id>` entry goes through `cachedForCaller` with the policy's rule, because
 * RLS cannot see a hit.
 */
import { type Cached, cachedForCaller } from "../../cache/authorized.ts";
import { cache, listKey } from "../../cache/index.ts";
import { type Caller, seesEverything } from "../../caller.ts";
import { bySortKey, decodeCursor, type Listing, pageOf } from "../../cursor.ts";
import { asServiceRole, asUser, type Tx } from "../../db/index.ts";
import { plain } from "../../db/rows.ts";
import { notFound } from "../../errors.ts";
import {
  CLAIM_TTL,
  claimKey,
  claimTag,
  LIST_TAG,
  LIST_TTL,
  SUMMARY_TAG,
  SUMMARY_TTL,
  summaryKey,
} from "./cache.ts";
import {
  claimDetailQuery,
  type ClaimFilters,
  type ClaimStatus,
  listClaimsQuery,
  summaryQuery,
} from "./queries.ts";
import { projectTag } from "../../cache/index.ts";
import type { ClaimDetail, ClaimItem, ClaimPage, ClaimsSummary } from "./views.ts";

/** Whether `caller` may be handed this (scope-neutral) cached claim: the RLS policy's rule. */
function maySee(caller: Caller, claim: ClaimDetail): boolean {
  return seesEverything(caller) ||
    (caller.appRole === "manager" && claim.project_manager_id === caller.id);
}

/**
 * Runs a list or summary read. Admin and finance see every claim under the RLS policy
 * (expense_claims_select), so their reads take the service path: under RLS Postgres may not
 * evaluate a non-leakproof operator such as the enum `=` on `status` before the policy, so the
 * status indexes could not be used and every status filter would scan the table. Managers and
 * crew stay on RLS; their scope filter (uuid equality, leakproof) reaches an index anyway.
 */
function readAll<T>(caller: Caller, what: string, work: (tx: Tx) => Promise<T>): Promise<T> {
  return seesEverything(caller)
    ? asServiceRole(`claims ${what}: admin and finance see every row`, work, { readOnly: true })
    : asUser(caller.claims, work, { readOnly: true });
}

async function loadClaim(caller: Caller, id: string): Promise<ClaimDetail> {
  const [row] = await asUser(caller.claims, (tx) => claimDetailQuery(tx, id), { readOnly: true });
  if (!row) throw notFound("Claim");
  return plain<ClaimDetail>(row);
}

/** Puts a full claim (as admin/finance/owning manager see it) into the shared entry. */
export async function storeClaim(claim: ClaimDetail): Promise<void> {
  await cache.set(claimKey(claim.id), claim, {
    ttl: CLAIM_TTL,
    tags: [claimTag(claim.id), projectTag(claim.project_id)],
  });
}

/**
 * One claim. Crew never use the shared entry: their view comes straight from the database
 * (RLS: their own claims only). Everyone else gets the entry after the policy's check; a miss
 * loads as the caller, and only a row the caller could see is stored (404s are not cached).
 */
export function getClaim(caller: Caller, id: string): Promise<Cached<ClaimDetail>> {
  return cachedForCaller(caller, {
    key: claimKey(id),
    bypass: caller.appRole === "crew",
    ttl: CLAIM_TTL,
    // The project tag: a manager change on the project must drop the manager check's input.
    tags: (claim) => [claimTag(id), projectTag(claim.project_id)],
    load: () => loadClaim(caller, id),
    maySee: (claim) => maySee(caller, claim),
    what: "Claim",
  });
}

const LISTING: Listing = { list: "claims", sort: "created_at:desc", type: "timestamptz" };

/** A page of claims the caller may see, newest first. */
export function listClaims(
  caller: Caller,
  filters: ClaimFilters,
  rawCursor?: string,
): Promise<Cached<ClaimPage>> {
  const cursor = decodeCursor(LISTING, rawCursor);
  return cachedForCaller(caller, {
    key: listKey("claims", { ...filters, cursor: rawCursor }),
    perScope: true,
    ttl: LIST_TTL,
    tags: [LIST_TAG],
    load: () =>
      readAll(caller, "list", async (tx) => {
        const rows = plain<(ClaimItem & { _sort_key: string })[]>(
          await listClaimsQuery(
            tx,
            { appRole: caller.appRole, userId: caller.id },
            filters,
            cursor,
          ),
        );
        const page = pageOf(LISTING, rows, filters.limit, bySortKey);
        return {
          data: page.rows.map(({ _sort_key, ...r }) => r),
          next_cursor: page.next_cursor,
        };
      }),
  });
}

const STATUSES: ClaimStatus[] = ["draft", "submitted", "approved", "rejected", "paid"];

/** Count and total per status (every status present, zero when none). */
export function claimsSummary(caller: Caller, projectId?: string): Promise<Cached<ClaimsSummary>> {
  return cachedForCaller(caller, {
    key: summaryKey(projectId),
    perScope: true,
    ttl: SUMMARY_TTL,
    tags: [SUMMARY_TAG],
    load: () =>
      readAll(caller, "summary", async (tx) => {
        const rows = await summaryQuery(
          tx,
          { appRole: caller.appRole, userId: caller.id },
          projectId,
        );
        const byStatus = Object.fromEntries(
          STATUSES.map((s) => [s, { count: 0, amount: "0.00" }]),
        ) as ClaimsSummary["by_status"];
        for (const r of rows) {
          byStatus[r.status as ClaimStatus] = {
            count: r.count as number,
            amount: r.amount as string,
          };
        }
        return { project_id: projectId ?? null, by_status: byStatus };
      }),
  });
}
