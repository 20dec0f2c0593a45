/**
 * Every setting of the functions, read from the environment ONCE, parsed with zod, at start-up.
 * A bad or missing value stops the isolate before it serves anything, with the variable's name
 * in the message — never a 401 for every request because a key could not be read. Everything
 * else takes its values from `config`; `parseConfig` is the same parser for tests.
 */
import type { JSONWebKeySet } from "jose";
import { z } from "zod";
import { parseKeys } from "./cache/seal.ts";
import { log, LOG_LEVELS, setLogLevel } from "./log.ts";

/** What is wrong with the environment, one variable per line. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

const text = z.string().trim().optional().transform((v) => (v === "" ? undefined : v));

/** A number ≥ `min` (an empty value is "not set"); garbage is an error, never a default. */
const number = (min: number, integer = false) =>
  text.transform((raw, ctx) => {
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
      ctx.addIssue({
        code: "custom",
        message: `must be ${integer ? "a whole number" : "a number"} ≥ ${min} (got ${
          JSON.stringify(raw)
        })`,
      });
      return z.NEVER;
    }
    return n;
  });

/** `number(...).transform(orElse(n))`: the value when set, else the default `n`. */
const orElse = <T>(fallback: T) => (value: T | undefined): T => value ?? fallback;

const flag = text.transform((v) => ["1", "true", "yes", "on"].includes((v ?? "").toLowerCase()));

const rule = (fallback: string) =>
  text.transform((raw, ctx) => {
    const m = /^\s*(\d+)\s*\/\s*(\d+)\s*(s|m|h)\s*$/.exec(raw ?? fallback);
    if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) {
      ctx.addIssue({
        code: "custom",
        message: `must look like 60/10s, 100/1m or 1000/1h (got ${JSON.stringify(raw)})`,
      });
      return z.NEVER;
    }
    return { limit: Number(m[1]), windowS: Number(m[2]) * { s: 1, m: 60, h: 3600 }[m[3]]! };
  });

const jwks = text.transform((raw, ctx) => {
  if (raw === undefined) return undefined;
  try {
    const set: JSONWebKeySet = JSON.parse(raw);
    if (Array.isArray(set?.keys) && set.keys.length > 0) return set;
  } catch { /* reported below */ }
  ctx.addIssue({ code: "custom", message: 'must be a JSON Web Key Set: {"keys": [...]}' });
  return z.NEVER;
});

const url = text.pipe(z.url({ error: "must be a URL" }).optional());

const Env = z.object({
  DB_POOLER_URL: text,
  SUPABASE_DB_URL: text,
  DB_POOL_MIN: number(0, true),
  DB_POOL_MAX: number(1, true),
  DB_STATEMENT_TIMEOUT: number(0, true),
  DB_IDLE_TIMEOUT: number(0),
  DB_MAX_LIFETIME: number(0),
  DB_CONNECT_TIMEOUT: number(0),
  DB_APPLICATION_NAME: text,
  DB_ACQUIRE_TIMEOUT: number(0),
  UPSTASH_REDIS_REST_URL: url,
  UPSTASH_REDIS_URL: url,
  UPSTASH_REDIS_REST_TOKEN: text,
  UPSTASH_REDIS_TOKEN: text,
  CACHE_ENCRYPTION_KEYS: text.pipe(
    z.string().optional().refine((spec) => {
      try {
        parseKeys(spec);
        return true;
      } catch {
        return false;
      }
    }, "id:base64key[,id:base64key…], each key 32 bytes"),
  ),
  CACHE_NAMESPACE: text.pipe(
    z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, "letters, digits, _ and - only").optional(),
  ),
  CACHE_TTL_SECONDS: number(0),
  CACHE_L1_TTL_SECONDS: number(0),
  CACHE_STALE_BOUND_MS: number(1),
  CACHE_BUS_INTERVAL_MS: number(10),
  CACHE_L1_MAX_ENTRIES: number(1, true),
  CACHE_L1_MAX_BYTES: number(1, true),
  CACHE_L2_TIMEOUT_MS: number(1),
  CACHE_BREAKER_THRESHOLD: number(1, true),
  CACHE_BREAKER_OPEN_MS: number(0),
  CACHE_DISABLED: flag,
  CACHE_L1_DISABLED: flag,
  CACHE_REPLAY_INTERVAL_MS: number(100).transform(orElse(2_000)),
  JWT_SECRET: text.pipe(z.string().min(32, "must be at least 32 characters").optional()),
  SUPABASE_JWKS: jwks,
  JWKS_URL: url,
  REQUEST_TIMEOUT_MS: number(100, true).transform(orElse(10_000)),
  MAX_IN_FLIGHT: number(1, true).transform(orElse(128)),
  LOG_LEVEL: text.pipe(z.enum(LOG_LEVELS).optional()),
  LOG_REQUESTS: text,
  RATE_LIMIT_WRITES: rule("120/10s"),
  RATE_LIMIT_EXPENSIVE: rule("30/10s"),
  RATE_LIMIT_PER_IP: rule("600/10s"),
  RATE_LIMIT_DISABLED: flag,
  JOBS_BUDGET_MS: number(100, true).transform(orElse(20_000)),
  JOBS_BATCH: number(1, true).transform(orElse(20)),
  JOBS_CONCURRENCY: number(1, true).transform(orElse(5)),
  JOBS_POLL_MS: number(10, true).transform(orElse(100)),
  JOBS_LINGER_MS: number(0, true).transform(orElse(2_000)),
  PAYROLL_ASYNC_THRESHOLD: number(1, true).transform(orElse(200)),
  PAYROLL_STEP: number(1, true).transform(orElse(200)),
  NOTIFY_PROVIDER: text.pipe(z.enum(["record", "webhook"]).default("record")),
  NOTIFY_WEBHOOK_URL: url,
  NOTIFY_WEBHOOK_TOKEN: text,
  FILE_STORE: text.pipe(z.enum(["table", "storage"]).default("table")),
  STORAGE_BUCKET: text.pipe(
    z.string().regex(/^[a-z0-9][a-z0-9._-]{2,62}$/, "a Storage bucket name").default("bank-files"),
  ),
  SUPABASE_URL: url,
  SUPABASE_SERVICE_ROLE_KEY: text,
  METRICS_DISABLED: flag,
  METRICS_FLUSH_MS: number(100, true).transform(orElse(5_000)),
  METRICS_TOKEN: text.pipe(z.string().min(24, "must be at least 24 characters").optional()),
  SENTRY_DSN: url,
  SENTRY_ENVIRONMENT: text.transform(orElse("local")),
  SENTRY_RELEASE: text,
});

