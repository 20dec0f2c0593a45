/**
 * Cache keys, tags and TTLs of the payments service in one place (docs/cache-payments.md lists
 * them). The shared detail entry is scope-neutral (the full row plus the project's manager);
 * the service decides who may read it before handing it out.
 */
import {
  cacheKey,
  cacheTag,
  candidateTag,
  type KeyPart,
  listKey as cacheListKey,
  listTag,
  projectTag,
} from "../../cache/index.ts";
import type { Invalidation } from "../../cache/outbox.ts";

export const PAYMENT_TTL = 60;
export const LIST_TTL = 15;
export const SUMMARY_TTL = 60;

export const LIST_TAG = listTag("payments");
export const SUMMARY_TAG = cacheKey("payments", "summary");

export const paymentTag = (id: string) => cacheTag("payment", id);

/** One payment, shared by admin, finance and the owning manager. */
export const paymentKey = (id: string) => cacheKey("payment", id);

/** A page of the list for a query; kept per visibility scope (`cachedForCaller` adds it). */
export const listKey = (query: Record<string, KeyPart>) => cacheListKey("payments", query);

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
 * write and applied once it committed (shared/cache/outbox.ts).
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
