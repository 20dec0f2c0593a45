/**
 * Request and response schemas of the payments function: they validate input at the boundary and
 * feed the OpenAPI document. Objects are strict, money is a decimal string with at most 2
 * decimals, dates are ISO `YYYY-MM-DD`.
 */
import { z } from "@hono/zod-openapi";
import { CellText, IsoDate, page, PageQuery, PositiveMoney, Uuid } from "../../shared/schemas.ts";
import { PAYMENT_METHODS, PAYMENT_STATUSES } from "../../shared/services/payments/index.ts";

const Text = (max: number) => z.string().trim().min(1).max(max);

const periodOrdered = (v: { period_start?: string | null; period_end?: string | null }) =>
  !v.period_start || !v.period_end || v.period_end >= v.period_start;
const PERIOD_MESSAGE = { message: "Must be on or after period_start", path: ["period_end"] };

const Timestamp = z.string().openapi({ example: "2026-11-26T08:00:00.000Z" });

export const Payment = z.object({
  id: Uuid,
  project_id: Uuid,
  candidate_id: Uuid,
  amount: z.string().openapi({ example: "350.00" }),
  payment_date: IsoDate,
  status: z.enum(PAYMENT_STATUSES),
  method: z.enum(PAYMENT_METHODS),
  reference: z.string().nullable(),
  period_start: IsoDate.nullable(),
  period_end: IsoDate.nullable(),
  approved_by: Uuid.nullable(),
  approved_at: Timestamp.nullable(),
  paid_at: Timestamp.nullable(),
  failure_reason: z.string().nullable(),
  created_by: Uuid.nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
}).openapi("Payment");

export const PaymentPage = page(Payment).openapi("PaymentPage");

export const ListQuery = z.strictObject({
  project_id: Uuid.optional(),
  candidate_id: Uuid.optional(),
  status: z.enum(PAYMENT_STATUSES).optional(),
  from: IsoDate.optional(),
  to: IsoDate.optional(),
  ...PageQuery,
});

export const PaymentCreate = z.strictObject({
  project_id: Uuid,
  candidate_id: Uuid,
  amount: PositiveMoney,
  payment_date: IsoDate,
  method: z.enum(PAYMENT_METHODS).optional(),
  reference: CellText(200).nullable().optional(),
  period_start: IsoDate.nullable().optional(),
  period_end: IsoDate.nullable().optional(),
}).refine(periodOrdered, PERIOD_MESSAGE).openapi("PaymentCreate");

/** Client keys share the table with payroll's deterministic keys, so that prefix is reserved. */
export const IdempotencyHeaders = z.object({
  "idempotency-key": z.string()
    .regex(/^[A-Za-z0-9._:-]{8,200}$/, "8–200 characters of A–Z, a–z, 0–9, . _ : -")
    .refine((k) => !k.startsWith("payroll:"), "The prefix payroll: is reserved")
    .openapi({ param: { name: "idempotency-key", in: "header" }, example: "pay-7f9c2e1a" }),
});

export const PayrollBody = z.strictObject({
  project_id: Uuid,
  period_start: IsoDate,
  period_end: IsoDate,
  payment_date: IsoDate,
  method: z.enum(PAYMENT_METHODS).optional(),
  /** Run as a job now (202); larger runs than PAYROLL_ASYNC_THRESHOLD always do. */
  async: z.boolean().optional(),
}).refine((v) => v.period_end >= v.period_start, PERIOD_MESSAGE)
  .refine(
    (v) => Date.parse(v.period_end) - Date.parse(v.period_start) <= 366 * 86_400_000,
    { message: "A payroll period is at most one year", path: ["period_end"] },
  ).openapi("PayrollRun");

/** A request that became a job: follow it at `status_url` (GET /jobs/{id}). */
export const JobAccepted = z.object({
  job_id: Uuid,
  status_url: z.string(),
}).openapi("JobAccepted");

export const ExportBody = z.strictObject({
  period_start: IsoDate,
  period_end: IsoDate,
}).refine((v) => v.period_end >= v.period_start, PERIOD_MESSAGE).openapi("BankFileRequest");

export const BankFile = z.object({
  id: Uuid,
  period_start: IsoDate,
  period_end: IsoDate,
  status: z.enum(["building", "ready"]),
  payments_count: z.number().int(),
  total_amount: z.string(),
  checksum: z.string().nullable(),
  size_bytes: z.number().int().nullable(),
  created_by: Uuid.nullable(),
  created_at: z.string(),
  ready_at: z.string().nullable(),
}).openapi("BankFile");

export const BankFileDetail = BankFile.extend({ payment_ids: z.array(Uuid) })
  .openapi("BankFileDetail");

export const PayrollResult = z.object({
  project_id: Uuid,
  period_start: IsoDate,
  period_end: IsoDate,
  created: z.number().int(),
  existing: z.number().int(),
  skipped_zero: z.number().int(),
  payments: z.array(z.object({
    payment_id: Uuid,
    candidate_id: Uuid,
    amount: z.string(),
    working_days: z.number().int(),
    payment_date: IsoDate,
    created: z.boolean(),
  })),
}).openapi("PayrollResult");

export const PayBody = z.strictObject({ reference: CellText(200).nullable().optional() })
  .openapi("PaymentPay");
export const FailBody = z.strictObject({ reason: Text(500) }).openapi("PaymentFail");
/** approve and cancel take no fields; an empty object (or no body) is accepted. */
export const EmptyBody = z.strictObject({}).openapi("Empty");

export const ApproveManyBody = z.strictObject({
  ids: z.array(Uuid).min(1).max(500),
}).openapi("PaymentApproveMany");

export const ApproveManyResult = z.object({
  approved: z.array(Uuid),
  errors: z.array(z.object({
    id: Uuid,
    code: z.enum(["not_found", "invalid_transition", "conflict", "forbidden"]),
    status: z.string().optional(),
  })),
}).openapi("PaymentApproveManyResult");

export const SummaryQuery = z.strictObject({
  from: IsoDate.optional(),
  to: IsoDate.optional(),
  live: z.enum(["true", "false"]).optional(),
});

export const Summary = z.object({
  from: IsoDate,
  to: IsoDate,
  source: z.enum(["mv", "live"]),
  months: z.array(z.object({
    month: IsoDate,
    status: z.enum(PAYMENT_STATUSES),
    payments_count: z.number().int(),
    total_amount: z.string(),
  })),
}).openapi("PaymentSummary");
