/**
 * Request and response schemas of the projects function. They validate input at the boundary and
 * feed the OpenAPI document; objects are strict, money is a decimal string, dates are ISO.
 */
import { z } from "@hono/zod-openapi";
import { IsoDate, Money, page, PageQuery, Uuid } from "../../shared/schemas.ts";

export const PROJECT_STATUSES = ["planning", "active", "completed", "cancelled"] as const;
export const STAFF_STATUSES = ["invited", "confirmed", "cancelled", "completed"] as const;
export const SORT_FIELDS = ["start_date", "created_at", "title"] as const;

/** Input text: trimmed, non-empty, bounded. */
const Text = (max: number) => z.string().trim().min(1).max(max);

const datesOrdered = (v: { start_date?: string; end_date?: string }) =>
  !v.start_date || !v.end_date || v.end_date >= v.start_date;
const DATES_MESSAGE = { message: "Must be on or after start_date", path: ["end_date"] };

const ProjectFields = {
  title: Text(200),
  client_name: Text(200).nullable().optional(),
  venue: Text(300).nullable().optional(),
  crew_needed: z.number().int().min(0).max(100_000).optional(),
  budget: Money.nullable().optional(),
};

export const ProjectCreate = z.strictObject({
  ...ProjectFields,
  status: z.enum(["planning", "active"]).optional(),
  start_date: IsoDate,
  end_date: IsoDate,
  manager_id: Uuid.nullable().optional(),
}).refine(datesOrdered, DATES_MESSAGE).openapi("ProjectCreate");

export const ProjectPatch = z.strictObject({
  ...ProjectFields,
  title: ProjectFields.title.optional(),
  status: z.enum(PROJECT_STATUSES).optional(),
  start_date: IsoDate.optional(),
  end_date: IsoDate.optional(),
  manager_id: Uuid.nullable().optional(),
}).refine((v) => Object.keys(v).length > 0, { message: "Nothing to update" })
  .refine(datesOrdered, DATES_MESSAGE).openapi("ProjectPatch");

export type ProjectCreateInput = z.infer<typeof ProjectCreate>;
export type ProjectPatchInput = z.infer<typeof ProjectPatch>;

export const BatchItem = z.discriminatedUnion("op", [
  z.strictObject({ op: z.literal("create"), data: ProjectCreate }),
  z.strictObject({
    op: z.literal("update"),
    id: Uuid,
    /** The `updated_at` the client last saw (optimistic concurrency), optional. */
    if_match: z.iso.datetime({ offset: true }).optional(),
    data: ProjectPatch,
  }),
]);
export const BatchBody = z.strictObject({
  items: z.array(BatchItem).min(1).max(500),
}).refine(
  (v) => {
    const ids = v.items.flatMap((i) => i.op === "update" ? [i.id] : []);
    return new Set(ids).size === ids.length;
  },
  { message: "Each project may be updated once per batch", path: ["items"] },
).openapi("ProjectBatch");
export type BatchInput = z.infer<typeof BatchBody>;

export const ListQuery = z.strictObject({
  status: z.enum(PROJECT_STATUSES).optional(),
  from: IsoDate.optional(),
  to: IsoDate.optional(),
  q: z.string().trim().min(1).max(100).optional(),
  manager_id: Uuid.optional(),
  sort: z.enum(SORT_FIELDS).default("start_date"),
  order: z.enum(["asc", "desc"]).default("desc"),
  ...PageQuery,
}).refine((v) => !v.from || !v.to || v.to >= v.from, {
  message: "Must be on or after from",
  path: ["to"],
});
export type ListQueryInput = z.infer<typeof ListQuery>;

export const Project = z.object({
  id: Uuid,
  title: z.string(),
  client_name: z.string().nullable(),
  venue: z.string().nullable(),
  status: z.enum(PROJECT_STATUSES),
  start_date: IsoDate,
  end_date: IsoDate,
  crew_needed: z.number().int(),
  budget: Money.nullable().optional().openapi({ description: "Absent for crew" }),
  manager_id: Uuid.nullable(),
  created_at: z.string(),
  updated_at: z.string(),
}).openapi("Project");

export const ProjectDetail = z.object({
  project: Project,
  staff_summary: z.object({
    invited: z.number().int(),
    confirmed: z.number().int(),
    cancelled: z.number().int(),
    completed: z.number().int(),
    total_daily_rate: Money,
  }).nullable().openapi({ description: "Null for crew" }),
  financials: z.object({
    payments_paid: Money,
    payments_pending: Money,
    payments_count: z.number().int(),
    claims_approved: Money,
    claims_paid: Money,
  }).nullable().openapi({ description: "Live numbers; null for crew" }),
}).openapi("ProjectDetail");

export const ProjectPage = page(Project).openapi("ProjectPage");

export const StaffIdParams = z.strictObject({
  id: Uuid.openapi({ param: { name: "id", in: "path" } }),
  staffId: Uuid.openapi({ param: { name: "staffId", in: "path" } }),
});

const StaffFields = {
  designation: Text(100).optional(),
  start_date: IsoDate.optional(),
  end_date: IsoDate.optional(),
  daily_rate: Money.optional(),
};

export const StaffAssignItem = z.strictObject({
  candidate_id: Uuid,
  ...StaffFields,
  status: z.enum(["invited", "confirmed"]).optional(),
}).refine(datesOrdered, DATES_MESSAGE);

export const StaffAssign = z.strictObject({
  candidates: z.array(StaffAssignItem).min(1).max(500),
  on_conflict: z.enum(["error", "skip"]).default("error").openapi({
    description: "error: 409 and nothing is written; skip: existing assignments are reported",
  }),
}).refine(
  (v) => new Set(v.candidates.map((c) => c.candidate_id)).size === v.candidates.length,
  { message: "Each candidate may appear once", path: ["candidates"] },
).openapi("StaffAssign");
export type StaffAssignInput = z.infer<typeof StaffAssign>;

export const StaffPatch = z.strictObject({
  ...StaffFields,
  status: z.enum(STAFF_STATUSES).optional(),
}).refine((v) => Object.keys(v).length > 0, { message: "Nothing to update" })
  .refine(datesOrdered, DATES_MESSAGE).openapi("StaffPatch");
export type StaffPatchInput = z.infer<typeof StaffPatch>;

export const StaffListQuery = z.strictObject({
  status: z.enum(STAFF_STATUSES).optional(),
  ...PageQuery,
});

export const Staff = z.object({
  id: Uuid,
  project_id: Uuid,
  candidate_id: Uuid,
  candidate_name: z.string().optional(),
  ic_number_masked: z.string().optional(),
  designation: z.string(),
  status: z.enum(STAFF_STATUSES),
  start_date: IsoDate.nullable(),
  end_date: IsoDate.nullable(),
  daily_rate: Money,
  created_at: z.string(),
  updated_at: z.string(),
}).openapi("ProjectStaff");

export const StaffPage = page(Staff).openapi("ProjectStaffPage");

export const DashboardQuery = z.strictObject({
  from: IsoDate.optional(),
  to: IsoDate.optional(),
}).refine((q) => !q.from || !q.to || q.from <= q.to, {
  message: "`from` must not be after `to`",
  path: ["to"],
});
