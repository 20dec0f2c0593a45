/**
 * The one error type of the backend. Everything a client may see as an error is an `AppError`;
 * the HTTP layer's single `onError` turns it into `{ error: { code, message, details }, request_id }`
 * with the code's status. Anything else becomes a generic 500 (logged on the server only), so SQL
 * text, stack traces and personal data never reach a client.
 */

/**
 * Every code a client may branch on, and its HTTP status: the one list (the OpenAPI documents
 * publish it as the `code` enum of the error body).
 */
export const ERROR_STATUS = {
  bad_request: 400,
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  route_not_found: 404,
  conflict: 409,
  version_conflict: 409,
  invalid_transition: 409,
  payload_too_large: 413,
  unprocessable: 422,
  idempotency_key_reused: 422,
  rate_limited: 429,
  internal_error: 500,
  unavailable: 503,
  db_unavailable: 503,
  pool_exhausted: 503,
  overloaded: 503,
  timeout: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
export type ErrorStatus = typeof ERROR_STATUS[ErrorCode];
export const ERROR_CODES = Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]];

export interface ErrorOptions {
  /** Per-field messages for validation errors, or other structured context safe to show. */
  details?: Record<string, unknown>;
  /** Seconds a client should wait before retrying (sent as `Retry-After`). */
  retryAfter?: number;
  /** The underlying error, kept for server logs only. */
  cause?: unknown;
  /** Extra response headers (e.g. `RateLimit-*` on a 429). */
  headers?: Record<string, string>;
}

/** A failure with a stable snake_case `code` that clients may branch on. */
export class AppError extends Error {
  readonly status: ErrorStatus;
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;
  readonly retryAfter?: number;
  readonly headers?: Record<string, string>;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = "AppError";
    this.status = ERROR_STATUS[code];
    this.code = code;
    this.details = options.details;
    this.retryAfter = options.retryAfter;
    this.headers = options.headers;
  }

  /** The JSON body a client receives. */
  toBody(requestId?: string): Record<string, unknown> {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details ? { details: this.details } : {}),
      },
      ...(requestId ? { request_id: requestId } : {}),
    };
  }
}

/** Helpers so call sites read as the rule they enforce. */
export const badRequest = (message: string, details?: Record<string, unknown>) =>
  new AppError("bad_request", message, { details });
export const validationFailed = (details: Record<string, unknown>) =>
  new AppError("validation_failed", "The request is not valid", { details });
export const unauthorized = (message = "Missing or invalid access token") =>
  new AppError("unauthorized", message);
export const forbidden = (message = "You may not do this") => new AppError("forbidden", message);
export const notFound = (what = "Resource") => new AppError("not_found", `${what} not found`);
export const conflict = (message: string, details?: Record<string, unknown>) =>
  new AppError("conflict", message, { details });
export const unprocessable = (message: string, details?: Record<string, unknown>) =>
  new AppError("unprocessable", message, { details });
/** More requests in flight in this isolate than it takes (`MAX_IN_FLIGHT`): retry shortly. */
export const overloaded = () =>
  new AppError("overloaded", "Too many requests in flight here; retry shortly", { retryAfter: 1 });

export const unavailable = (message: string, retryAfter = 1, cause?: unknown) =>
  new AppError("unavailable", message, { retryAfter, cause });
export const timedOut = (message = "The operation took too long", cause?: unknown) =>
  new AppError("timeout", message, { cause });
/**
 * A status move the state machine does not allow, or a write the row's status forbids — the one
 * builder: the database's refusals (shared/db/errors.ts) and the services' zero-row answers
 * both come here. `message` defaults to "… cannot move from <from> to <to>".
 */
export const invalidTransition = (
  what: string,
  from: string,
  to: string,
  message = `A ${what} cannot move from ${from} to ${to}`,
) => new AppError("invalid_transition", message, { details: { from, to } });
