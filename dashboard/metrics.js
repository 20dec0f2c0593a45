/**
 * The dashboard's arithmetic, free of the DOM (the browser test imports it under Node too).
 *
 * The ops endpoints answer cumulative totals since counting began, summed over every isolate.
 * Rates come from the increase between two samples a window apart, with Prometheus's rule for
 * counter resets (a value that went down started again from zero), and quantiles are
 * interpolated inside the cumulative buckets of that increase the way `histogram_quantile` does.
 */

/** Rates and quantiles are taken over at least this many seconds (Prometheus's `rate(..[20s])`). */
export const WINDOW_S = 20;

/**
 * The q-quantile of cumulative bucket counts (`buckets[i]` observations at most `bounds[i]`, the
 * last one +Inf), as Prometheus's histogram_quantile: linear inside the bucket that holds the
 * rank, the highest finite bound when the rank falls into +Inf, null when nothing was observed.
 * @param {number} q
 * @param {number[]} bounds finite upper bounds, ascending
 * @param {number[]} buckets cumulative counts, one more than `bounds` (+Inf last)
 * @returns {number | null}
 */
export function histogramQuantile(q, bounds, buckets) {
  const total = buckets[buckets.length - 1] ?? 0;
  if (!(total > 0) || !(q >= 0 && q <= 1)) return null;
  const rank = q * total;
  let i = 0;
  while (i < bounds.length && buckets[i] < rank) i++;
  if (i === bounds.length) return bounds[bounds.length - 1];
  const lower = i === 0 ? 0 : bounds[i - 1];
  const below = i === 0 ? 0 : buckets[i - 1];
  const inBucket = buckets[i] - below;
  if (!(inBucket > 0)) return bounds[i];
  return lower + (bounds[i] - lower) * ((rank - below) / inBucket);
}

/**
 * How much a counter grew from `before` to `after`: a smaller value means the counter started
 * again (Redis flushed, totals reset), so all of `after` is growth. Missing counts as 0.
 * @param {number | undefined} before
 * @param {number | undefined} after
 */
export function growth(before, after) {
  const b = before ?? 0;
  const a = after ?? 0;
  return a >= b ? a - b : a;
}

/**
 * The request rows of one /ops/overview answer, summed per group: by function, or by
 * `function method route`. Each group: count, 5xx count and cumulative buckets.
 * @param {{function: string, method: string, route: string, status_class: string,
 *   count: number, buckets: number[]}[]} rows
 * @param {"function" | "route"} by
 * @returns {Record<string, {count: number, errors: number, buckets: number[]}>}
 */
export function groupRequests(rows, by) {
  /** @type {Record<string, {count: number, errors: number, buckets: number[]}>} */
  const groups = {};
  for (const row of rows) {
    const key = by === "function" ? row.function : `${row.method} ${row.route}`;
    const g = groups[key] ??= { count: 0, errors: 0, buckets: row.buckets.map(() => 0) };
    g.count += row.count;
    if (row.status_class === "5xx") g.errors += row.count;
    row.buckets.forEach((n, i) => g.buckets[i] += n);
  }
  return groups;
}

/**
 * Cache lookups per tier from the overview's counters (crew_cache_requests_total).
 * @param {{name: string, labels: Record<string, string>, value: number}[]} counters
 * @returns {Record<string, {hit: number, miss: number}>}
 */
export function cacheTiers(counters) {
  /** @type {Record<string, {hit: number, miss: number}>} */
  const tiers = {};
  for (const c of counters) {
    if (c.name !== "crew_cache_requests_total") continue;
    const t = tiers[c.labels.tier] ??= { hit: 0, miss: 0 };
    if (c.labels.result === "hit") t.hit += c.value;
    else if (c.labels.result === "miss") t.miss += c.value;
  }
  return tiers;
}

/**
 * One sample (seconds since the epoch, server time) from an /ops/overview answer.
 * @param {any} o the overview JSON
 */
export function sampleFromOverview(o) {
  const functions = groupRequests(o.requests, "function");
  /** @type {Record<string, {hit: number, miss: number}>} */
  const tiers = cacheTiers(o.counters);
  /** @type {Record<string, number>} */
  const pool = {};
  for (const [fn, g] of Object.entries(o.functions ?? {})) {
    pool[fn] = g.pool_max ? g.pool_active / g.pool_max : 0;
  }
  /** @type {Record<string, {queued: number, dead: number}>} */
  const queues = {};
  for (const q of o.health?.queues ?? []) queues[q.queue] = { queued: q.queued, dead: q.dead };
  return {
    t: Date.parse(o.at) / 1000,
    live: true,
    functions,
    routes: groupRequests(o.requests, "route"),
    tiers,
    pool,
    queues,
  };
}

/**
 * One sample from an /ops/history snapshot: per function only, no routes or queues.
 * @param {{at: string, functions: Record<string, any>}} h
 */
export function sampleFromHistory(h) {
  /** @type {Record<string, {count: number, errors: number, buckets: number[]}>} */
  const functions = {};
  /** @type {Record<string, {hit: number, miss: number}>} */
  const tiers = { l1: { hit: 0, miss: 0 }, l2: { hit: 0, miss: 0 } };
  /** @type {Record<string, number>} */
  const pool = {};
  for (const [fn, f] of Object.entries(h.functions ?? {})) {
    functions[fn] = { count: f.count ?? 0, errors: f.errors ?? 0, buckets: f.buckets ?? [] };
    for (const tier of ["l1", "l2"]) {
      tiers[tier].hit += f[`${tier}_hit`] ?? 0;
      tiers[tier].miss += f[`${tier}_miss`] ?? 0;
    }
    if (f.pool_utilization !== undefined) pool[fn] = f.pool_utilization;
  }
  return {
    t: Date.parse(h.at) / 1000,
    live: false,
    functions,
    routes: {},
    tiers,
    pool,
    queues: {},
  };
}

