/**
 * Malaysian IC (MyKad) numbers: 12 digits, the first six a real birth date YYMMDD. The API checks
 * them with the same rule as `public.is_ic_valid` so a bad IC is a 400 with a field message before
 * any SQL runs; the database check stays as the last line of defence.
 */
import { z } from "@hono/zod-openapi";

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

/** An IC number as clients send it; parses to the normalized 12 digits. */
export const IcNumber = z.string()
  .max(20)
  .transform(normalizeIc)
  .pipe(
    z.string()
      .regex(/^\d{12}$/, "An IC number has 12 digits (dashes allowed), e.g. 900101-14-5678")
      .refine((ic) => icBirthDate(ic) !== null, "The first 6 digits must be a real birth date"),
  )
  .openapi({ type: "string", example: "900101-14-5678" });

const Phone = z.string().trim().regex(/^\+?[0-9 ()-]{6,20}$/, "Use digits, spaces, dashes, +");
const Email = z.email().max(200);
const Skills = z.array(z.string().trim().min(1).max(50)).max(50);
const CandidateStatus = z.enum(["active", "inactive", "blacklisted"]);
const FullName = z.string().trim().min(1).max(200);

/** A new candidate (also one row of a bulk import). */
export const CandidateCreate = z.strictObject({
  full_name: FullName,
  ic_number: IcNumber,
  phone: Phone.nullable().optional(),
  email: Email.nullable().optional(),
  status: CandidateStatus.optional(),
  skills: Skills.optional(),
}).openapi("CandidateCreate");
export type CandidateCreate = z.infer<typeof CandidateCreate>;

/** A partial update. `ic_number` and `user_id` are admin-only; crew may change only SELF_FIELDS. */
export const CandidatePatch = z.strictObject({
  full_name: FullName.optional(),
  ic_number: IcNumber.optional(),
  phone: Phone.nullable().optional(),
  email: Email.nullable().optional(),
  status: CandidateStatus.optional(),
  skills: Skills.optional(),
  user_id: z.uuid().nullable().optional(),
}).refine((p) => Object.keys(p).length > 0, "Send at least one field").openapi("CandidatePatch");
export type CandidatePatch = z.infer<typeof CandidatePatch>;

/** Fields a crew member may change on their own record. */
export const SELF_FIELDS = ["phone", "email", "skills"] as const;
/** Fields only an admin may change. */
export const ADMIN_FIELDS = ["ic_number", "user_id"] as const;

/** Bank details (PUT replaces them). */
export const BankDetails = z.strictObject({
  bank_name: z.string().trim().min(2).max(100),
  account_number: z.string().trim().regex(/^\d{6,20}$/, "6 to 20 digits"),
  account_holder: z.string().trim().min(1).max(200),
}).openapi("BankDetails");
export type BankDetails = z.infer<typeof BankDetails>;

/** Most rows one import may carry (one transaction; see importCandidates). */
export const IMPORT_MAX_ROWS = 5000;
