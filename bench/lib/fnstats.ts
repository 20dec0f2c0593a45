/**
 * Reads the functions' admin-only `GET /<name>/stats` ({ cache: getStats(), pool: getPoolStats() })
 * around a run. Counters are differenced (the processes live across several scenarios, and no
 * bench-only reset route exists); pool gauges are sampled during the run.
 */

export type Flat = Record<string, number>;

/** Every numeric leaf of a JSON value as `a.b.c` → number. */
export function flatten(value: unknown, prefix = "", out: Flat = {}): Flat {
  if (typeof value === "number" && Number.isFinite(value)) out[prefix] = value;
  else if (value && typeof value === "object" && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) {
      flatten(inner, prefix ? `${prefix}.${key}` : key, out);
    }
  }
  return out;
}

export function deltaOf(before: Flat, after: Flat): Flat {
  const out: Flat = {};
  for (const [key, value] of Object.entries(after)) out[key] = value - (before[key] ?? 0);
  return out;
}

/** Fetches /stats of each function behind `gatewayUrl`; a function that fails is left out. */
export async function readStats(
  gatewayUrl: string,
  functions: string[],
  token: string,
): Promise<Record<string, Flat>> {
  const entries = await Promise.all(functions.map(async (name) => {
    try {
      const response = await fetch(`${gatewayUrl}/functions/v1/${name}/stats`, {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(5_000),
      });
      if (!response.ok) {
        await response.body?.cancel();
        return [name, undefined] as const;
      }
      return [name, flatten(await response.json())] as const;
    } catch {
      return [name, undefined] as const;
    }
  }));
  return Object.fromEntries(entries.filter(([, v]) => v !== undefined)) as Record<string, Flat>;
}

export interface CacheSummary {
  /** Percent of cache lookups answered by L1 / by L2 (of those that reached it) / at all. */
  l1HitRate: number | null;
  l2HitRate: number | null;
  hitRate: number | null;
  loaderCalls: number | null;
  l2Errors: number | null;
  l2Timeouts: number | null;
  /**
   * L2 round trips of the run, from the cumulative latency buckets: percentiles are bucket upper
   * bounds (ms), so "p99 ≤ 5" reads "99 % took at most 5 ms".
   */
  l2Latency: { calls: number; p50: number; p99: number; p999: number; max: number } | null;
  lookups: number;
  /** Reads of the invalidation bus (one Redis command each) by the run's processes. */
  busReads?: number | null;
}

/** Percentiles of the L2 calls between two snapshots, from their `le_<ms>` bucket deltas. */
export function l2Latency(deltas: Flat[]): CacheSummary["l2Latency"] {
  const cumulative = new Map<number, number>();
  for (const delta of deltas) {
    for (const [key, value] of Object.entries(delta)) {
      const m = /^cache\.l2\.latencyBuckets\.le_(.+)$/.exec(key);
      if (!m) continue;
      const bound = m[1] === "inf" ? Infinity : Number(m[1]);
      cumulative.set(bound, (cumulative.get(bound) ?? 0) + value);
    }
  }
  const bounds = [...cumulative.keys()].sort((a, b) => a - b);
  const total = cumulative.get(Infinity) ?? 0;
  if (total <= 0) return null;
  const at = (q: number) => bounds.find((b) => cumulative.get(b)! >= q * total) ?? Infinity;
  const finite = bounds.filter((b) => b !== Infinity);
  let previous = 0;
  let max = 0;
  for (const b of bounds) {
    if (cumulative.get(b)! > previous) max = b === Infinity ? finite.at(-1)! * 2 : b;
    previous = cumulative.get(b)!;
  }
  return { calls: total, p50: at(0.5), p99: at(0.99), p999: at(0.999), max };
}

// Counter names differ between cache versions; match by path shape, first match wins.
const pick = (flat: Flat, patterns: RegExp[]): number | null => {
  for (const pattern of patterns) {
    const key = Object.keys(flat).find((k) => pattern.test(k));
    if (key) return flat[key];
  }
  return null;
};

