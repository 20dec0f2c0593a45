/**
 * Durable cache invalidation. A write's invalidation is recorded in the database outbox
 * (`private.cache_invalidations`) by the write's own transaction — one more statement, sent with
 * COMMIT, so the two commit or roll back together — and then applied to L1 and L2 at once, as
 * before. When L2 cannot be reached, or the writer's isolate ends before it gets there, the row
 * stays, and a replayer in every isolate applies it once L2 answers again:
 *
 * - every `CACHE_REPLAY_INTERVAL_MS` (default 2 s, jittered) an isolate whose L2 is up tries a
 *   Redis lock for the interval, so about one isolate per interval looks at the outbox;
 * - it reads the rows older than `GRACE` (the writer normally applies its own within
 *   milliseconds and marks them in Redis), applies those not marked yet, and deletes them all.
 *
 * So a reader anywhere stops seeing data older than an acknowledged write at most
 * `CACHE_STALE_BOUND_MS` + the replay bound after L2 is reachable again; the replay bound is two
 * intervals plus the grace (5 s by default). pg_cron purges rows nobody replayed after a day
 * (e.g. a deployment without Redis, where nothing needs replaying).
 */
import { config } from "../config.ts";
import { cache } from "./index.ts";
import { background } from "../background.ts";
import { runWithContext } from "../context.ts";
import { asServiceRole, type TxOptions } from "../db/index.ts";
import { sqlLiteral } from "../db/tx.ts";

/** What a write makes stale. */
export interface Invalidation {
  keys?: readonly string[];
  tags?: readonly string[];
}

/** Rows the writer has had time to apply itself are left to it for this long. */
export const GRACE_MS = 1_000;
/** Rows per replay round: one pipelined L2 call and two small statements. */
const REPLAY_BATCH = 200;

const interval = () => config.outbox.replayIntervalMs;

/** The documented bound: how long after L2 is back the outbox is surely replayed. */
export function replayBoundMs(): number {
  return 2 * interval() + GRACE_MS;
}

const textArray = (items: readonly string[]) =>
  items.length ? `array[${items.map(sqlLiteral).join(", ")}]::text[]` : `'{}'::text[]`;

/** The outbox insert, as one parameterless statement (it travels with COMMIT). */
export function outboxStatement(id: string, namespace: string, what: Invalidation): string {
  return `insert into private.cache_invalidations (id, namespace, keys, tags) values (${
    sqlLiteral(id)
  }::uuid, ${sqlLiteral(namespace)}, ${textArray(what.keys ?? [])}, ${textArray(what.tags ?? [])})`;
}

/**
 * Runs a write through one of the database doors with its invalidation made durable:
 *
 * ```ts
 * const saved = await invalidating(
 *   (options) => asUser(caller.claims, (tx) => updateQuery(tx, row), options),
 *   (saved) => ({ tags: [projectTag(saved.id), LIST_TAG] }),
 * );
 * ```
 *
 * `changes` gets the work's result; `undefined` (or nothing to drop) records nothing.
 */
export async function invalidating<T>(
  run: (options: TxOptions) => Promise<T>,
  changes: (value: T) => Invalidation | undefined,
  options: TxOptions = {},
): Promise<T> {
  let recorded: (Invalidation & { outboxId: string }) | undefined;
  const value = await run({
    ...options,
    beforeCommit: (result) => {
      const what = changes(result as T);
      recorded = undefined;
      if (!what || (!what.keys?.length && !what.tags?.length)) return undefined;
      recorded = { ...what, outboxId: crypto.randomUUID() };
      // Without Redis there is nothing another isolate could read stale: L1s live the bound.
      return cache.hasL2 ? outboxStatement(recorded.outboxId, cache.prefix, what) : undefined;
    },
  });
  if (recorded) await cache.invalidate(recorded);
  return value;
}

/**
 * Replays outbox rows older than the grace period; returns how many rows it settled.
 * `supervised`: during an L2 outage, past the open breaker (see `startOutboxReplayer`).
 */
