/**
 * Single-flight: concurrent misses of one key (within one loader scope) share one load. A write
 * or invalidation drops the flights it makes stale, so later misses start a fresh load instead
 * of joining one that read the old data.
 */
import type { GetOrSetOptions, Tier } from "./types.ts";

/** A load's outcome: its JSON text, or "" with `raw` set when JSON cannot hold the value. */
export interface Loaded {
  json: string;
  source: Tier;
}

interface Flight {
  /** The cache key (flights are indexed by key and scope). */
  key: string;
  promise: Promise<Loaded>;
  tags?: GetOrSetOptions<unknown>["tags"];
  /** Set when the loaded value cannot be JSON (json is then ""): handed out as is. */
  raw?: { value: unknown };
}

export class Flights {
  private readonly byKey = new Map<string, Flight>();

  /**
   * Joins the load of `key` in flight for `scope`, or starts one with `load` (which calls
   * `keepRaw` for an unserializable value). `joined` says which of the two happened.
   */
  async run<T>(
    key: string,
    scope: string | undefined,
    tags: GetOrSetOptions<T>["tags"],
    load: (keepRaw: (value: T) => void) => Promise<Loaded>,
  ): Promise<{ value: T; json: string; source: Tier; joined: boolean }> {
    const id = scope === undefined ? key : `${key}\u0000${scope}`;
    const joined = this.byKey.get(id);
    if (joined) {
      const { json } = await joined.promise;
      return { value: valueOf<T>(joined, json), json, source: "joined", joined: true };
    }
    const flight: Flight = { key, tags: tags as Flight["tags"], promise: undefined! };
    flight.promise = load((value) => flight.raw = { value });
    this.byKey.set(id, flight);
    try {
      const { json, source } = await flight.promise;
      return { value: valueOf<T>(flight, json), json, source, joined: false };
    } finally {
      if (this.byKey.get(id) === flight) this.byKey.delete(id);
    }
  }

  /** Forgets the flights of these keys and of loads that may carry one of these tags. */
  drop(keys: readonly string[], tags: readonly string[]): void {
    for (const [id, f] of this.byKey) {
      const stale = keys.includes(f.key) ||
        (tags.length > 0 &&
          (typeof f.tags === "function" || !!f.tags?.some((t) => tags.includes(t))));
      if (stale) this.byKey.delete(id);
    }
  }
}

// Unserializable values (never cached) are handed back as the loader made them.
const valueOf = <T>(flight: Flight, json: string): T =>
  json === "" ? flight.raw?.value as T : JSON.parse(json);
