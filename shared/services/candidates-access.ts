/**
 * Who may see what of a candidate, applied AFTER the cache: the cached record is scope-neutral
 * (full IC, no bank details), so every hit is filtered for the caller here — RLS cannot see a hit.
 * Also the caller's own candidate id, which crew access and claims rest on.
 */
import { asUser } from "../db.ts";
import type { Caller } from "../caller.ts";
import { cache, cacheKey } from "../cache.ts";
import { maskIc } from "../schemas.ts";
import { ownCandidateIdQuery } from "./candidates-sql.ts";

export { type Caller, toCaller } from "../caller.ts";

/** A candidate as stored (dates as ISO strings, so cache hits and fresh rows look alike). */
export interface CandidateRecord {
  id: string;
  full_name: string;
  ic_number: string;
  date_of_birth: string | null;
  phone: string | null;
  email: string | null;
  status: "active" | "inactive" | "blacklisted";
  skills: string[];
  user_id: string | null;
  created_at: string;
  updated_at: string;
}

/** Bank details as returned to the few callers allowed to see them. */
export interface BankRecord {
  bank_name: string;
  account_number: string;
  account_holder: string;
  updated_at: string;
}

export type CacheSource = "l1" | "l2" | "loader" | "joined";

/** Scope of `candidate:<id>` style entries and of the own-candidate link. */
export const CANDIDATE_TTL = 300;
export const LIST_TTL = 30;
export const DETAIL_PART_TTL = 60;
export const LIST_TAG = "candidates:list";
export { candidateTag } from "../cache.ts";
export const userLinkTag = (userId: string) => `user:${userId}:candidate`;

/** Row → the JSON shape the cache stores (Date → ISO string). */
export function plain<T>(row: unknown): T {
  return JSON.parse(JSON.stringify(row)) as T;
}

/** Staff roles see every candidate; crew only the one linked to their login. */
export function canSee(caller: Caller, rec: CandidateRecord): boolean {
  return caller.appRole !== "crew" || rec.user_id === caller.id;
}

/** Bank details: admin, finance and the candidate themself. */
export function seesBank(caller: Caller, rec: CandidateRecord): boolean {
  return caller.appRole === "admin" || caller.appRole === "finance" ||
    rec.user_id === caller.id;
}

/** Full IC on a single record: admin, finance, manager and the candidate themself. */
export function seesFullIc(caller: Caller, rec: CandidateRecord): boolean {
  return caller.appRole !== "crew" || rec.user_id === caller.id;
}

/** A list item: the IC masked for everyone, and no birth date (it is the IC's first 6 digits). */
export function toListItem(rec: CandidateRecord) {
  const { date_of_birth: _dob, ...rest } = rec;
  return { ...rest, ic_number: maskIc(rec.ic_number) };
}

/** A single record for `caller`: full or masked IC, bank details only where allowed. */
export function toDetail(caller: Caller, rec: CandidateRecord, bank?: BankRecord | null) {
  const full = seesFullIc(caller, rec);
  return {
    ...rec,
    ic_number: full ? rec.ic_number : maskIc(rec.ic_number),
    date_of_birth: full ? rec.date_of_birth : null,
    ...(seesBank(caller, rec) ? { bank: bank ?? null } : {}),
  };
}

/**
 * The candidate id linked to the caller's login, or null. Cached per user (the key holds the user
 * id, so it is never shared); an admin relinking `user_id` invalidates `user:<id>:candidate`.
 */
export async function ownCandidateId(caller: Caller): Promise<string | null> {
  return await cache.getOrSet(
    cacheKey("user", caller.id, "candidate"),
    async () => {
      const [row] = await asUser(caller.claims, (tx) => ownCandidateIdQuery(tx), {
        readOnly: true,
      });
      return (row?.id as string | null) ?? null;
    },
    { ttl: CANDIDATE_TTL, tags: [userLinkTag(caller.id)] },
  );
}
