/**
 * Bank payment files: queue one for a period (202, a `bank_file` job), list them, describe one
 * (with its payment ids) and download it as CSV (format in docs/jobs.md). Admin and finance
 * only: the files hold account numbers. Mounted before the payments routes so `/exports` is
 * never taken for a payment id.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import {
  type AppEnv,
  ErrorBody,
  handle,
  jsonBody,
  jsonResponse,
  route,
} from "../../../shared/http/index.ts";
import { IdParam } from "../../../shared/schemas.ts";
import {
  bankFileContent,
  getBankFile,
  listBankFiles,
  requestBankFile,
} from "../../../shared/services/payments/index.ts";
import { BankFile, BankFileDetail, ExportBody, JobAccepted } from "../schemas.ts";

const FINANCE = ["admin", "finance"] as const;

/** The 202 body of a request that became a job. */
export const accepted = (jobId: string) => ({
  job_id: jobId,
  status_url: `/functions/v1/jobs/${jobId}`,
});

export const exportRoutes = new OpenAPIHono<AppEnv>();

exportRoutes.openapi(
  route({
    method: "post",
    path: "/exports",
    rateLimit: "expensive",
    roles: FINANCE,
    summary: "Queue the bank payment file of a period",
    description: "Approved bank-transfer payments dated in the period, whose candidate has a " +
      "bank account, and not in an earlier file: each payment is exported exactly once. " +
      "The job's result names the file (`file_id`), or says there was nothing to export. " +
      "Asked again while that period's file is queued or being written, the request joins " +
      "its job.",
    request: { body: jsonBody(ExportBody) },
    responses: { 202: jsonResponse(JobAccepted, "Queued as a job") },
  }),
  async (c) => {
    const jobId = await handle(c, "export", (me) => requestBankFile(me, c.req.valid("json")));
    return c.json(accepted(jobId), 202);
  },
);

exportRoutes.openapi(
  route({
    method: "get",
    path: "/exports",
    roles: FINANCE,
    summary: "Bank payment files, newest first",
    responses: { 200: jsonResponse(z.object({ data: z.array(BankFile) }), "The files") },
  }),
  async (c) => c.json({ data: await handle(c, "exports", () => listBankFiles()) }, 200),
);

exportRoutes.openapi(
  route({
    method: "get",
    path: "/exports/{id}",
    roles: FINANCE,
    summary: "One bank payment file and its payments",
    request: { params: IdParam },
    responses: {
      200: jsonResponse(BankFileDetail, "The file"),
      404: jsonResponse(ErrorBody, "No such file"),
    },
  }),
  async (c) => c.json(await handle(c, "export", () => getBankFile(c.req.valid("param").id)), 200),
);

exportRoutes.openapi(
  route({
    method: "get",
    path: "/exports/{id}/file",
    roles: FINANCE,
    summary: "Download a bank payment file (CSV)",
    request: { params: IdParam },
    responses: {
      200: { description: "The CSV", content: { "text/csv": { schema: z.string() } } },
      404: jsonResponse(ErrorBody, "No such file, or not ready yet"),
    },
  }),
  async (c) => {
    const file = await handle(c, "export_file", () => bankFileContent(c.req.valid("param").id));
    return c.body(file.text, 200, {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${file.name}"`,
      "cache-control": "private, no-store",
    });
  },
);
