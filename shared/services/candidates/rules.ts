/**
 * The rules of candidate data. Malaysian IC (MyKad) numbers: 12 digits, the first six a real
 * birth date YYMMDD — the same rule as `public.is_ic_valid`, so the route's schema refuses a bad
 * IC with a field message before any SQL runs; the database check stays as the last line of
 * defence. Pure functions.
 */

/** Strips the dashes and spaces people type (`900101-14-5678`). */
export function normalizeIc(raw: string): string {
  return raw.replace(/[\s-]/g, "");
}

/**
 * The birth date encoded in a normalized IC, or null when it is not a real past date. Century rule
 * as in SQL: 19YY when YY is above the current two-digit year, else 20YY.
 */
export function icBirthDate(ic: string, today = new Date()): string | null {
  if (!/^\d{12}$/.test(ic)) return null;
  const yy = Number(ic.slice(0, 2));
  const mm = Number(ic.slice(2, 4));
  const dd = Number(ic.slice(4, 6));
  const year = yy > today.getUTCFullYear() % 100 ? 1900 + yy : 2000 + yy;
  if (mm < 1 || mm > 12 || dd < 1) return null;
  // Day 0 of the next month is the last day of this one.
  if (dd > new Date(Date.UTC(year, mm, 0)).getUTCDate()) return null;
  const dob = new Date(Date.UTC(year, mm - 1, dd));
  if (dob.getTime() > today.getTime()) return null;
  return dob.toISOString().slice(0, 10);
}

/** A new candidate (also one row of a bulk import), as the route's schema parsed it. */
export interface CandidateInput {
  full_name: string;
  /** Normalized: 12 digits. */
  ic_number: string;
  phone?: string | null;
  email?: string | null;
  status?: "active" | "inactive" | "blacklisted";
  skills?: string[];
}

/** A partial update. `ic_number` and `user_id` are admin-only; crew may change only SELF_FIELDS. */
export interface CandidatePatch extends Partial<CandidateInput> {
  user_id?: string | null;
}

/** Bank details (PUT replaces them). */
export interface BankDetails {
  bank_name: string;
  account_number: string;
  account_holder: string;
}

/** Fields a crew member may change on their own record. */
export const SELF_FIELDS = ["phone", "email", "skills"] as const;
/** Fields only an admin may change. */
export const ADMIN_FIELDS = ["ic_number", "user_id"] as const;

/** Most rows one import may carry (one transaction; see importCandidates). */
export const IMPORT_MAX_ROWS = 5000;
