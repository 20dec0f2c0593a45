/**
 * Request and response schemas of the candidates function. Input schemas shared with the service
 * (the import validates rows itself) live in shared/services/candidates-input.ts.
 */
import { z } from "@hono/zod-openapi";
import { Money, page, PageQuery } from "../../shared/schemas.ts";
import { IcNumber } from "../../shared/services/candidates-input.ts";

const Status = z.enum(["active", "inactive", "blacklisted"]);

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
  rows: z.array(z.unknown()).min(1).max(5000)
    .openapi({ description: "CandidateCreate objects; validated row by row" }),
});

export const ImportResult = z.object({
  inserted: z.number().int(),
  updated: z.number().int(),
}).openapi("ImportResult");
