/**
 * Cache keys, tags and TTLs of the payments service in one place (docs/cache-payments.md lists
 * them). The shared detail entry is scope-neutral (the full row plus the project's manager);
 * the service decides who may read it before handing it out.
 */
import { cacheKey, candidateTag, projectTag } from "../cache.ts";
import type { Invalidation } from "../outbox.ts";

export const PAYMENT_TTL = 60;
export const LIST_TTL = 15;
export const SUMMARY_TTL = 60;

export const LIST_TAG = "payments:list";
export const SUMMARY_TAG = "payments:summary";

export const paymentTag = (id: string) => `payment:${id}`;
/** Shared with the projects and candidates functions: their financial views read payments. */

/** One payment, shared by admin, finance and the owning manager. */
export const paymentKey = (id: string) => cacheKey("payment", id);

/** Lists per visibility scope: "all" (admin/finance) or `<role>:<user id>`. */
export const listKey = (scope: string, normalizedQuery: string) =>
  cacheKey("payments", "list", scope, normalizedQuery);

export const summaryKey = (from: string, to: string) => cacheKey("payments", "summary", from, to);

/** Tags of a payment's detail entry. */
export const detailTags = (p: { id: string; project_id: string }) => [
  paymentTag(p.id),
  projectTag(p.project_id),
];

/** What a write of these payments makes stale. */
export interface ChangedPayment {
  id: string;
  project_id: string;
  candidate_id: string;
}

/**
 * Everything the written payments feed: their detail entries, all payment lists, the monthly
 * summary, and the project and candidate entries whose totals include them. Recorded with the
 * write and applied once it committed (shared/outbox.ts).
 */
export function paymentChanges(changed: readonly ChangedPayment[]): Invalidation | undefined {
  if (!changed.length) return undefined;
  const tags = new Set([LIST_TAG, SUMMARY_TAG]);
  for (const p of changed) {
    tags.add(paymentTag(p.id));
    tags.add(projectTag(p.project_id));
    tags.add(candidateTag(p.candidate_id));
  }
  return { keys: changed.map((p) => paymentKey(p.id)), tags: [...tags] };
}
