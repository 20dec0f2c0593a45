/**
 * The stale-read probe of an L2 phase: a project changed through one instance of projects while
 * L2 is down, that instance killed, and every instance read until well past the bound — no
 * reader may see the old value later than CACHE_STALE_BOUND_MS + the outbox's replay bound.
 */
import { type Settings, sleep } from "./config.ts";
import type { FunctionProcess, SuiteGateway } from "./control.ts";
import type { ProbeFixtures } from "./fixtures.ts";
import { send } from "./load.ts";

/** The stale-read probe of an L2 phase (see the module comment). */
export class StaleProbe {
  oldVenue = "";
  newVenue = "";
  writerKilled = false;
  /** Reads and whether they showed data older than the last write (ms after that write). */
  reads: { at: number; stale: boolean }[] = [];
  /**
   * The same for the set-up write made while L2 was up (ms from its acknowledgement to the read's
   * start): with Redis up, the cache's own bound (CACHE_STALE_BOUND_MS) applies.
   */
  setupReads: { at: number; stale: boolean }[] = [];
  private readers: FunctionProcess[] = [];
  private replacement?: Promise<FunctionProcess>;

  constructor(
    private readonly fx: ProbeFixtures,
    private readonly gateway: SuiteGateway,
    private readonly settings: Pick<Settings, "deadlineMs" | "watchMs">,
  ) {}

  private url(p: FunctionProcess) {
    return `http://127.0.0.1:${p.port}`;
  }

  /** Sets a known venue, then both instances read the project, so L2 holds that version. */
  async prepare(): Promise<void> {
    const [a, b] = this.gateway.of("projects");
    this.oldVenue = `before-${crypto.randomUUID().slice(0, 8)}`;
    const set = await send(this.url(a), `projects/${this.fx.probeId}`, {
      method: "PATCH",
      token: this.fx.tokens.admin,
      body: { venue: this.oldVenue },
    }, { clientTimeoutMs: this.settings.deadlineMs + 5000 });
    if (set.status !== 200) throw new Error(`probe set-up PATCH answered ${set.status}`);
    // Read until both instances show it (an earlier phase's stale entry would show here too:
    // such reads past the bound count against this phase).
    const setAt = performance.now();
    let agreeing = 0;
    while (agreeing < 4 && performance.now() - setAt < this.settings.watchMs) {
      for (const p of [a, b]) {
        const res = await send(this.url(p), `projects/${this.fx.probeId}`, {
          method: "GET",
          token: this.fx.tokens.admin,
        }, { clientTimeoutMs: this.settings.deadlineMs + 5000 });
        const venue = (res.json?.project as Record<string, unknown> | undefined)?.venue;
        const stale = venue !== this.oldVenue;
        agreeing = stale ? 0 : agreeing + 1;
        // When the read was sent: a stale answer to a read sent past the bus's bound is a breach.
        this.setupReads.push({ at: res.timing.start - setAt, stale });
      }
      if (agreeing < 4) await sleep(100);
    }
    this.readers = [b];
  }

  /** While L2 is down: change the venue through instance A, then kill A. */
  async writeAndKillWriter(): Promise<void> {
    const [a] = this.gateway.of("projects");
    this.newVenue = `probe-${crypto.randomUUID().slice(0, 8)}`;
    const res = await send(this.url(a), `projects/${this.fx.probeId}`, {
      method: "PATCH",
      token: this.fx.tokens.admin,
      body: { venue: this.newVenue },
    }, { clientTimeoutMs: this.settings.deadlineMs + 5000 });
    if (res.status !== 200) throw new Error(`probe PATCH answered ${res.status}`);
    this.replacement = this.gateway.kill(a);
    this.writerKilled = true;
  }

  /** Reads from every instance until `untilMs` after L2 is back. */
  async watch(backAt: number, forMs: number): Promise<void> {
    const replacement = await this.replacement!;
    this.readers.push(replacement);
    while (performance.now() < backAt + forMs) {
      for (const p of this.readers) {
        const res = await send(this.url(p), `projects/${this.fx.probeId}`, {
          method: "GET",
          token: this.fx.tokens.admin,
        }, { clientTimeoutMs: this.settings.deadlineMs + 5000 });
        const venue = (res.json?.project as Record<string, unknown> | undefined)?.venue;
        if (res.status === 200) {
          this.reads.push({ at: performance.now() - backAt, stale: venue !== this.newVenue });
        }
      }
      await sleep(100);
    }
  }
}
