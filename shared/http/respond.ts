/**
 * The one place errors become responses: `AppError`s keep their status, code and details;
 * zod and Hono's client errors become 400s; anything else is a generic 500 whose cause is logged
 * on the server only, so internals never reach a client.
 */
import { z } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import { AppError, validationFailed } from "../errors.ts";
import { log } from "../log.ts";

/** Turns zod issues into `{ "field.path": "message" }` for the error's `details`. */
export function issuesToDetails(error: z.ZodError): Record<string, string> {
  const details: Record<string, string> = {};
  for (const issue of error.issues) {
    const prefix = issue.path.map(String);
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) details[[...prefix, key].join(".")] ??= "Unknown field";
      continue;
    }
    details[prefix.length ? prefix.join(".") : "_"] ??= issue.message;
  }
  return details;
}

/** Builds the error response; AppErrors keep their status and code, anything else is a 500. */
export function errorResponse(err: unknown, requestId: string): Response {
  let appError: AppError;
  if (err instanceof AppError) appError = err;
  else if (err instanceof z.ZodError) appError = validationFailed(issuesToDetails(err));
  else if (err instanceof HTTPException && err.status < 500) {
    // Hono raises these for malformed JSON bodies and similar client faults.
    appError = new AppError("bad_request", err.message || "Malformed request");
  } else {
    log.error("internal_error", { request_id: requestId, error: String(err) });
    appError = new AppError("internal_error", "Something went wrong; quote the request id");
  }
  if (appError.status >= 500 && appError.cause) {
    log.error("error_cause", {
      request_id: requestId,
      code: appError.code,
      cause: String(appError.cause),
    });
  }
  const headers = new Headers({
    ...appError.headers,
    "content-type": "application/json",
    "x-request-id": requestId,
  });
  if (appError.retryAfter !== undefined) headers.set("retry-after", String(appError.retryAfter));
  return new Response(JSON.stringify(appError.toBody(requestId)), {
    status: appError.status,
    headers,
  });
}