/**
 * For each sample, the index of the sample its window starts at: the latest one at least
 * `WINDOW_S` older, else the oldest one (so the second sample already has a value); -1 for the
 * first.
 * @param {{t: number}[]} samples ascending by t
 */
export function windowStarts(samples, windowS = WINDOW_S) {
  const starts = [];
  let j = 0;
  for (let i = 0; i < samples.length; i++) {
    while (j + 1 < i && samples[j + 1].t <= samples[i].t - windowS) j++;
    starts.push(i === 0 ? -1 : j);
  }
  return starts;
}

/**
 * Growth of one request group from sample `j` to sample `i`, summed pairwise so a reset in
 * between loses nothing. Null when the group is in neither end.
 * @param {any[]} samples
 * @param {number} j
 * @param {number} i
 * @param {(s: any) => {count: number, errors: number, buckets: number[]} | undefined} pick
 */
function requestGrowth(samples, j, i, pick) {
  if (!pick(samples[i]) && !pick(samples[j])) return null;
  let count = 0;
  let errors = 0;
  /** @type {number[]} */
  let buckets = [];
  for (let k = j + 1; k <= i; k++) {
    const before = pick(samples[k - 1]);
    const after = pick(samples[k]);
    count += growth(before?.count, after?.count);
    errors += growth(before?.errors, after?.errors);
    const width = Math.max(before?.buckets.length ?? 0, after?.buckets.length ?? 0);
    if (buckets.length < width) {
      buckets = [...buckets, ...new Array(width - buckets.length).fill(0)];
    }
    for (let b = 0; b < width; b++) buckets[b] += growth(before?.buckets[b], after?.buckets[b]);
  }
  return { count, errors, buckets };
}

/**
 * Request rate (req/s), 5xx share (0..1) and p50/p99 (ms) per group over time, uPlot-shaped:
 * `x` the sample times and one array per group, null where the group had nothing to say.
 * @param {any[]} samples ascending by t
 * @param {"functions" | "routes"} field
 * @param {string[]} keys the groups to draw
 * @param {number[]} bounds histogram bounds in seconds
 */
export function requestSeries(samples, field, keys, bounds) {
  const starts = windowStarts(samples);
  const x = [];
  /** @type {Record<string, (number | null)[][]>} */
  const out = { rate: [], errors: [], p50: [], p99: [] };
  for (const list of Object.values(out)) keys.forEach(() => list.push([]));
  for (let i = 1; i < samples.length; i++) {
    const j = starts[i];
    const dt = samples[i].t - samples[j].t;
    if (!(dt > 0)) continue;
    x.push(samples[i].t);
    keys.forEach((key, n) => {
      const g = requestGrowth(samples, j, i, (s) => s[field][key]);
      out.rate[n].push(g ? g.count / dt : null);
      out.errors[n].push(g && g.count > 0 ? g.errors / g.count : null);
      const p50 = g ? histogramQuantile(0.5, bounds, g.buckets) : null;
      const p99 = g ? histogramQuantile(0.99, bounds, g.buckets) : null;
      out.p50[n].push(p50 === null ? null : p50 * 1000);
      out.p99[n].push(p99 === null ? null : p99 * 1000);
    });
  }
  return { x, ...out };
}

/**
 * Hit share (0..1) per cache tier over time, over the same windows.
 * @param {any[]} samples
 * @param {string[]} tiers
 */
export function cacheSeries(samples, tiers) {
  const starts = windowStarts(samples);
  const x = [];
  /** @type {(number | null)[][]} */
  const ys = tiers.map(() => []);
  for (let i = 1; i < samples.length; i++) {
    const j = starts[i];
    if (!(samples[i].t > samples[j].t)) continue;
    x.push(samples[i].t);
    tiers.forEach((tier, n) => {
      let hit = 0;
      let miss = 0;
      for (let k = j + 1; k <= i; k++) {
        const before = samples[k - 1].tiers[tier];
        const after = samples[k].tiers[tier];
        hit += growth(before?.hit, after?.hit);
        miss += growth(before?.miss, after?.miss);
      }
      ys[n].push(hit + miss > 0 ? hit / (hit + miss) : null);
    });
  }
  return { x, ys };
}

/**
 * A gauge per key at each sample (pool utilization, queue depth): null where it is missing.
 * @param {any[]} samples
 * @param {string[]} keys
 * @param {(s: any, key: string) => number | undefined} pick
 */
export function gaugeSeries(samples, keys, pick) {
  return {
    x: samples.map((s) => s.t),
    ys: keys.map((key) => samples.map((s) => pick(s, key) ?? null)),
  };
}

/**
 * The groups with the most requests over the samples, busiest first (at most `limit`).
 * @param {any[]} samples
 * @param {"functions" | "routes"} field
 * @param {number} limit
 * @param {(key: string) => boolean} [keep]
 */
export function busiest(samples, field, limit, keep = () => true) {
  if (samples.length === 0) return [];
  const first = samples[0][field];
  const last = samples[samples.length - 1][field];
  const keys = new Set(samples.flatMap((s) => Object.keys(s[field])));
  return [...keys].filter(keep)
    .map((key) => ({ key, n: growth(first[key]?.count, last[key]?.count) || 0 }))
    .sort((a, b) => b.n - a.n || a.key.localeCompare(b.key))
    .slice(0, limit)
    .map((g) => g.key);
}
