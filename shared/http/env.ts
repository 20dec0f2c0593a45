/** The per-request values of every app, typed once so handlers never cast `c.get`. */
import type { AuthUser } from "../auth.ts";
import type { ReplaySource } from "./replay.ts";

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
