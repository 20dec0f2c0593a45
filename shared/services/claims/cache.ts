/** Cache keys, tags and TTLs of the claims service in one place (docs/cache-claims.md). */
import { cacheKey, cacheTag, listTag } from "../../cache/index.ts";

export const CLAIM_TTL = 60;
export const LIST_TTL = 15;
export const SUMMARY_TTL = 60;
export const LIST_TAG = listTag("claims");
export const SUMMARY_TAG = cacheKey("claims", "summary");
export const claimTag = (id: string) => cacheTag("claim", id);
export const claimKey = (id: string) => cacheKey("claim", id);
/** The summary of one project, or of everything the caller sees; kept per visibility scope. */
export const summaryKey = (projectId?: string) => cacheKey("claims", "summary", projectId ?? "all");
