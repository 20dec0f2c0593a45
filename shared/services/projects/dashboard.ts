/**
 * The projects dashboard: totals over the caller's projects and monthly payment totals, read from
 * the materialized views (refreshed every 5 minutes by pg_cron) through their role-checking
 * report functions, and cached 60 s per scope. Writes do not invalidate it: the views lag anyway,
 * so the documented staleness bound is view refresh (5 min) + cache TTL (60 s).
 */
import { type Cached, cachedForCaller } from "../../cache/authorized.ts";
import { type Caller, seesEverything } from "../../caller.ts";
import { asUser } from "../../db/index.ts";
import { iso } from "../../db/rows.ts";
import { dashboardMonthlyQuery, dashboardTotalsQuery } from "./queries.ts";
import { DASHBOARD_TAG, DASHBOARD_TTL, dashboardKey } from "./cache.ts";

export interface Dashboard {
  scope: "all" | "own";
  from: string;
  to: string;
  totals: {
    projects: number;
    staff_total: number;
    staff_confirmed: number;
    payments_paid: string;
    payments_pending: string;
    payments_count: number;
    claims_approved: string;
    claims_paid: string;
    refreshed_at: string | null;
  };
  /** Admin and finance only (managers get null: payroll totals span every project). */
  monthly:
    | { month: string; status: string; payments_count: number; total_amount: string }[]
    | null;
}

/** The first day of the month twelve months before `today`, and `today`. */
export function defaultRange(today = new Date()): { from: string; to: string } {
  const from = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - 11, 1));
  return { from: from.toISOString().slice(0, 10), to: today.toISOString().slice(0, 10) };
}

/** Dashboard for admin/finance (everything) or a manager (own projects, no monthly payroll). */
export function getDashboard(
  caller: Caller,
  range: { from?: string; to?: string },
): Promise<Cached<Dashboard>> {
  const defaults = defaultRange();
  const from = range.from ?? defaults.from;
  const to = range.to ?? defaults.to;
  const all = seesEverything(caller);
  return cachedForCaller(caller, {
    key: dashboardKey(from, to),
    perScope: true,
    ttl: DASHBOARD_TTL,
    tags: [DASHBOARD_TAG],
    load: () =>
      asUser(caller.claims, async (tx) => {
        const [[totals], monthly] = await Promise.all([
          dashboardTotalsQuery(tx),
          all ? dashboardMonthlyQuery(tx, from, to) : Promise.resolve(null),
        ]);
        return {
          scope: all ? "all" as const : "own" as const,
          from,
          to,
          totals: {
            projects: totals.projects as number,
            staff_total: totals.staff_total as number,
            staff_confirmed: totals.staff_confirmed as number,
            payments_paid: totals.payments_paid as string,
            payments_pending: totals.payments_pending as string,
            payments_count: Number(totals.payments_count),
            claims_approved: totals.claims_approved as string,
            claims_paid: totals.claims_paid as string,
            refreshed_at: totals.refreshed_at === null ? null : iso(totals.refreshed_at),
          },
          monthly: monthly
            ? monthly.map((m) => ({
              month: m.month as string,
              status: m.status as string,
              payments_count: m.payments_count as number,
              total_amount: m.total_amount as string,
            }))
            : null,
        };
      }, { readOnly: true }),
  });
}
