/** The per-request values of every app, typed once so handlers never cast `c.get`. */
import type { AppRole, AuthUser } from "../auth.ts";
import type { CheckAgain } from "../cache/authorized.ts";

/** What a replayable answer needs from its route and its service (see `handle()`). */
export interface ReplaySource {
  roles: readonly AppRole[];
  /** Cached answers `handle()` saw: a replay stands for exactly one (which may combine reads). */
  reads: number;
  /** That answer's checks, when L1 holds every cached read behind it. */
  again?: readonly CheckAgain[];
}

export type AppEnv = {
  Variables: {
    requestId: string;
    user: AuthUser;
    /** Durations (ms) reported in `Server-Timing`, e.g. `db`, `cache`. */
    timings: Record<string, number>;
    /** Set by routes that may be replayed (`route({ replay: true })`). */
    replay?: ReplaySource;
    /** Set by routes called routinely (`route({ quiet: true })`): their request line is debug. */
    quiet?: boolean;
  };
};
