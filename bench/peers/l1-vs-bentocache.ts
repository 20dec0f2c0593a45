/**
 * In-process peer: a cache hit through the project's L1 (`shared/cache`, no Redis) against
 * bentocache with only its memory driver, both through `getOrSet`, on the same keys in the same
 * order. The harness runs it as its own process (a clean env, nothing else in the isolate):
 *
 *   deno run -A --config deno.json bench/peers/l1-vs-bentocache.ts [--ops 200000] [--rounds 5]
 *
 * Prints one `BENCH_PEER {...}` JSON line (ops/s per round and the median of each).
 */
import { parseArgs } from "node:util";
import { BentoCache, bentostore } from "bentocache";
import { memoryDriver } from "bentocache/drivers/memory";
// cache.ts, not index.ts: index.ts builds the functions' singleton from shared/config.ts, which
// wants a database URL. createCache with no Redis URL is the L1-only cache a function runs when
// UPSTASH_* is unset.
import { createCache } from "../../shared/cache/cache.ts";

const BENTOCACHE_VERSION = "1.6.1"; // keep in step with import_map.json

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    keys: { type: "string", default: "1000" },
    ops: { type: "string", default: "200000" },
    rounds: { type: "string", default: "5" },
  },
});
const KEYS = Number(args.keys), OPS = Number(args.ops), ROUNDS = Number(args.rounds);
const TTL_S = 3600; // far longer than a run: every timed call is a hit

/** A value shaped like a project detail (~600 bytes of JSON). */
function projectDetail(i: number) {
  const id = crypto.randomUUID();
  return {
    id,
    title: `Maxis Product Launch ${2024 + (i % 3)} #${i}`,
    client_name: "Maxis",
    venue: "Kuala Lumpur Convention Centre",
    status: ["active", "planning", "completed"][i % 3],
    start_date: "2026-03-14",
    end_date: "2026-03-16",
    crew_needed: 40 + (i % 200),
    budget: "182000.00",
    manager_id: "00000000-0000-4000-a000-000000000002",
    created_by: "00000000-0000-4000-a000-000000000002",
    created_at: "2026-01-20T09:00:00.000Z",
    updated_at: "2026-01-20T09:00:00.000Z",
    deleted_at: null,
    notes: "Load-in 07:00, briefing at the loading bay",
    totals: { staff: 38, confirmed: 31, paid: "45210.50", pending: "3120.00", claims: 12 },
  };
}

// Zipf(1.0) ranks, drawn once: both caches see exactly the same key sequence.
function zipfSequence(n: number, length: number): string[] {
  const cdf: number[] = [];
  let sum = 0;
  for (let k = 1; k <= n; k++) cdf.push(sum += 1 / k);
  const keys = Array.from({ length: n }, (_, i) => `project:${i}`);
  return Array.from({ length }, () => {
    const r = Math.random() * sum;
    let lo = 0, hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < r) lo = mid + 1;
      else hi = mid;
    }
    return keys[lo];
  });
}

const values = Array.from({ length: KEYS }, (_, i) => projectDetail(i));
const valueOf = (key: string) => values[Number(key.slice("project:".length))];
const sequence = zipfSequence(KEYS, OPS);
let loads = 0;

const ours = createCache({
  namespace: "peer",
  defaultTtlSeconds: TTL_S,
  l1TtlSeconds: TTL_S,
  // No Redis, so no bus to vouch for entries: without this they would live the default 1 s
  // bound, where bentocache's memory tier (no bus either) keeps them for its TTL.
  staleBoundMs: TTL_S * 1000,
  l1MaxEntries: KEYS * 2,
  l1MaxBytes: 64 * 1024 * 1024,
});
const bento = new BentoCache({
  default: "memory",
  stores: {
    memory: bentostore().useL1Layer(memoryDriver({ maxSize: "64mb", maxItems: KEYS * 2 })),
  },
});

type Get = (key: string) => Promise<unknown>;
const getOurs: Get = (key) => ours.getOrSet(key, () => (loads++, valueOf(key)), TTL_S);
const getBento: Get = (key) =>
  bento.getOrSet({ key, factory: () => (loads++, valueOf(key)), ttl: `${TTL_S}s` });

/** ops/s of one pass over the sequence, one awaited call at a time (as a handler would). */
async function round(get: Get): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < sequence.length; i++) await get(sequence[i]);
  return sequence.length / ((performance.now() - started) / 1000);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// Warm: every key filled once, then one untimed pass each (JIT, the LRU's internals).
for (let i = 0; i < KEYS; i++) {
  await getOurs(`project:${i}`);
  await getBento(`project:${i}`);
}
await round(getOurs);
await round(getBento);
const loadsAfterWarm = loads;

const oursRounds: number[] = [], bentoRounds: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  // A/B then B/A: neither side always runs first (GC debt, CPU frequency, a neighbour's burst).
  const order = r % 2 === 0 ? [getOurs, getBento] : [getBento, getOurs];
  for (const get of order) (get === getOurs ? oursRounds : bentoRounds).push(await round(get));
}
await bento.disconnectAll();
if (loads !== loadsAfterWarm) {
  console.error(`peer: ${loads - loadsAfterWarm} loads during the timed rounds (not all hits)`);
  Deno.exit(1);
}
const valueBytes = Math.round(
  values.reduce((a, v) => a + JSON.stringify(v).length, 0) / values.length,
);
console.log(`BENCH_PEER ${
  JSON.stringify({
    keys: KEYS,
    opsPerRound: OPS,
    valueBytes,
    ours: { opsPerS: median(oursRounds), rounds: oursRounds },
    bentocache: { opsPerS: median(bentoRounds), rounds: bentoRounds, version: BENTOCACHE_VERSION },
  })
}`);
