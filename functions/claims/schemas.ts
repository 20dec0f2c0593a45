/** Request and response schemas of the claims function. Money is a decimal string, never a number. */
import { z } from "@hono/zod-openapi";
import { IsoDate, Money, page, PageQuery, PositiveMoney, Uuid } from "../../shared/schemas.ts";

const Status = z.enum(["draft", "submitted", "approved", "rejected", "paid"]);
const Category = z.enum(["transport", "meals", "accommodation", "equipment", "other"]);
const Description = z.string().trim().max(2000).nullable();
const ReceiptPath = z.string().trim().min(1).max(500).nullable();

/** `GET /claims?status=&project_id=&candidate_id=&from=&to=&limit=&cursor=` */
export const ListQuery = z.strictObject({
  status: Status.optional(),
  project_id: Uuid.optional(),
  candidate_id: Uuid.optional(),
  from: IsoDate.optional().openapi({ description: "Created on or after" }),
  to: IsoDate.optional().openapi({ description: "Created on or before" }),
  ...PageQuery,
}).refine((q) => !q.from || !q.to || q.from <= q.to, {
  message: "`from` must not be after `to`",
  path: ["to"],
});

export const SummaryQuery = z.strictObject({ project_id: Uuid.optional() });

export const ClaimCreate = z.strictObject({
  candidate_id: Uuid.optional().openapi({ description: "Required unless the caller is crew" }),
  project_id: Uuid,
  category: Category,
  amount: PositiveMoney,
  description: Description.optional(),
  receipt_path: ReceiptPath.optional(),
}).openapi("ClaimCreate");

export const ClaimEdit = z.strictObject({
  category: Category.optional(),
  amount: PositiveMoney.optional(),
  description: Description.optional(),
  receipt_path: ReceiptPath.optional(),
}).refine((e) => Object.keys(e).length > 0, "Send at least one field").openapi("ClaimEdit");

export const RejectBody = z.strictObject({
  reason: z.string().trim().min(1, "A reason is required").max(1000),
}).openapi("ClaimReject");

const Ts = z.string().nullable();
const ClaimBase = {
  id: Uuid,
  candidate_id: Uuid,
  project_id: Uuid,
  category: Category,
  amount: Money,
  description: z.string().nullable(),
  receipt_path: z.string().nullable(),
  status: Status,
  submitted_at: Ts,
  decided_by: Uuid.nullable(),
  decided_at: Ts,
  rejection_reason: z.string().nullable(),
  paid_at: Ts,
  created_by: Uuid.nullable(),
  created_at: z.string(),
  updated_at: z.string(),
};

export const ClaimItem = z.object(ClaimBase).openapi("ClaimItem");
export const Claim = z.object({
  ...ClaimBase,
  project_title: z.string().nullable(),
  project_manager_id: Uuid.nullable(),
  candidate_name: z.string().nullable(),
}).openapi("Claim");
export const ClaimPage = page(ClaimItem).openapi("ClaimPage");

const Bucket = z.object({ count: z.number().int(), amount: Money });
export const Summary = z.object({
  project_id: Uuid.nullable(),
  by_status: z.object({
    draft: Bucket,
    submitted: Bucket,
    approved: Bucket,
    rejected: Bucket,
    paid: Bucket,
  }),
}).openapi("ClaimsSummary");
