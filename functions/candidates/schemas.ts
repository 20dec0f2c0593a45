/**
 * Request and response schemas of the candidates function: they validate at the boundary and
 * feed the OpenAPI document. The IC rule itself is the service's (icBirthDate).
 */
import { z } from "@hono/zod-openapi";
import { CellText, Money, page, PageQuery } from "../../shared/schemas.ts";
import {
  icBirthDate,
  IMPORT_MAX_ROWS,
  normalizeIc,
} from "../../shared/services/candidates/index.ts";

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

const Status = z.enum(["active", "inactive", "blacklisted"]);
const Phone = z.string().trim().regex(/^\+?[0-9 ()-]{6,20}$/, "Use digits, spaces, dashes, +");
const Email = z.email().max(200);
const Skills = z.array(z.string().trim().min(1).max(50)).max(50);
const FullName = CellText(200);

/** A new candidate (also one row of a bulk import). */
export const CandidateCreate = z.strictObject({
  full_name: FullName,
  ic_number: IcNumber,
  phone: Phone.nullable().optional(),
  email: Email.nullable().optional(),
  status: Status.optional(),
  skills: Skills.optional(),
}).openapi("CandidateCreate");

/** A partial update. `ic_number` and `user_id` are admin-only; crew may change only SELF_FIELDS. */
export const CandidatePatch = z.strictObject({
  full_name: FullName.optional(),
  ic_number: IcNumber.optional(),
  phone: Phone.nullable().optional(),
  email: Email.nullable().optional(),
  status: Status.optional(),
  skills: Skills.optional(),
  user_id: z.uuid().nullable().optional(),
}).refine((p) => Object.keys(p).length > 0, "Send at least one field").openapi("CandidatePatch");

/** Bank details (PUT replaces them). */
export const BankDetails = z.strictObject({
  bank_name: CellText(100, 2),
  account_number: z.string().trim().regex(/^\d{6,20}$/, "6 to 20 digits"),
  account_holder: CellText(200),
}).openapi("BankDetails");

/** `GET /candidates?q=&ic=&status=&skills=a,b&limit=&cursor=` */
export const SearchQuery = z.strictObject({
  q: z.string().trim().min(2).max(100).optional().openapi({ description: "Name (fuzzy)" }),
  ic: IcNumber.optional().openapi({ description: "Exact IC number; dashes allowed" }),
  status: Status.optional(),
  skills: z.string().max(500).optional()
    .transform((s) => s?.split(",").map((x) => x.trim()).filter(Boolean))
    .openapi({ type: "string", description: "Comma-separated; all must match" }),
  ...PageQuery,
});

/** `POST /candidates/lookup`: the IC in the body, never in a URL that proxies and logs keep. */
export const LookupBody = z.strictObject({ ic_number: IcNumber }).openapi("CandidateLookup");

export const PagedQuery = z.strictObject(PageQuery);

const Base = {
  id: z.uuid(),
  full_name: z.string(),
  ic_number: z.string().openapi({ description: "Masked in lists: ******-**-1234" }),
  phone: z.string().nullable(),
  email: z.string().nullable(),
  status: Status,
  skills: z.array(z.string()),
  user_id: z.uuid().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
};

export const Bank = z.object({
  bank_name: z.string(),
  account_number: z.string(),
  account_holder: z.string(),
  updated_at: z.string(),
}).openapi("CandidateBank");

export const CandidateListItem = z.object(Base).openapi("CandidateListItem");

export const Candidate = z.object({
  ...Base,
  date_of_birth: z.string().nullable(),
  bank: Bank.nullable().optional()
    .openapi({ description: "Only for admin, finance and the candidate themself" }),
}).openapi("Candidate");

export const CandidatePage = page(CandidateListItem).openapi("CandidatePage");

export const Assignment = z.object({
  id: z.uuid(),
  project_id: z.uuid(),
  project_title: z.string(),
  project_status: z.string(),
  project_start_date: z.string(),
  project_end_date: z.string(),
  designation: z.string(),
  status: z.string(),
  start_date: z.string().nullable(),
  end_date: z.string().nullable(),
  daily_rate: Money,
  created_at: z.string(),
}).openapi("Assignment");

export const AssignmentPage = page(Assignment).openapi("AssignmentPage");

export const Earnings = z.object({
  candidate_id: z.uuid(),
  total_paid: Money.openapi({ description: "From the reporting view (refreshed every 5 min)" }),
  total_pending: Money,
  payments_count: z.number().int(),
  last_paid_at: z.string().nullable(),
  live_pending: Money.openapi({ description: "Pending + approved, computed now" }),
  live_open_count: z.number().int(),
}).openapi("Earnings");

export const ImportBody = z.strictObject({
  rows: z.array(z.unknown()).min(1).max(IMPORT_MAX_ROWS)
    .openapi({ description: "CandidateCreate objects; validated row by row" }),
});

export const ImportResult = z.object({
  inserted: z.number().int(),
  updated: z.number().int(),
}).openapi("ImportResult");
