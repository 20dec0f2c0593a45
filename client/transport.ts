/**
 * Every call goes through `supabase.functions.invoke`, so the caller's supabase-js client keeps
 * owning the URL, the API key and the user's session (its token refresh included). This module
 * turns invoke's `{ data, error, response }` into a reply or one `CrewApiError`, and retries by
 * the rule in retry.ts.
 */
import { CrewApiError, errorFromResponse } from "./errors.ts";
import { RETRY_DEFAULTS, retryDelayMs, type RetryOptions } from "./retry.ts";

/** What `functions.invoke` is given (a subset of supabase-js's `FunctionInvokeOptions`). */
export interface InvokeOptions {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  body?: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** What `functions.invoke` resolves to (supabase-js's `FunctionsResponse`). */
export interface InvokeResult {
  data: unknown;
  error: unknown;
  response?: Response;
}

/**
 * The part of a supabase-js client this package uses: a `SupabaseClient` (browser, Node, Deno)
 * is one, and so is a test's fake.
 */
export interface FunctionsInvoker {
  functions: {
    invoke(functionName: string, options: InvokeOptions): Promise<InvokeResult>;
  };
}

/** One call, as the bound route hands it over. */
export interface CallRequest {
  method: InvokeOptions["method"];
  /** `projects/<id>?limit=2`: function name, path and query. */
  path: string;
  /** `GET /projects/{id}`, for errors and `onRetry`. */
  route: string;
  body?: unknown;
  headers: Record<string, string>;
}

/** Told before each wait (logging, metrics, tests). */
export interface RetryEvent {
  route: string;
  /** 1 for the first retry. */
  retry: number;
  delayMs: number;
  error: CrewApiError;
}

/** How the transport waits and retries. */
export interface TransportOptions {
  retry?: RetryOptions;
  onRetry?: (event: RetryEvent) => void;
  /** How to wait (default `setTimeout`); tests pass one that does not. */
  sleep?: (ms: number) => Promise<void>;
}

/** Sends calls; the one object every service shares. */
export interface Transport {
  send(request: CallRequest): Promise<{ data: unknown; status: number; headers: Headers }>;
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Duck-typed, so a Response from another realm (or a polyfill) still counts. */
function isResponse(value: unknown): value is Response {
  if (typeof value !== "object" || value === null) return false;
  const r: Partial<Response> = value;
  return typeof r.status === "number" && typeof r.text === "function" &&
    typeof r.headers?.get === "function";
}

/** `functions.invoke` failures as a `CrewApiError`: an answer's own error, else a network one. */
async function toError(
  error: unknown,
  response: Response | undefined,
  call: { route: string; idempotencyKey?: string },
): Promise<CrewApiError> {
  // supabase-js puts the answer of a FunctionsHttpError / FunctionsRelayError on `context`.
  const context = typeof error === "object" && error !== null && "context" in error
    ? error.context
    : undefined;
  const answered = response ?? (isResponse(context) ? context : undefined);
  if (answered && answered.status >= 400) return await errorFromResponse(answered, call);
  return new CrewApiError({
    status: 0,
    code: "network_error",
    message: error instanceof Error ? error.message : "The request did not reach the function",
    cause: error,
    ...call,
  });
}

/** A transport over `invoker`, retrying per `options`. */
export function createTransport(
  invoker: FunctionsInvoker,
  options: TransportOptions = {},
): Transport {
  const policy = { ...RETRY_DEFAULTS, ...options.retry };
  const sleep = options.sleep ?? wait;
  return {
    async send(request) {
      const key = Object.entries(request.headers)
        .find(([name]) => name.toLowerCase() === "idempotency-key")?.[1];
      for (let retries = 0;; retries++) {
        let error: CrewApiError;
        try {
          const result = await invoker.functions.invoke(request.path, {
            method: request.method,
            // supabase-js serialises any object as JSON; arrays and strings are not our bodies.
            body: request.body as Record<string, unknown> | undefined,
            headers: request.headers,
          });
          if (!result.error) {
            return {
              data: result.data,
              status: result.response?.status ?? 200,
              headers: result.response?.headers ?? new Headers(),
            };
          }
          error = await toError(result.error, result.response, {
            route: request.route,
            idempotencyKey: key,
          });
        } catch (thrown) {
          // supabase-js resolves with `error`; a custom invoker may throw instead.
          error = await toError(thrown, undefined, { route: request.route, idempotencyKey: key });
        }
        const delayMs = retryDelayMs(
          error,
          { method: request.method, keyed: key !== undefined, retries },
          policy,
        );
        if (delayMs === null) throw error;
        options.onRetry?.({ route: request.route, retry: retries + 1, delayMs, error });
        await sleep(delayMs);
      }
    },
  };
}
