/**
 * Reading payments: the keyset list, one payment, the monthly summary. Every database read runs
 * as the caller (`asUser`), so RLS decides what exists; the cache only ever hands a shared entry
 * to someone the same rule would show it to.
 */
import type { AuthUser } from "../auth.ts";
import { cache } from "../cache.ts";
import { asUser } from "../db.ts";
import { badRequest, notFound } from "../errors.ts";
import { loaderScope } from "../caller.ts";
import { decodeCursor, type Listing, pageOf } from "../cursor.ts";
import { canonicalJson } from "./idempotency.ts";
import {
  detailTags,
  LIST_TAG,
  LIST_TTL,
  listKey,
  PAYMENT_TTL,
  paymentKey,
  SUMMARY_TAG,
  SUMMARY_TTL,
  summaryKey,
} from "./payments-cache.ts";
import { getPaymentSql, listPaymentsSql, monthlySummarySql } from "./payments-sql.ts";
import {
  callerClaims,
  type MonthlySummaryLine,
  type PaymentJson,
  type PaymentListFilter,
  type PaymentStatus,
  toPaymentJson,
} from "./payments-types.ts";

/** Where a response came from, for the `x-cache` header ("bypass" = not cacheable for caller). */
export type CacheSource = "l1" | "l2" | "loader" | "joined" | "bypass";

/** The shared detail entry: the payment plus its project's manager, for the scope check. */
export interface PaymentEntry {
  payment: PaymentJson;
  manager_id: string | null;
}

const DAY_MS = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** `2026-02-10` → `2026-02-28`. */
function lastDayOfMonth(day: string): string {
  const [y, m] = day.split("-").map(Number);
  return isoDay(Date.UTC(y, m, 0));
}

/**
 * The list's date window. Always bounded so the planner prunes partitions: by default the last
 * 12 months up to 92 days ahead (payroll is often dated in advance); `from` alone means one year
 * from it, `to` alone one year back from it.
 */
export function dateWindow(
  from?: string,
  to?: string,
  now = Date.now(),
): { from: string; to: string } {
  const end = to ?? (from ? isoDay(Date.parse(from) + 365 * DAY_MS) : isoDay(now + 92 * DAY_MS));
  const start = from ?? isoDay(Date.parse(end) - 365 * DAY_MS);
  if (start > end) throw badRequest("`from` must not be after `to`", { from: "After `to`" });
  return { from: start, to: end };
}

/** The list query as the route parsed it. */
export interface ListQuery {
  project_id?: string;
  candidate_id?: string;
  status?: PaymentStatus;
  from?: string;
  to?: string;
  limit: number;
  cursor?: string;
}

const LISTING: Listing = { list: "payments", sort: "payment_date:desc", type: "date" };

function cursorPosition(raw: string | undefined): PaymentListFilter["cursor"] {
  const cursor = decodeCursor(LISTING, raw);
  return cursor && { date: cursor.v!, id: cursor.id };
}

/** Admin and finance see every payment alike; managers and crew each see their own slice. */
function scopeOf(user: AuthUser): string {
  return user.appRole === "admin" || user.appRole === "finance"
    ? "all"
    : `${user.appRole}:${user.id}`;
}

/** One page of payments the caller may see, newest payment_date first. */
export async function listPayments(
  user: AuthUser,
  query: ListQuery,
): Promise<{ value: { data: PaymentJson[]; next_cursor: string | null }; source: CacheSource }> {
  const filter: PaymentListFilter = {
    ...dateWindow(query.from, query.to),
    project_id: query.project_id,
    candidate_id: query.candidate_id,
    status: query.status,
    limit: query.limit,
    cursor: cursorPosition(query.cursor),
  };
  const key = listKey(scopeOf(user), canonicalJson(filter));
  return await cache.getOrSetWithInfo(key, async () => {
    const rows = await asUser(
      callerClaims(user),
      async (tx) => await listPaymentsSql(tx, filter),
      { readOnly: true },
    );
    const page = pageOf(LISTING, rows.map(toPaymentJson), filter.limit, (p) => ({
      v: p.payment_date,
      id: p.id,
    }));
    return { data: page.rows, next_cursor: page.next_cursor };
  }, { ttl: LIST_TTL, tags: [LIST_TAG], scope: loaderScope(user) });
}

async function loadEntry(user: AuthUser, id: string): Promise<PaymentEntry | null> {
  const [row] = await asUser(
    callerClaims(user),
    async (tx) => await getPaymentSql(tx, id),
    { readOnly: true },
  );
  return row ? { payment: toPaymentJson(row), manager_id: row.project_manager_id ?? null } : null;
}

/** Mirrors the payments_select policy for callers served from the shared entry. */
function maySee(user: AuthUser, entry: PaymentEntry): boolean {
  if (user.appRole === "admin" || user.appRole === "finance") return true;
  return user.appRole === "manager" && entry.manager_id === user.id;
}

/**
 * One payment. Admin, finance and managers go through the shared entry `payment:<id>` (filled
 * by a loader running as the caller, who — if it finds the row at all — sees all of it); crew
 * read the database directly, so another person's payment can never come out of a cache.
 */
export async function getPayment(
  user: AuthUser,
  id: string,
): Promise<{ value: PaymentJson; source: CacheSource }> {
  if (user.appRole === "crew") {
    const entry = await loadEntry(user, id);
    if (!entry) throw notFound("Payment");
    return { value: entry.payment, source: "bypass" };
  }
  const { value, source } = await cache.getOrSetWithInfo(paymentKey(id), async () => {
    const entry = await loadEntry(user, id);
    // Thrown, not cached: another caller may well be allowed to see this payment.
    if (!entry) throw notFound("Payment");
    return entry;
  }, { ttl: PAYMENT_TTL, tags: (entry) => detailTags(entry.payment), scope: loaderScope(user) });
  if (!maySee(user, value)) throw notFound("Payment");
  return { value: value.payment, source };
}

/** Monthly totals per status (admin, finance): the materialized view, or live on request. */
export async function monthlySummary(
  user: AuthUser,
  range: { from?: string; to?: string; live?: boolean },
): Promise<{
  value: { from: string; to: string; source: "mv" | "live"; months: MonthlySummaryLine[] };
  source: CacheSource;
}> {
  const window = dateWindow(range.from, range.to);
  // Totals are per month: the answer covers whole months and says so.
  const from = `${window.from.slice(0, 7)}-01`;
  const to = lastDayOfMonth(window.to);
  const load = async () => {
    const rows = await asUser(
      callerClaims(user),
      async (tx) => await monthlySummarySql(tx, from, to, !!range.live),
      { readOnly: true },
    );
    const months = rows.map((r) => ({
      month: r.month instanceof Date ? r.month.toISOString().slice(0, 10) : r.month.slice(0, 10),
      status: r.status,
      payments_count: Number(r.payments_count),
      total_amount: String(r.total_amount ?? "0.00"),
    }));
    return { from, to, source: range.live ? "live" as const : "mv" as const, months };
  };
  // Live numbers exist to be live; only the view's numbers are cached.
  if (range.live) return { value: await load(), source: "bypass" };
  return await cache.getOrSetWithInfo(summaryKey(from, to), load, {
    ttl: SUMMARY_TTL,
    tags: [SUMMARY_TAG],
    scope: loaderScope(user),
  });
}
