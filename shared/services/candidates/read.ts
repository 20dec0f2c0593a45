/**
 * Candidates, reading side: search, one record, assignments, earnings. Statements run as the
 * caller (`asUser`) so RLS decides too; cached entries are scope-neutral and shaped per caller
 * (access.ts) before they are handed out.
 */
import { type Cached, cachedForCaller, derived } from "../../cache/authorized.ts";
import { cacheKey, privateListKey } from "../../cache/index.ts";
import { type Caller, seesEverything } from "../../caller.ts";
import { bySortKey, decodeCursor, type Listing, pageOf } from "../../cursor.ts";
import { asServiceRole, asUser } from "../../db/index.ts";
import { plain } from "../../db/rows.ts";
import { forbidden, notFound } from "../../errors.ts";
import {
  type BankRecord,
  CANDIDATE_TTL,
  type CandidateDetail,
  type CandidateListItem,
  type CandidateRecord,
  candidateTag,
  canSee,
  DETAIL_PART_TTL,
  LIST_TAG,
  LIST_TTL,
  ownCandidateId,
  seesBank,
  toDetail,
  toListItem,
} from "./access.ts";
import {
  assignmentsQuery,
  bankByCandidateQuery,
  candidateByIdQuery,
  earningsQuery,
  searchCandidatesQuery,
  type SearchFilters,
} from "./queries.ts";

/** The listings of this service (see shared/cursor.ts). */
const BY_CREATED: Listing = { list: "candidates", sort: "created_at:desc", type: "timestamptz" };
const BY_RELEVANCE: Listing = { list: "candidates", sort: "similarity:desc", type: "real" };
const ASSIGNMENTS: Listing = {
  list: "candidate-assignments",
  sort: "start_date:desc",
  type: "date",
};

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

/** One assignment of a candidate, with its project's title and dates. */
export interface Assignment {
  id: string;
  project_id: string;
  project_title: string;
  project_status: string;
  project_start_date: string;
  project_end_date: string;
  designation: string;
  status: string;
  start_date: string | null;
  end_date: string | null;
  daily_rate: string;
  created_at: string;
}

/** Paid / pending totals from the reporting view, plus the live open amount. */
export interface Earnings {
  candidate_id: string;
  total_paid: string;
  total_pending: string;
  payments_count: number;
  last_paid_at: string | null;
  live_pending: string;
  live_open_count: number;
}

/** Splits `limit + 1` rows into a page and the cursor of its last row. */
function toPage<R extends { id: string; _sort_key: string | null }>(
  listing: Listing,
  rows: R[],
  limit: number,
): Page<Omit<R, "_sort_key">> {
  const page = pageOf(listing, rows, limit, bySortKey);
  return {
    data: page.rows.map(({ _sort_key: _k, ...rest }) => rest),
    next_cursor: page.next_cursor,
  };
}

const STAFF: readonly string[] = ["admin", "manager", "finance"];

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
): Promise<Cached<Page<CandidateListItem>>> {
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
  return cachedForCaller(caller, {
    // The IC searched for is personal data: the key holds a hash of the query, not its text.
    key: await privateListKey("candidates", { ...normalized, cursor: rawCursor }),
    ttl: LIST_TTL,
    tags: [LIST_TAG],
    load: () =>
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
  });
}

/**
 * The scope-neutral record behind `candidate:<id>`. The loader runs as the caller; a caller RLS
 * hides the row from gets a 404 that is not cached (loader errors never are), and a hit is only
 * handed to someone the policy would show it to.
 */
function loadCandidate(caller: Caller, id: string): Promise<Cached<CandidateRecord>> {
  return cachedForCaller(caller, {
    key: cacheKey("candidate", id),
    ttl: CANDIDATE_TTL,
    tags: [candidateTag(id)],
    load: async () => {
      // Returned as an array: one round trip with BEGIN and COMMIT (see uuidLiteral).
      const [[row]] = await asUser(caller.claims, (tx) => [candidateByIdQuery(tx, id)], {
        readOnly: true,
      });
      if (!row) throw notFound("Candidate");
      return plain<CandidateRecord>(row);
    },
    maySee: (rec) => canSee(caller, rec),
    what: "Candidate",
  });
}

function loadBank(caller: Caller, id: string): Promise<Cached<BankRecord | null>> {
  return cachedForCaller(caller, {
    key: cacheKey("candidate", id, "bank"),
    ttl: CANDIDATE_TTL,
    tags: [candidateTag(id)],
    load: async () => {
      const [[row]] = await asUser(caller.claims, (tx) => [bankByCandidateQuery(tx, id)], {
        readOnly: true,
      });
      return row ? plain<BankRecord>(row) : null;
    },
  });
}

/** One candidate for `caller`; 404 (never 403) for a crew member asking about someone else. */
export async function getCandidate(caller: Caller, id: string): Promise<Cached<CandidateDetail>> {
  // Admin and finance always see bank details: fetch both parts at once.
  const [found, bankFirst] = await Promise.all([
    loadCandidate(caller, id),
    seesEverything(caller) ? loadBank(caller, id) : Promise.resolve(undefined),
  ]);
  const bank = bankFirst !== undefined
    ? bankFirst
    : seesBank(caller, found.value)
    ? await loadBank(caller, id)
    : undefined;
  // The answer is a function of the caller and the two entries, so a replay may stand for it.
  return derived([found, bank], (candidate, bankRecord) => toDetail(caller, candidate, bankRecord));
}

/** The caller's own candidate record (404 when their login is not linked to one). */
export async function getOwnCandidate(caller: Caller): Promise<Cached<CandidateDetail>> {
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
 * so entries are kept per visibility scope.
 */
export async function listAssignments(
  caller: Caller,
  id: string,
  limit: number,
  rawCursor?: string,
): Promise<Cached<Page<Assignment>>> {
  await assertReachable(caller, id);
  const cursor = decodeCursor(ASSIGNMENTS, rawCursor);
  return await cachedForCaller(caller, {
    key: cacheKey("candidate", id, "assignments", limit, rawCursor ?? ""),
    perScope: true,
    ttl: DETAIL_PART_TTL,
    tags: [candidateTag(id)],
    load: () =>
      asUser(caller.claims, async (tx) => {
        const rows = await assignmentsQuery(tx, id, limit, cursor);
        return toPage(ASSIGNMENTS, plain<(Assignment & { _sort_key: string })[]>(rows), limit);
      }, { readOnly: true }),
  });
}

/** Earnings totals (reporting view) plus the live open amount; admin, finance, the candidate. */
export async function getEarnings(caller: Caller, id: string): Promise<Cached<Earnings>> {
  await assertReachable(caller, id);
  return await cachedForCaller(caller, {
    key: cacheKey("candidate", id, "earnings"),
    ttl: DETAIL_PART_TTL,
    tags: [candidateTag(id)],
    load: async () => {
      const [row] = await asUser(caller.claims, (tx) => earningsQuery(tx, id), { readOnly: true });
      return { candidate_id: id, ...plain<Omit<Earnings, "candidate_id">>(row) };
    },
  });
}