/**
 * The configuration: each variable parsed (and defaulted) above, then grouped by concern. Its
 * type is what the schema outputs (`Config` below): there is no second description to keep in
 * step. Library defaults that tests share (the pool's, the cache's) stay with their modules
 * (shared/db/options.ts, shared/cache/options.ts): an unset variable passes `undefined` there.
 */
const ConfigSchema = Env.transform((e) => ({
  db: {
    url: (e.DB_POOLER_URL ?? e.SUPABASE_DB_URL)!,
    min: e.DB_POOL_MIN,
    max: e.DB_POOL_MAX,
    statementTimeoutMs: e.DB_STATEMENT_TIMEOUT,
    idleTimeoutS: e.DB_IDLE_TIMEOUT,
    maxLifetimeS: e.DB_MAX_LIFETIME,
    connectTimeoutS: e.DB_CONNECT_TIMEOUT,
    acquireTimeoutMs: e.DB_ACQUIRE_TIMEOUT,
    applicationName: e.DB_APPLICATION_NAME,
  },
  cache: {
    redisUrl: e.UPSTASH_REDIS_REST_URL ?? e.UPSTASH_REDIS_URL,
    redisToken: e.UPSTASH_REDIS_REST_TOKEN ?? e.UPSTASH_REDIS_TOKEN,
    namespace: e.CACHE_NAMESPACE,
    encryptionKeys: e.CACHE_ENCRYPTION_KEYS,
    defaultTtlSeconds: e.CACHE_TTL_SECONDS,
    l1TtlSeconds: e.CACHE_L1_TTL_SECONDS,
    staleBoundMs: e.CACHE_STALE_BOUND_MS,
    busIntervalMs: e.CACHE_BUS_INTERVAL_MS,
    l1MaxEntries: e.CACHE_L1_MAX_ENTRIES,
    l1MaxBytes: e.CACHE_L1_MAX_BYTES,
    l2TimeoutMs: e.CACHE_L2_TIMEOUT_MS,
    breakerThreshold: e.CACHE_BREAKER_THRESHOLD,
    breakerOpenMs: e.CACHE_BREAKER_OPEN_MS,
    enabled: !e.CACHE_DISABLED,
    l1Enabled: !e.CACHE_L1_DISABLED,
  },
  auth: {
    /** HS256 secret (local / legacy projects). */
    jwtSecret: e.JWT_SECRET,
    /** The project's public signing keys, as hosted projects provide them (`SUPABASE_JWKS`). */
    jwks: e.SUPABASE_JWKS,
    jwksUrl: e.JWKS_URL ? new URL(e.JWKS_URL) : undefined,
  },
  http: {
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    maxInFlight: e.MAX_IN_FLIGHT,
  },
  // LOG_REQUESTS=0 (the older switch, still honoured) is LOG_LEVEL=warn: no request or job lines.
  log: { level: e.LOG_LEVEL ?? (e.LOG_REQUESTS === "0" ? "warn" : "info") },
  outbox: { replayIntervalMs: e.CACHE_REPLAY_INTERVAL_MS },
  rateLimit: {
    enabled: !e.RATE_LIMIT_DISABLED,
    write: e.RATE_LIMIT_WRITES,
    expensive: e.RATE_LIMIT_EXPENSIVE,
    ip: e.RATE_LIMIT_PER_IP,
  },
  /** The job worker, its handlers and where their output goes (docs/jobs.md). */
  jobs: {
    /** How long one worker call drains (the Edge wall clock is 150 s; keep well under it). */
    budgetMs: e.JOBS_BUDGET_MS,
    /** Jobs claimed per read, and how many run at once. */
    batch: e.JOBS_BATCH,
    concurrency: e.JOBS_CONCURRENCY,
    /** Idle polling: every `pollMs`, for `lingerMs` after the queue ran dry. */
    pollMs: e.JOBS_POLL_MS,
    lingerMs: e.JOBS_LINGER_MS,
    /** Payroll runs with more assignments than this answer 202 and run as a job. */
    payrollAsyncThreshold: e.PAYROLL_ASYNC_THRESHOLD,
    /** Assignments per payroll step (each step is one transaction and a checkpoint). */
    payrollStep: e.PAYROLL_STEP,
    notify: {
      provider: e.NOTIFY_PROVIDER,
      webhookUrl: e.NOTIFY_WEBHOOK_URL ? new URL(e.NOTIFY_WEBHOOK_URL) : undefined,
      webhookToken: e.NOTIFY_WEBHOOK_TOKEN,
    },
    files: {
      store: e.FILE_STORE,
      bucket: e.STORAGE_BUCKET,
      supabaseUrl: e.SUPABASE_URL ? new URL(e.SUPABASE_URL) : undefined,
      serviceKey: e.SUPABASE_SERVICE_ROLE_KEY,
    },
  },
  /** Metrics across isolates (shared/observe) and who may read them. */
  metrics: {
    enabled: !e.METRICS_DISABLED,
    /** How often an isolate adds its counts to the totals in Redis. */
    flushMs: e.METRICS_FLUSH_MS,
    /** A bearer token Prometheus may scrape `/ops/metrics` with (besides an admin JWT). */
    token: e.METRICS_TOKEN,
  },
  /** Error reports to Sentry (shared/observe/sentry.ts); without a DSN nothing is sent. */
  sentry: {
    dsn: e.SENTRY_DSN,
    environment: e.SENTRY_ENVIRONMENT,
    release: e.SENTRY_RELEASE,
  },
}));