/** Hit rates from the counter deltas of every function that took part, summed. */
export function summarizeCache(deltas: Flat[]): CacheSummary {
  const sum = (patterns: RegExp[]) => {
    let total: number | null = null;
    for (const delta of deltas) {
      const value = pick(delta, patterns);
      if (value !== null) total = (total ?? 0) + value;
    }
    return total;
  };
  const l1Hits = sum([/^cache\.l1\.hits$/i, /^cache\.l1Hits$/i, /^cache\.hits\.l1$/i]);
  const l1Misses = sum([/^cache\.l1\.misses$/i, /^cache\.l1Misses$/i, /^cache\.misses\.l1$/i]);
  const l2Hits = sum([/^cache\.l2\.hits$/i, /^cache\.l2Hits$/i, /^cache\.hits\.l2$/i]);
  const l2Misses = sum([/^cache\.l2\.misses$/i, /^cache\.l2Misses$/i, /^cache\.misses\.l2$/i]);
  const loaderCalls = sum([/^cache\.loaderCalls$/i, /^cache\.loads$/i, /^cache\.loader\.calls$/i]);
  const joins = sum([/^cache\.(singleFlight)?[jJ]oin(s|ed)$/, /^cache\.singleflight\.joins$/i]);
  const l2Errors = sum([/^cache\.l2\.errors$/i, /^cache\.l2Errors$/i]);
  const l2Timeouts = sum([/^cache\.l2\.timeouts$/i]);
  const rate = (hits: number | null, misses: number | null) =>
    hits !== null && misses !== null && hits + misses > 0 ? (100 * hits) / (hits + misses) : null;
  // shared/cache counts `requests` and `hits` (L1 + L2 + single-flight joins) itself.
  const hits = sum([/^cache\.hits$/]) ?? (l1Hits ?? 0) + (l2Hits ?? 0) + (joins ?? 0);
  const lookups = sum([/^cache\.requests$/]) ?? hits + (loaderCalls ?? 0);
  return {
    l1HitRate: rate(l1Hits, l1Misses),
    l2HitRate: rate(l2Hits, l2Misses),
    // Snapshots are not atomic with respect to in-flight requests: clamp the last fraction.
    hitRate: lookups > 0 ? Math.min(100, (100 * hits) / lookups) : null,
    loaderCalls,
    l2Errors,
    l2Timeouts,
    l2Latency: l2Latency(deltas),
    lookups,
    busReads: sum([/^cache\.bus\.reads$/]),
  };
}

export interface PoolSample {
  maxUtilization: number | null;
  avgUtilization: number | null;
  maxWaiting: number | null;
  timeouts: number | null;
}

/** Polls /stats every `intervalMs` for the pools' gauges until stop(). */
export function samplePools(
  gatewayUrl: string,
  functions: string[],
  token: string,
  intervalMs = 500,
): { stop(): Promise<PoolSample> } {
  let running = true;
  let maxUtil: number | null = null, utilSum = 0, utilCount = 0, maxWaiting: number | null = null;
  const loop = (async () => {
    while (running) {
      const stats = await readStats(gatewayUrl, functions, token);
      for (const flat of Object.values(stats)) {
        const util = flat["pool.utilization"];
        if (util !== undefined) {
          maxUtil = Math.max(maxUtil ?? 0, util);
          utilSum += util;
          utilCount++;
        }
        const waiting = flat["pool.waiting"];
        if (waiting !== undefined) maxWaiting = Math.max(maxWaiting ?? 0, waiting);
      }
      await new Promise((done) => setTimeout(done, intervalMs));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return {
        maxUtilization: maxUtil,
        avgUtilization: utilCount ? utilSum / utilCount : null,
        maxWaiting,
        timeouts: null,
      };
    },
  };
}
