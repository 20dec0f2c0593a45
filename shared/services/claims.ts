/**
 * Expense claims, reading side: list, one claim, summary. Statements run as the caller (RLS);
 * the shared `claim:<id>` entry is checked against the caller here because RLS cannot see a hit.
 */
import { asServiceRole, asUser, type Tx } from "../db.ts";
import { cache, cacheKey, projectTag } from "../cache.ts";
import { notFound } from "../errors.ts";
import { loaderScope } from "../caller.ts";
import { bySortKey, decodeCursor, type Listing, pageOf } from "../cursor.ts";
import type { Caller } from "./candidates-access.ts";
import {
  claimDetailQuery,
  type ClaimFilters,
  type ClaimStatus,
  listClaimsQuery,
  summaryQuery,
} from "./claims-sql.ts";

export type { Caller };

/** A claim as returned (dates as ISO strings, amount a decimal string). */
export interface ClaimDetail {
  id: string;
  candidate_id: string;
  project_id: string;
  category: string;
  amount: string;
  status: ClaimStatus;
  project_title: string | null;
  project_manager_id: string | null;
  candidate_name: string | null;
  [column: string]: unknown;
}

export const CLAIM_TTL = 60;
export const LIST_TTL = 15;
export const SUMMARY_TTL = 60;
export const LIST_TAG = "claims:list";
export const SUMMARY_TAG = "claims:summary";
export const claimTag = (id: string) => `claim:${id}`;
export const claimKey = (id: string) => cacheKey("claim", id);

/** Row → the JSON shape the cache stores (Date → ISO string). */
export function plain<T>(row: unknown): T {
  return JSON.parse(JSON.stringify(row)) as T;
}

/**
 * Cache scope of lists and summaries: admin and finance see every claim, so they share entries;
 * a manager's or crew member's view depends on who they are, so their entries carry the user id.
 */
function scopeOf(caller: Caller): string {
  return caller.appRole === "admin" || caller.appRole === "finance"
    ? "all"
    : `${caller.appRole}:${caller.id}`;
}

/** Whether `caller` may be handed this (scope-neutral) cached claim: mirrors the RLS policy. */
export function canSeeClaim(caller: Caller, claim: ClaimDetail): boolean {
  if (caller.appRole === "admin" || caller.appRole === "finance") return true;
  return caller.appRole === "manager" && claim.project_manager_id === caller.id;
}

/**
 * Runs a list or summary read. Admin and finance see every claim under the RLS policy
 * (expense_claims_select), so their reads take the service path: under RLS Postgres may not
 * evaluate a non-leakproof operator such as the enum `=` on `status` before the policy, so the
 * status indexes could not be used and every status filter would scan the table. Managers and
 * crew stay on RLS; their scope filter (uuid equality, leakproof) reaches an index anyway.
 */
function readAll<T>(caller: Caller, what: string, work: (tx: Tx) => Promise<T>): Promise<T> {
  return scopeOf(caller) === "all"
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
 * (RLS: their own claims only). Everyone else gets the entry after the scope check; a miss
 * loads as the caller, and only a row the caller could see is stored (404s are not cached).
 */
export async function getClaim(caller: Caller, id: string) {
  if (caller.appRole === "crew") {
    return { value: await loadClaim(caller, id), source: "none" as const };
  }
  const found = await cache.getOrSetWithInfo(claimKey(id), () => loadClaim(caller, id), {
    ttl: CLAIM_TTL,
    scope: loaderScope(caller),
    // The project tag: a manager change on the project must drop the manager check's input.
    tags: (claim) => [claimTag(id), projectTag(claim.project_id)],
  });
  if (!canSeeClaim(caller, found.value)) throw notFound("Claim");
  return found;
}

const LISTING: Listing = { list: "claims", sort: "created_at:desc", type: "timestamptz" };

/** A page of claims the caller may see, newest first. */
export async function listClaims(caller: Caller, filters: ClaimFilters, rawCursor?: string) {
  const cursor = decodeCursor(LISTING, rawCursor);
  const key = cacheKey("claims", "list", scopeOf(caller), JSON.stringify(filters), rawCursor ?? "");
  return await cache.getOrSetWithInfo(key, () =>
    readAll(caller, "list", async (tx) => {
      const rows = plain<{ id: string; _sort_key: string }[]>(
        await listClaimsQuery(tx, { appRole: caller.appRole, userId: caller.id }, filters, cursor),
      );
      const page = pageOf(LISTING, rows, filters.limit, bySortKey);
      return {
        data: page.rows.map(({ _sort_key, ...r }) => r),
        next_cursor: page.next_cursor,
      };
    }), { ttl: LIST_TTL, tags: [LIST_TAG], scope: loaderScope(caller) });
}

const STATUSES: ClaimStatus[] = ["draft", "submitted", "approved", "rejected", "paid"];

/** Count and total per status (every status present, zero when none). */
export async function claimsSummary(caller: Caller, projectId?: string) {
  const key = cacheKey("claims", "summary", scopeOf(caller), projectId ?? "all");
  return await cache.getOrSetWithInfo(key, () =>
    readAll(caller, "summary", async (tx) => {
      const rows = await summaryQuery(
        tx,
        { appRole: caller.appRole, userId: caller.id },
        projectId,
      );
      const byStatus = Object.fromEntries(
        STATUSES.map((s) => [s, { count: 0, amount: "0.00" }]),
      ) as Record<ClaimStatus, { count: number; amount: string }>;
      for (const r of rows) {
        byStatus[r.status as ClaimStatus] = {
          count: r.count as number,
          amount: r.amount as string,
        };
      }
      return { project_id: projectId ?? null, by_status: byStatus };
    }), { ttl: SUMMARY_TTL, tags: [SUMMARY_TAG], scope: loaderScope(caller) });
}
