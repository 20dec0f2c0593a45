/**
 * The reporting views: materialized views over payments, claims and staffing, refreshed by
 * pg_cron every 5 minutes (`public.refresh_reporting_views()`) and, debounced, by the
 * `refresh_views` queue after writes (`queue.refresh_view`, the `tg_refresh_reports` triggers).
 * This list is the one the app reads; tests/integration/jobs/registry.test.ts holds the
 * database (its materialized views and those SQL functions and triggers) to it. No imports, so
 * scripts can read it without the app's config.
 */
export const REPORTING_VIEWS = [
  "mv_project_financials",
  "mv_monthly_payments",
  "mv_candidate_earnings",
] as const;
export type ReportingView = typeof REPORTING_VIEWS[number];
