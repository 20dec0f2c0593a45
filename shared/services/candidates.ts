/**
 * Candidates, reading side: search, one record, assignments, earnings. Statements run as the
 * caller (`asUser`) so RLS decides too; cached entries are scope-neutral and filtered per caller
 * in candidates-access.ts before they are handed out.
 */
import { asServiceRole, asUser } from "../db.ts";
import { loaderScope } from "../caller.ts";
import { cache, cacheKey } from "../cache.ts";
import { forbidden, notFound } from "../errors.ts";
import { bySortKey, decodeCursor, type Listing, pageOf } from "../cursor.ts";
import {
  type BankRecord,
  type CacheSource,
  type Caller,
  CANDIDATE_TTL,
  type CandidateRecord,
  candidateTag,
  canSee,
  DETAIL_PART_TTL,
  LIST_TAG,
  LIST_TTL,
  ownCandidateId,
  plain,
  seesBank,
  toDetail,
  toListItem,
} from "./candidates-access.ts";
import {
  assignmentsQuery,
  bankByCandidateQuery,
  candidateByIdQuery,
  earningsQuery,
  searchCandidatesQuery,
  type SearchFilters,
} from "./candidates-sql.ts";

/** A value plus where it came from (for the `x-cache` header). */
export interface Cached<T> {
  value: T;
  source: CacheSource;
}

/** The listings of this service (see shared/cursor.ts). */
const BY_CREATED: Listing = { list: "candidates", sort: "created_at:desc", type: "timestamptz" };
const BY_RELEVANCE: Listing = { list: "candidates", sort: "similarity:desc", type: "real" };
const ASSIGNMENTS: Listing = {
  list: "candidate-assignments",
  sort: "start_date:desc",
  type: "date",
};

/** Splits `limit + 1` rows into a page and the cursor of its last row. */
function toPage<R extends { id: string; _sort_key: string | null }>(
  listing: Listing,
  rows: R[],
  limit: number,
) {
  const page = pageOf(listing, rows, limit, bySortKey);
  return {
    data: page.rows.map(({ _sort_key: _k, ...rest }) => rest),
    next_cursor: page.next_cursor,
  };
}

/**
 * Search (admin, manager, finance). IC numbers come back masked.
 *
 * Runs on the service path, not as the caller: under RLS Postgres may not evaluate a
 * non-leakproof operator (pg_trgm's `%`, ILIKE, array `@>`) before the policy, so it cannot use
 * the trigram or GIN index and scans the whole table. These three roles see every candidate under
 * the policy anyway (candidates_select), so bypassing it changes no result; the role check below
 * is the policy's rule, and one list entry per query serves all three roles.
 */
export async function searchCandidates(
  caller: Caller,
  filters: SearchFilters,
  rawCursor?: string,
): Promise<Cached<{ data: ReturnType<typeof toListItem>[]; next_cursor: string | null }>> {
  if (!STAFF.includes(caller.appRole)) throw forbidden("Search is for admin, manager and finance");
  const listing = filters.q ? BY_RELEVANCE : BY_CREATED;
  const cursor = decodeCursor(listing, rawCursor);
  const normalized = {
    q: filters.q?.toLowerCase(),
    ic: filters.ic,
    status: filters.status,
    skills: filters.skills ? [...filters.skills].sort() : undefined,
    limit: filters.limit,
  };
  // The IC searched for is personal data: the key holds a hash of the query, not its text.
  const key = cacheKey(
    "candidates",
    "list",
    "staff",
    await digest(JSON.stringify(normalized)),
    rawCursor ?? "",
  );
  return await cache.getOrSetWithInfo(
    key,
    () =>
      asServiceRole(
        "candidates search: staff see every row and RLS would block its indexes",
        async (tx) => {
          const rows = await searchCandidatesQuery(tx, normalized, cursor);
          const page = toPage(
            listing,
            plain<(CandidateRecord & { _sort_key: string })[]>(rows),
            filters.limit,
          );
          return { data: page.data.map(toListItem), next_cursor: page.next_cursor };
        },
        { readOnly: true },
      ),
    { ttl: LIST_TTL, tags: [LIST_TAG] },
  );
}

const STAFF: readonly string[] = ["admin", "manager", "finance"];

