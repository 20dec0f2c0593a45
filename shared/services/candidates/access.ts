/**
 * Who may see what of a candidate, applied AFTER the cache: the cached record is scope-neutral
 * (full IC, no bank details), so every hit is shaped for the caller here — RLS cannot see a hit.
 * Also the caller's own candidate id, which crew access and claims rest on.
 */
import { cache, cacheKey } from "../../cache/index.ts";
import { type Caller, seesEverything } from "../../caller.ts";
import { asUser } from "../../db/index.ts";
import { maskIc } from "../../schemas.ts";
import { ownCandidateIdQuery } from "./queries.ts";

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

/** A list item: the IC masked, and no birth date (it is the IC's first 6 digits). */
export type CandidateListItem = Omit<CandidateRecord, "date_of_birth">;

/** One record as a caller may see it. */
export type CandidateDetail = CandidateRecord & { bank?: BankRecord | null };

export const CANDIDATE_TTL = 300;
export const LIST_TTL = 30;
export const DETAIL_PART_TTL = 60;
export { candidateTag } from "../../cache/index.ts";
export const LIST_TAG = "candidates:list";
/** Dropped when an admin links or unlinks a login: the login's own-candidate entry goes. */
export const userLinkTag = (userId: string) => cacheKey("user", userId, "candidate");

/** Staff roles see every candidate; crew only the one linked to their login. */
export function canSee(caller: Caller, rec: CandidateRecord): boolean {
  return caller.appRole !== "crew" || rec.user_id === caller.id;
}

/** Bank details: admin, finance and the candidate themself. */
export function seesBank(caller: Caller, rec: CandidateRecord): boolean {
  return seesEverything(caller) || rec.user_id === caller.id;
}

/** Full IC on a single record: admin, finance, manager and the candidate themself. */
const seesFullIc = canSee;

export function toListItem(rec: CandidateRecord): CandidateListItem {
  const { date_of_birth: _dob, ...rest } = rec;
  return { ...rest, ic_number: maskIc(rec.ic_number) };
}

/** A single record for `caller`: full or masked IC, bank details only where allowed. */
export function toDetail(
  caller: Caller,
  rec: CandidateRecord,
  bank?: BankRecord | null,
): CandidateDetail {
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
    userLinkTag(caller.id),
    async () => {
      const [row] = await asUser(caller.claims, (tx) => ownCandidateIdQuery(tx), {
        readOnly: true,
      });
      return (row?.id as string | null) ?? null;
    },
    { ttl: CANDIDATE_TTL, tags: [userLinkTag(caller.id)] },
  );
}
