/**
 * Request-scoped batching (DataLoader semantics): every `load(key)` made in one tick becomes one
 * `batchFn(keys)` call, so resolving N related records costs one query instead of N. Create one
 * loader per request (or per transaction): its memo would otherwise serve stale rows across users.
 */
import type postgres from "postgres";

/** `batchFn` gets unique keys and returns one entry per key, in the same order (null = missing). */
export type BatchFn<K, V> = (keys: K[]) => Promise<ReadonlyArray<V | null | undefined | Error>>;

export interface LoaderOptions<K> {
  /** Upper bound of keys per `batchFn` call; larger batches are split (default: no limit). */
  maxBatch?: number;
  /** Turns a key into a memo key, for object keys (default: the key itself). */
  cacheKey?: (key: K) => unknown;
  /** Memoize results for the loader's lifetime (default true). */
  cache?: boolean;
}

export interface Loader<K, V> {
  /** The value for `key`, or null when `batchFn` has none. */
  load(key: K): Promise<V | null>;
  /** `load` for many keys, results in key order. */
  loadMany(keys: readonly K[]): Promise<Array<V | null>>;
  /** Forgets `key`, e.g. after writing it. */
  clear(key: K): void;
  /** Forgets everything. */
  clearAll(): void;
}

interface Pending<V> {
  resolve: (value: V | null) => void;
  reject: (err: unknown) => void;
}

/**
 * Creates a loader; see the module comment. If `batchFn` throws, every load of that batch rejects;
 * an `Error` in its result rejects only that key.
 */
export function createLoader<K, V>(
  batchFn: BatchFn<K, V>,
  options: LoaderOptions<K> = {},
): Loader<K, V> {
  const maxBatch = options.maxBatch ?? Infinity;
  const keyOf = options.cacheKey ?? ((k: K) => k);
  const memo = new Map<unknown, Promise<V | null>>();
  let queue: Map<unknown, { key: K; waiters: Pending<V>[] }> | null = null;

  const dispatch = async (batch: Map<unknown, { key: K; waiters: Pending<V>[] }>) => {
    const entries = [...batch.values()];
    for (let at = 0; at < entries.length; at += maxBatch) {
      const slice = entries.slice(at, at + maxBatch);
      let results: ReadonlyArray<V | null | undefined | Error>;
      try {
        results = await batchFn(slice.map((e) => e.key));
        if (!Array.isArray(results) || results.length !== slice.length) {
          throw new Error(`batchFn returned ${results?.length} results for ${slice.length} keys`);
        }
      } catch (err) {
        for (const e of slice) for (const w of e.waiters) w.reject(err);
        continue;
      }
      slice.forEach((e, i) => {
        const r = results[i];
        for (const w of e.waiters) r instanceof Error ? w.reject(r) : w.resolve(r ?? null);
      });
    }
  };

  const load = (key: K): Promise<V | null> => {
    const id = keyOf(key);
    const cached = options.cache === false ? undefined : memo.get(id);
    if (cached) return cached;
    const promise = new Promise<V | null>((resolve, reject) => {
      if (!queue) {
        const batch = (queue = new Map());
        // A macrotask, not a microtask: loads issued from promise callbacks of this same tick
        // (e.g. after an awaited parent query resolves in a loop) still join the batch.
        setTimeout(() => {
          queue = null;
          dispatch(batch);
        }, 0);
      }
      const entry = queue.get(id) ?? { key, waiters: [] };
      entry.waiters.push({ resolve, reject });
      queue.set(id, entry);
    });
    if (options.cache !== false) memo.set(id, promise);
    return promise;
  };

  return {
    load,
    loadMany: (keys) => Promise.all(keys.map(load)),
    clear: (key) => void memo.delete(keyOf(key)),
    clearAll: () => memo.clear(),
  };
}

/**
 * Rows of `table` whose `column` (default `id`, a uuid) is in `ids`, in `ids` order with null for
 * misses — one `where col = any($1::uuid[])` query. `table` may be `schema.table`; identifiers go
 * through postgres.js escaping, never string concatenation.
 */
export async function loadByIds<R extends Record<string, unknown>>(
  tx: postgres.Sql,
  table: string,
  ids: readonly string[],
  column = "id",
): Promise<Array<R | null>> {
  if (ids.length === 0) return [];
  const rows = await tx<R[]>`select * from ${tx(table)} where ${tx(column)} = any(${[
    ...ids,
  ]}::uuid[])`;
  // Postgres prints uuids in lower case; callers may not.
  const byId = new Map(rows.map((row) => [String(row[column]).toLowerCase(), row]));
  return ids.map((id) => byId.get(id.toLowerCase()) ?? null);
}

/** A loader of `table` rows by uuid: `byIdLoader(tx, "public.projects").load(id)`. */
export function byIdLoader<R extends Record<string, unknown>>(
  tx: postgres.Sql,
  table: string,
  options: LoaderOptions<string> & { column?: string } = {},
): Loader<string, R> {
  return createLoader<string, R>((ids) => loadByIds<R>(tx, table, ids, options.column), {
    maxBatch: 1000,
    ...options,
  });
}