export type Config = z.output<typeof ConfigSchema>;
export type AuthConfig = Config["auth"];
export type RateLimitConfig = Config["rateLimit"];
/** `limit` requests per `windowS` seconds. */
export type Rule = RateLimitConfig["write"];

/** Rules across variables, checked on the raw values so they are reported with the rest. */
function crossChecks(e: Record<string, string | undefined>): string[] {
  const set = (name: string) => !!e[name]?.trim();
  const problems: string[] = [];
  if (!set("DB_POOLER_URL") && !set("SUPABASE_DB_URL")) {
    problems.push(
      "DB_POOLER_URL: not set (nor SUPABASE_DB_URL): the functions need the pooler's postgres:// URL",
    );
  }
  if (!set("JWT_SECRET") && !set("SUPABASE_JWKS") && !set("JWKS_URL")) {
    problems.push(
      "JWT_SECRET: not set (nor SUPABASE_JWKS or JWKS_URL): without a key no token can be verified",
    );
  }
  const url = set("UPSTASH_REDIS_REST_URL") || set("UPSTASH_REDIS_URL");
  const token = set("UPSTASH_REDIS_REST_TOKEN") || set("UPSTASH_REDIS_TOKEN");
  if (url !== token) {
    problems.push(
      `${url ? "UPSTASH_REDIS_REST_TOKEN" : "UPSTASH_REDIS_REST_URL"}: the Upstash URL and ` +
        "token go together",
    );
  }
  if (e.NOTIFY_PROVIDER?.trim() === "webhook" && !set("NOTIFY_WEBHOOK_URL")) {
    problems.push("NOTIFY_WEBHOOK_URL: NOTIFY_PROVIDER=webhook needs the provider's URL");
  }
  if (
    e.FILE_STORE?.trim() === "storage" &&
    (!set("SUPABASE_URL") || !set("SUPABASE_SERVICE_ROLE_KEY"))
  ) {
    problems.push(
      "SUPABASE_SERVICE_ROLE_KEY: FILE_STORE=storage needs SUPABASE_URL and the service key " +
        "(hosted functions have both)",
    );
  }
  return problems;
}

/** Parses an environment (a record or `Deno.env`); throws `ConfigError` naming each variable. */
export function parseConfig(
  source: Record<string, string | undefined> | { toObject(): Record<string, string> },
): Config {
  const raw = "toObject" in source && typeof source.toObject === "function"
    ? source.toObject()
    : source as Record<string, string | undefined>;
  const parsed = ConfigSchema.safeParse(raw);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`)),
    ...crossChecks(raw),
  ];
  if (!parsed.success || problems.length) {
    throw new ConfigError(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join("\n")}`);
  }
  return parsed.data;
}

function load(): Config {
  try {
    const parsed = parseConfig(Deno.env);
    setLogLevel(parsed.log.level);
    return parsed;
  } catch (error) {
    // The whole list, on one line, in the function's log (a runtime may show only the first
    // line of an uncaught error's message); then the isolate does not start.
    log.error("config_invalid", { error: String(error) });
    throw error;
  }
}

/** The isolate's configuration: importing this module with a bad environment throws. */
export const config: Config = load();
