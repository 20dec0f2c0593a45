/**
 * Cached reads for a caller: the ONE place where "a cache hit only reaches someone RLS would
 * have shown the row to" is enforced. RLS cannot see a hit, so every domain passes its rule
 * (`maySee`, the policy in TypeScript) or keeps the entry per visibility scope; loads run as the
 * caller and join others' loads only under the same rights.
 */
import { type Caller, seesEverything } from "../caller.ts";
import { notFound } from "../errors.ts";
import { cache, type L1Entry } from "./index.ts";
import { scopedKey } from "./keys.ts";

/** Where an answer came from (`x-cache`): a tier, a single-flight join, or no cache at all. */
export type CacheSource = "l1" | "l2" | "loader" | "joined" | "bypass";

const CACHED = Symbol("cached");
/**
 * Not exported: only `cachedForCaller` (and the derivations below, from its results) can say
 * what a replay must check, so no service can hand a replay checks that do not cover its answer.
 */
const AGAIN = Symbol("again");

/** A value with the tier that answered it; `handle()` turns the tier into `x-cache`. */
export interface Cached<T> {
  readonly value: T;
  readonly source: CacheSource;
  /** When L1 holds the answer: what a replay of it must check again (shared/http/replay.ts). */
  readonly [AGAIN]?: readonly CheckAgain[];
  readonly [CACHED]: true;
}

/**
 * How to tell, for a later request of the same caller, that this answer still holds: its L1
 * entry is still current and the caller may still see it (the same rule, run again).
 */
export interface CheckAgain {
  readonly key: string;
  readonly entry: L1Entry;
  readonly maySee: () => boolean;
}

const withChecks = <T>(
  value: T,
  source: CacheSource,
  again: readonly CheckAgain[] | undefined,
): Cached<T> => ({ value, source, [AGAIN]: again, [CACHED]: true });

/** A value with its tier and nothing a replay could check: never replayed. */
export const cached = <T>(value: T, source: CacheSource): Cached<T> =>
  withChecks(value, source, undefined);

/** What a replay of `result` must check again; undefined when it may not be replayed. */
export const replayChecks = (result: Cached<unknown>): readonly CheckAgain[] | undefined =>
  result[AGAIN];

/**
 * An answer that is a projection of one cached read (`build` sees only its value, and the
 * caller it closes over): it keeps the read's tier and stays replayable exactly as long as the
 * read would. An answer with anything from elsewhere in it goes through `derived`, naming it.
 */
export function projected<T, U>(from: Cached<T>, build: (value: T) => U): Cached<U> {
  return withChecks(build(from.value), from.source, from[AGAIN]);
}

/** The values of `parts` in order; a part that was not read (`undefined`) stays undefined. */
type ValuesOf<P extends readonly (Cached<unknown> | undefined)[]> = {
  [K in keyof P]: ValueOf<P[K]>;
};
type ValueOf<C> = C extends Cached<infer T> ? T : undefined;

/**
 * An answer built from several cached reads, each a pure input of it (`build` sees their values
 * in order; a part not read is `undefined` and adds nothing to check). The first part's tier is
 * the answer's; it is replayable only while L1 holds every part that was read.
 */
export function derived<
  const P extends readonly [Cached<unknown>, ...(Cached<unknown> | undefined)[]],
  U,
>(parts: P, build: (...values: ValuesOf<P>) => U): Cached<U> {
  const read = parts.filter((p): p is Cached<unknown> => p !== undefined);
  const checks = read.every((p) => p[AGAIN] !== undefined)
    ? read.flatMap((p) => p[AGAIN] ?? [])
    : undefined;
  const values = parts.map((p) => p?.value) as ValuesOf<P>;
  return withChecks(build(...values), parts[0].source, checks);
}

const always = () => true;

export const isCached = (x: unknown): x is Cached<unknown> =>
  typeof x === "object" && x !== null && CACHED in x;

/**
 * Whose answers are alike: admin and finance see every row alike ("all"); a manager's or crew
 * member's view depends on who they are. Entries kept per scope carry it in their key.
 */
export function cacheScope(caller: Caller): string {
  return seesEverything(caller) ? "all" : `${caller.appRole}:${caller.id}`;
}

/**
 * The rights a caller's loads run under, for single flight: concurrent misses join one load
 * only within the same rights, so nobody is handed an outcome (a 404 from RLS, say) computed
 * under someone else's. Finer than `cacheScope`: admin and finance do not share loads.
 */
export function loaderScope(caller: Caller): string {
  return seesEverything(caller) ? caller.appRole : `${caller.appRole}:${caller.id}`;
}

export interface CallerRead<T> {
  /** The entry's key (from keys.ts); with `perScope` the caller's scope is appended. */
  key: string;
  /** Loads the value as the caller (RLS applies); throw `notFound` for a row they cannot see. */
  load: () => Promise<T>;
  ttl: number;
  tags?: readonly string[] | ((value: T) => readonly string[]);
  /**
   * For a shared entry: may this caller be handed it? The domain's RLS rule in TypeScript;
   * false answers 404 `what` (never 403: existence does not leak).
   */
  maySee?: (value: T) => boolean;
  /** Keep one entry per `cacheScope` (lists, or values that depend on who asks). */
  perScope?: boolean;
  /** Read straight from the database for this caller (e.g. crew and other people's rows). */
  bypass?: boolean;
  /** What a 404 names, e.g. "Payment". */
  what?: string;
}

/** Reads through the cache for `caller` under the rules above. */
export async function cachedForCaller<T>(caller: Caller, read: CallerRead<T>): Promise<Cached<T>> {
  if (read.bypass) return cached(await read.load(), "bypass");
  const key = read.perScope ? scopedKey(read.key, cacheScope(caller)) : read.key;
  const { value, source, entry } = await cache.getOrSetEntry(key, read.load, {
    ttl: read.ttl,
    tags: read.tags,
    scope: loaderScope(caller),
  });
  const { maySee } = read;
  if (maySee && !maySee(value)) throw notFound(read.what);
  return withChecks(
    value,
    source,
    entry && [{ key, entry, maySee: maySee ? () => maySee(value) : always }],
  );
}