async function digest(text: string): Promise<string> {
  const bytes = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(bytes).slice(0, 16), (b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/**
 * The scope-neutral record behind `candidate:<id>`. The loader runs as the caller; a caller RLS
 * hides the row from gets a 404 that is not cached (loader errors never are), so a crew member's
 * miss cannot store anything a staff member would then read.
 */
export function loadCandidate(caller: Caller, id: string): Promise<Cached<CandidateRecord>> {
  return cache.getOrSetWithInfo(cacheKey("candidate", id), async () => {
    // Returned as an array: one round trip with BEGIN and COMMIT (see uuidLiteral).
    const [[row]] = await asUser(caller.claims, (tx) => [candidateByIdQuery(tx, id)], {
      readOnly: true,
    });
    if (!row) throw notFound("Candidate");
    return plain<CandidateRecord>(row);
  }, { ttl: CANDIDATE_TTL, tags: [candidateTag(id)], scope: loaderScope(caller) });
}

function loadBank(caller: Caller, id: string): Promise<BankRecord | null> {
  return cache.getOrSet(cacheKey("candidate", id, "bank"), async () => {
    const [[row]] = await asUser(caller.claims, (tx) => [bankByCandidateQuery(tx, id)], {
      readOnly: true,
    });
    return row ? plain<BankRecord>(row) : null;
  }, { ttl: CANDIDATE_TTL, tags: [candidateTag(id)], scope: loaderScope(caller) });
}

/** One candidate for `caller`; 404 (never 403) for a crew member asking about someone else. */
export async function getCandidate(caller: Caller, id: string) {
  const privileged = caller.appRole === "admin" || caller.appRole === "finance";
  // Admin and finance always see bank details: fetch both parts at once.
  const [found, bankFirst] = await Promise.all([
    loadCandidate(caller, id),
    privileged ? loadBank(caller, id) : Promise.resolve(undefined),
  ]);
  if (!canSee(caller, found.value)) throw notFound("Candidate");
  const bank = bankFirst !== undefined
    ? bankFirst
    : seesBank(caller, found.value)
    ? await loadBank(caller, id)
    : undefined;
  return { value: toDetail(caller, found.value, bank), source: found.source };
}

/** The caller's own candidate record (404 when their login is not linked to one). */
export async function getOwnCandidate(caller: Caller) {
  const id = await ownCandidateId(caller);
  if (!id) throw notFound("Candidate");
  return await getCandidate(caller, id);
}

/**
 * A candidate's sub-resources exist only where the candidate does, for the caller: crew may only
 * look at themselves (anything else is a 404, so existence does not leak), and staff get the
 * same 404 as the detail route for an id that is no candidate (not an empty list).
 */
async function assertReachable(caller: Caller, id: string): Promise<void> {
  if (caller.appRole === "crew") {
    if ((await ownCandidateId(caller)) !== id) throw notFound("Candidate");
    return;
  }
  await loadCandidate(caller, id);
}

/**
 * A candidate's assignments, newest project first. Managers see only their projects' rows (RLS),
 * so their entries are keyed by user; admin, finance and the candidate see all of them.
 */
export async function listAssignments(
  caller: Caller,
  id: string,
  limit: number,
  rawCursor?: string,
) {
  await assertReachable(caller, id);
  const cursor = decodeCursor(ASSIGNMENTS, rawCursor);
  const scope = caller.appRole === "manager" ? `manager:${caller.id}` : "all";
  const key = cacheKey("candidate", id, "assignments", scope, limit, rawCursor ?? "");
  return await cache.getOrSetWithInfo(key, () =>
    asUser(caller.claims, async (tx) => {
      const rows = await assignmentsQuery(tx, id, limit, cursor);
      return toPage(ASSIGNMENTS, plain<{ id: string; _sort_key: string }[]>(rows), limit);
    }, { readOnly: true }), {
    ttl: DETAIL_PART_TTL,
    tags: [candidateTag(id)],
    scope: loaderScope(caller),
  });
}

/** Earnings totals (reporting view) plus the live open amount; admin, finance, the candidate. */
export async function getEarnings(caller: Caller, id: string) {
  await assertReachable(caller, id);
  return await cache.getOrSetWithInfo(cacheKey("candidate", id, "earnings"), async () => {
    const [row] = await asUser(caller.claims, (tx) => earningsQuery(tx, id), { readOnly: true });
    return { candidate_id: id, ...plain<Record<string, unknown>>(row) };
  }, { ttl: DETAIL_PART_TTL, tags: [candidateTag(id)], scope: loaderScope(caller) });
}
