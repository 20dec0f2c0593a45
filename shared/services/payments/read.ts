/**
 * Reading payments: the keyset list, one payment, the monthly summary. Every database read runs
 * as the caller (`asUser`), so RLS decides what exists; the cache only ever hands a shared entry
 * to someone the same rule would show it to.
 */
import { type Cached, cachedForCaller, projected } from "../../cache/authorized.ts";
import { type Caller, seesEverything } from "../../caller.ts";
import { decodeCursor, type Listing, pageOf } from "../../cursor.ts";
import { asUser } from "../../db/index.ts";
import { badRequest, notFound } from "../../errors.ts";
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
} from "./cache.ts";
import { getPaymentSql, listPaymentsSql, monthlySummarySql } from "./queries.ts";
import {
  day,
  type MonthlySummaryLine,
  type PaymentJson,
  type PaymentListFilter,
  type PaymentStatus,
  toPaymentJson,
} from "./types.ts";

export interface PaymentPage {
  data: PaymentJson[];
  next_cursor: string | null;
}

export interface PaymentSummary {
  /** The whole months covered: the first day of the first, the last day of the last. */
  from: string;
  to: string;
  source: "mv" | "live";
  months: MonthlySummaryLine[];
}

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

/** One page of payments the caller may see, newest payment_date first. */
export function listPayments(
  caller: Caller,
  query: ListQuery,
): Promise<Cached<PaymentPage>> {
  const filter: PaymentListFilter = {
    ...dateWindow(query.from, query.to),
    project_id: query.project_id,
    candidate_id: query.candidate_id,
    status: query.status,
    limit: query.limit,
    cursor: cursorPosition(query.cursor),
  };
  return cachedForCaller(caller, {
    key: listKey({ ...query, from: filter.from, to: filter.to }),
    perScope: true,
    ttl: LIST_TTL,
    tags: [LIST_TAG],
    load: async () => {
      const rows = await asUser(
        caller.claims,
        async (tx) => await listPaymentsSql(tx, filter),
        { readOnly: true },
      );
      const page = pageOf(LISTING, rows.map(toPaymentJson), filter.limit, (p) => ({
        v: p.payment_date,
        id: p.id,
      }));
      return { data: page.rows, next_cursor: page.next_cursor };
    },
  });
}

async function loadEntry(caller: Caller, id: string): Promise<PaymentEntry> {
  const [row] = await asUser(
    caller.claims,
    async (tx) => await getPaymentSql(tx, id),
    { readOnly: true },
  );
  // Thrown, not cached: another caller may well be allowed to see this payment.
  if (!row) throw notFound("Payment");
  return { payment: toPaymentJson(row), manager_id: row.project_manager_id ?? null };
}

/**
 * One payment. Admin, finance and managers go through the shared entry `payment:<id>` (filled
 * by a loader running as the caller, who — if it finds the row at all — sees all of it) under
 * the payments_select policy's rule; crew read the database directly, so another person's
 * payment can never come out of a cache.
 */
export async function getPayment(caller: Caller, id: string): Promise<Cached<PaymentJson>> {
  const found = await cachedForCaller(caller, {
    key: paymentKey(id),
    bypass: caller.appRole === "crew",
    ttl: PAYMENT_TTL,
    tags: (entry) => detailTags(entry.payment),
    load: () => loadEntry(caller, id),
    maySee: (entry) =>
      seesEverything(caller) || (caller.appRole === "manager" && entry.manager_id === caller.id),
    what: "Payment",
  });
  // The answer is a projection of the one entry, so a replay may stand for it.
  return projected(found, (entry) => entry.payment);
}

/** Monthly totals per status (admin, finance): the materialized view, or live on request. */
export async function monthlySummary(
  caller: Caller,
  range: { from?: string; to?: string; live?: boolean },
): Promise<Cached<PaymentSummary>> {
  const window = dateWindow(range.from, range.to);
  // Totals are per month: the answer covers whole months and says so.
  const from = `${window.from.slice(0, 7)}-01`;
  const to = lastDayOfMonth(window.to);
  const load = async (): Promise<PaymentSummary> => {
    const rows = await asUser(
      caller.claims,
      async (tx) => await monthlySummarySql(tx, from, to, !!range.live),
      { readOnly: true },
    );
    const months = rows.map((r) => ({
      month: day(r.month)!,
      status: r.status,
      payments_count: Number(r.payments_count),
      total_amount: String(r.total_amount ?? "0.00"),
    }));
    return { from, to, source: range.live ? "live" : "mv", months };
  };
  return await cachedForCaller(caller, {
    key: summaryKey(from, to),
    // Live numbers exist to be live; only the view's numbers are cached.
    bypass: !!range.live,
    ttl: SUMMARY_TTL,
    tags: [SUMMARY_TAG],
    load,
  });
}