export async function replayOutbox(supervised = false): Promise<number> {
  await registerNamespace();
  const rows = await asServiceRole(
    "cache outbox replay",
    (tx) =>
      tx<{ id: string; keys: string[]; tags: string[] }[]>`
      select id::text as id, keys, tags from private.cache_invalidations
       where namespace = ${cache.prefix}
         and created_at < clock_timestamp() - ${`${GRACE_MS} milliseconds`}::interval
       order by created_at
       limit ${REPLAY_BATCH}`,
  );
  if (rows.length === 0) return 0;
  const applied = await cache.replayRecorded(rows, supervised);
  if (applied.length === 0) return 0;
  await asServiceRole(
    "cache outbox replay",
    (tx) => tx`delete from private.cache_invalidations where id = any(${applied}::uuid[])`,
  );
  return applied.length;
}

/** How often a replaying isolate tells the database its namespace is live. */
const REGISTER_EVERY_MS = 10 * 60_000;
let registeredAt = -Infinity;

/**
 * Keeps this namespace in `private.cache_namespaces`, so writes that bypass the functions (an
 * operator's SQL, the service-role key) get outbox rows the database writes for it: the
 * candidates triggers of supabase/migrations/20261207000000_data_api_boundary.sql.
 */
async function registerNamespace(): Promise<void> {
  if (performance.now() - registeredAt < REGISTER_EVERY_MS) return;
  await asServiceRole(
    "cache outbox namespace",
    (tx) =>
      tx`insert into private.cache_namespaces (namespace, seen_at) values (${cache.prefix}, now())
         on conflict (namespace) do update set seen_at = excluded.seen_at`,
  );
  registeredAt = performance.now();
}

let timer: ReturnType<typeof setTimeout> | undefined;
let started = false;

/** Everything old enough, batch after batch, within one interval's deadline. */
async function drain(every: number, supervised: boolean): Promise<void> {
  await runWithContext(
    { requestId: "cache-outbox-replay", deadline: performance.now() + every },
    async () => {
      while (await replayOutbox(supervised) === REPLAY_BATCH) { /* a backlog: keep going */ }
    },
  );
}

/**
 * Starts this isolate's replayer (idempotent; nothing without Redis). It also supervises L2's
 * recovery: after an outage the breaker stays open (reads go to the database) until a round
 * finds Redis answering and has replayed the outbox into it, so this isolate never reads
 * entries that missed an invalidation. Each round runs in `background()` (EdgeRuntime.waitUntil
 * on hosted Supabase). The timer never keeps a process alive on its own, and a
 * failed round simply waits for the next.
 */
export function startOutboxReplayer(): void {
  if (started || !cache.hasL2) return;
  started = true;
  cache.superviseL2();
  const every = interval();
  const tick = () => background(round).then(schedule);
  const round = async () => {
    try {
      if (cache.l2State === "open") {
        if (await cache.tryLock("outbox-replay", every * 0.75, true) !== "unavailable") {
          // Postgres down too: nothing to replay from, and stale-or-nothing favours L2.
          await drain(every, true).catch(() => undefined);
          await cache.l2Recovered();
        }
      } else if (await cache.tryLock("outbox-replay", every * 0.75) === "held") {
        await drain(every, false);
      }
    } catch {
      // Database or Redis unavailable: the rows wait for the next round.
    }
  };
  const schedule = () => {
    timer = setTimeout(tick, every * (0.75 + Math.random() * 0.5));
    Deno.unrefTimer(timer);
  };
  // A fresh isolate (a cold start) replays first and reads Redis after: rows written while no
  // isolate was alive (a DB-side write, a writer that retired) have waited for nobody else.
  const first = background(round);
  cache.holdL2Until(first);
  first.then(() => started && schedule());
}

/** Stops the replayer (tests). */
export function stopOutboxReplayer(): void {
  clearTimeout(timer);
  timer = undefined;
  started = false;
}
