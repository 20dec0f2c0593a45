/**
 * The client's one error type: every failed call — an error answer of a function, a gateway
 * failure, a network error — rejects with a `CrewApiError`, so callers branch on `status` and
 * `code` and quote `requestId` to support, whatever went wrong.
 */

/** What the functions answer on an error: `{ error: { code, message, details? }, request_id }`. */
interface ErrorBody {
  error?: { code?: unknown; message?: unknown; details?: unknown };
  request_id?: unknown;
}

/** The fields of a `CrewApiError`. */
export interface CrewApiErrorInit {
  /** HTTP status; 0 when no answer arrived (network error). */
  status: number;
  /** The API's stable snake_case code (`not_found`, `rate_limited`, …), or `network_error`. */
  code: string;
  message: string;
  details?: Record<string, unknown>;
  /** The answer's request id (body `request_id` or header `x-request-id`), for support. */
  requestId?: string;
  /** Seconds the server asked the client to wait (`Retry-After`). */
  retryAfterS?: number;
  /** The answer's headers (`RateLimit-*` on a 429, say); absent when no answer arrived. */
  headers?: Headers;
  /** The route called, as `METHOD /path/{template}`. */
  route?: string;
  /** The Idempotency-Key the request carried: retry later with the same one. */
  idempotencyKey?: string;
  cause?: unknown;
}

/** A failed call of a crew function. */
export class CrewApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details?: Record<string, unknown>;
  readonly requestId?: string;
  readonly retryAfterS?: number;
  readonly headers?: Headers;
  readonly route?: string;
  readonly idempotencyKey?: string;

  constructor(init: CrewApiErrorInit) {
    super(init.message, { cause: init.cause });
    this.name = "CrewApiError";
    this.status = init.status;
    this.code = init.code;
    this.details = init.details;
    this.requestId = init.requestId;
    this.retryAfterS = init.retryAfterS;
    this.headers = init.headers;
    this.route = init.route;
    this.idempotencyKey = init.idempotencyKey;
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** `Retry-After` as seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterSeconds(
  value: string | null,
  now = Date.now(),
): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/** The error of a non-2xx answer, from the API's error body when it sent one. */
export async function errorFromResponse(
  response: Response,
  context: { route?: string; idempotencyKey?: string },
): Promise<CrewApiError> {
  const text = await response.text().catch(() => "");
  let body: ErrorBody = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (isRecord(parsed)) body = parsed;
  } catch {
    // Not JSON (a proxy's or gateway's page): status and headers still say what happened.
  }
  const inner = isRecord(body.error) ? body.error : {};
  return new CrewApiError({
    status: response.status,
    code: typeof inner.code === "string" ? inner.code : `http_${response.status}`,
    message: typeof inner.message === "string"
      ? inner.message
      : `${response.status} ${response.statusText}`.trim(),
    details: isRecord(inner.details) ? inner.details : undefined,
    requestId: typeof body.request_id === "string"
      ? body.request_id
      : response.headers.get("x-request-id") ?? undefined,
    retryAfterS: retryAfterSeconds(response.headers.get("retry-after")),
    headers: response.headers,
    ...context,
  });
}
