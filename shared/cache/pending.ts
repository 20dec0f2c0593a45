/**
 * What an isolate owes Redis: invalidations (and their outbox markers) that could not be sent
 * while L2 was down. They are replayed, in bounded batches, before Redis is read again.
 */

/** Most pending keys (and, apart, tags and markers) kept; beyond that the oldest are dropped. */
const MAX_PENDING = 10_000;
/** Keys + tags per replay call: a bounded script, well inside one L2 timeout. */
const REPLAY_BATCH = 200;

/** Sends one batch; `false` when Redis did not take it. */
export type SendBatch = (
  keys: readonly string[],
  tags: readonly string[],
  markers: readonly string[],
) => Promise<boolean>;

export class PendingInvalidations {
  private readonly keys = new Set<string>();
  private readonly tags = new Set<string>();
  private readonly markers = new Set<string>();
  private replaying: Promise<void> | null = null;

  /** Pending keys + tags (what `getStats().pendingInvalidations` reports). */
  get size(): number {
    return this.keys.size + this.tags.size;
  }

  /** Whether anything — an invalidation or a marker — still has to reach Redis. */
  get owed(): boolean {
    return this.size > 0 || this.markers.size > 0;
  }

  add(keys: readonly string[], tags: readonly string[], markers: readonly string[]): void {
    for (const k of keys) this.keys.add(k);
    for (const t of tags) this.tags.add(t);
    for (const m of markers) this.markers.add(m);
    for (const set of [this.keys, this.tags, this.markers]) {
      for (const oldest of set) {
        if (set.size <= MAX_PENDING) break;
        set.delete(oldest);
      }
    }
  }

  /** Sends everything owed in batches (joining a replay under way); stops at the first failure. */
  replay(send: SendBatch): Promise<void> {
    this.replaying ??= (async () => {
      while (this.owed) {
        const keys = [...this.keys].slice(0, REPLAY_BATCH);
        const tags = [...this.tags].slice(0, REPLAY_BATCH - keys.length);
        const last = keys.length === this.keys.size && tags.length === this.tags.size;
        // Markers go with the last batch: only then is everything they stand for applied.
        const markers = last ? [...this.markers] : [];
        if (!(await send(keys, tags, markers))) return;
        for (const k of keys) this.keys.delete(k);
        for (const t of tags) this.tags.delete(t);
        for (const m of markers) this.markers.delete(m);
      }
    })().finally(() => {
      this.replaying = null;
    });
    return this.replaying;
  }
}
