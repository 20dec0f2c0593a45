/** Running a loader and encoding its value, each counted in the cache's stats. */
import type { CacheStats } from "./stats.ts";

/** Calls `loader`, counting the call and, if it throws, the error (which propagates). */
export async function runLoader<T>(loader: () => Promise<T> | T, stats: CacheStats): Promise<T> {
  stats.loaderCalls++;
  try {
    return await loader();
  } catch (error) {
    stats.loaderErrors++;
    throw error;
  }
}

/** JSON text of a value (`undefined` is stored as null); undefined if JSON cannot hold it. */
export function serialize(value: unknown, stats: CacheStats): string | undefined {
  try {
    return JSON.stringify(value === undefined ? null : value);
  } catch {
    stats.unserializable++;
    return undefined;
  }
}
