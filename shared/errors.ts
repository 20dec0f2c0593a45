/**
 * The one error type of the backend. Everything a client may see as an error is an `AppError`;
 * the HTTP layer's single `onError` turns it into `{ error: { code, message, details }, request_id }`
 * with `status`. Anything else becomes a generic 500 (logged on the server only), so SQL text,
 * stack traces and personal data never reach a client.
 */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 422 | 429 | 500 | 503 | 504;

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
  readonly code: string;
  readonly details?: Record<string, unknown>;
  readonly retryAfter?: number;
  readonly headers?: Record<string, string>;

  constructor(status: ErrorStatus, code: string, message: string, options: ErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = "AppError";
    this.status = status;
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
  new AppError(400, "bad_request", message, { details });
export const validationFailed = (details: Record<string, unknown>) =>
  new AppError(400, "validation_failed", "The request is not valid", { details });
export const unauthorized = (message = "Missing or invalid access token") =>
  new AppError(401, "unauthorized", message);
export const forbidden = (message = "You may not do this") =>
  new AppError(403, "forbidden", message);
export const notFound = (what = "Resource") => new AppError(404, "not_found", `${what} not found`);
export const conflict = (message: string, details?: Record<string, unknown>) =>
  new AppError(409, "conflict", message, { details });
export const unprocessable = (message: string, details?: Record<string, unknown>) =>
  new AppError(422, "unprocessable", message, { details });
export const unavailable = (message: string, retryAfter = 1, cause?: unknown) =>
  new AppError(503, "unavailable", message, { retryAfter, cause });
export const timedOut = (message = "The operation took too long", cause?: unknown) =>
  new AppError(504, "timeout", message, { cause });
