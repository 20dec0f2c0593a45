/**
 * Rate limits (OWASP API4: unrestricted resource consumption) with `@upstash/ratelimit` on the
 * same Upstash Redis as the cache: a sliding window per user for writes, a stricter one per user
 * for expensive operations (search, import, payroll, reports), and one per client IP over both.
 * Routes declare their class (`route({ rateLimit })`; mutating routes are "write" by default).
 *
 * Fail-open, on purpose: limits protect capacity, they must not take the API down with Redis.
 * Without Redis (no Upstash env) nothing is enforced; with Redis unreachable (the cache's
 * breaker open, an error or a timeout) the request passes — both show in `/stats` → `rateLimit`.
 *
 * Limits come from shared/config.ts:
 *
 * | variable | default | meaning |
 * |---|---|---|
 * | `RATE_LIMIT_WRITES` | `120/10s` | writes per user per window |
 * | `RATE_LIMIT_EXPENSIVE` | `30/10s` | expensive operations per user per window |
 * | `RATE_LIMIT_PER_IP` | `600/10s` | limited requests per client IP per window, all users |
 * | `RATE_LIMIT_DISABLED=1` | off | no limits at all |
 */
import { Ratelimit } from "@upstash/ratelimit";
import { Redis } from "@upstash/redis";
import { cache } from "../cache/index.ts";
import { config, type RateLimitConfig, type Rule } from "../config.ts";
import { AppError } from "../errors.ts";

export type LimitClass = "write" | "expensive";
export type { RateLimitConfig, Rule };

/** The outcome of one check, with what the `RateLimit-*` headers say. */
export interface Decision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window that decided this resets. */
  resetS: number;
  windowS: number;
}

export interface RateLimitStats {
  /** Whether limits are enforced at all (off without Redis, or RATE_LIMIT_DISABLED). */
  enforced: boolean;
  checked: number;
  limited: number;
  /** Checks let through because Redis could not be asked (down, error, timeout). */
  failedOpen: number;
}

/** The limiters of one isolate. */
export class RateLimiter {
  readonly stats: RateLimitStats;
  private readonly perUser?: Record<LimitClass, Ratelimit>;
  private readonly perIp?: Ratelimit;

  constructor(
    private readonly config: RateLimitConfig,
    redis: { url: string; token: string; timeoutMs: number; prefix: string } | null,
    /** Whether Redis may be asked right now (the cache's breaker). */
    private readonly reachable: () => boolean = () => true,
  ) {
    const enforced = config.enabled && redis !== null;
    this.stats = { enforced, checked: 0, limited: 0, failedOpen: 0 };
    if (!enforced) return;
    const client = new Redis({
      url: redis.url,
      token: redis.token,
      retry: false,
      enableTelemetry: false,
      signal: () => AbortSignal.timeout(redis.timeoutMs),
    });
    const limiter = (rule: Rule, name: string) =>
      new Ratelimit({
        redis: client,
        limiter: Ratelimit.slidingWindow(rule.limit, `${rule.windowS} s`),
        prefix: `${redis.prefix}rl:${name}`,
        analytics: false,
        timeout: redis.timeoutMs,
      });
    this.perUser = {
      write: limiter(config.write, "write"),
      expensive: limiter(config.expensive, "expensive"),
    };
    this.perIp = limiter(config.ip, "ip");
  }

  /**
   * Counts one request of `cls` for `userId` and `ip`; both windows must allow it. Null when
   * limits are not enforced or Redis could not be asked (the request passes).
   */
  async check(cls: LimitClass, userId: string, ip: string): Promise<Decision | null> {
    if (!this.perUser || !this.perIp) return null;
    this.stats.checked++;
    if (!this.reachable()) {
      this.stats.failedOpen++;
      return null;
    }
    try {
      // One pipelined round trip: the Upstash client batches calls made in the same tick.
      const [user, byIp] = await Promise.all([
        this.perUser[cls].limit(`u:${userId}`),
        this.perIp.limit(`ip:${ip}`),
      ]);
      if (user.reason === "timeout" || byIp.reason === "timeout") {
        this.stats.failedOpen++;
        return null;
      }
      const rules = [
        { r: user, rule: this.config[cls] },
        { r: byIp, rule: this.config.ip },
      ];
      const deciding = rules.find((x) => !x.r.success) ??
        rules.reduce((a, b) => (b.r.remaining < a.r.remaining ? b : a));
      const allowed = user.success && byIp.success;
      if (!allowed) this.stats.limited++;
      return {
        allowed,
        limit: deciding.r.limit,
        remaining: Math.max(0, deciding.r.remaining),
        resetS: Math.max(1, Math.ceil((deciding.r.reset - Date.now()) / 1000)),
        windowS: deciding.rule.windowS,
      };
    } catch {
      this.stats.failedOpen++;
      return null;
    }
  }
}

/** The `RateLimit-*` headers of a decision (IETF draft-ietf-httpapi-ratelimit-headers). */
export function rateLimitHeaders(d: Decision): Record<string, string> {
  return {
    "ratelimit-limit": String(d.limit),
    "ratelimit-remaining": String(d.remaining),
    "ratelimit-reset": String(d.resetS),
    "ratelimit-policy": `${d.limit};w=${d.windowS}`,
  };
}

/** The 429 of a refused request. */
export function rateLimited(d: Decision, cls: LimitClass): AppError {
  return new AppError("rate_limited", `Too many requests; retry in ${d.resetS} s`, {
    retryAfter: d.resetS,
    details: { class: cls, limit: d.limit, window_s: d.windowS },
    headers: rateLimitHeaders(d),
  });
}

/** The isolate's limiter, on the cache's Redis and namespace. */
export const rateLimiter = new RateLimiter(
  config.rateLimit,
  cache.options.redisUrl && cache.options.redisToken
    ? {
      url: cache.options.redisUrl,
      token: cache.options.redisToken,
      timeoutMs: cache.options.l2TimeoutMs,
      prefix: cache.prefix,
    }
    : null,
  () => cache.l2State !== "open",
);
