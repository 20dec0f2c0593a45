/**
 * The one logger. Every line the functions write goes through `log`, so its shape and its
 * scrubbing are decided here, once: one JSON object per line, `{ level, event, ...fields }`,
 * every string scrubbed of IC numbers, emails, long digit runs (bank accounts) and URL queries,
 * and every secret-named key redacted (shared/observe/scrub.ts) — whoever wrote the call.
 *
 * Levels: `debug` (routine lines: the metrics scrape, the scheduler's worker calls), `info`
 * (a request, a job attempt), `warn` (degraded, recovering), `error` (ours to fix). Lines below
 * the level (`LOG_LEVEL`, default `info`) are dropped before they are built. `warn` and `error`
 * go to stderr, the rest to stdout, as Supabase's log explorer sorts them.
 */
import { scrubValue } from "./observe/scrub.ts";

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = typeof LOG_LEVELS[number];

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

let threshold = RANK.info;

/** Sets the lowest level written (config.ts calls it once with `LOG_LEVEL`; tests may too). */
export function setLogLevel(level: LogLevel): void {
  threshold = RANK[level];
}

/** Whether a line at `level` would be written (to skip building an expensive one). */
export function logs(level: LogLevel): boolean {
  return RANK[level] >= threshold;
}

/** What a line carries besides its level and event: JSON values, scrubbed on the way out. */
export type LogFields = Record<string, unknown>;

function write(level: LogLevel, event: string, fields: LogFields = {}): void {
  if (RANK[level] < threshold) return;
  const line = JSON.stringify(scrubValue({ level, event, ...fields }));
  if (RANK[level] >= RANK.warn) console.error(line);
  else console.log(line);
}

/** `log.info("request", { ... })`: one scrubbed JSON line at that level. */
export const log = {
  debug: (event: string, fields?: LogFields) => write("debug", event, fields),
  info: (event: string, fields?: LogFields) => write("info", event, fields),
  warn: (event: string, fields?: LogFields) => write("warn", event, fields),
  error: (event: string, fields?: LogFields) => write("error", event, fields),
  /** At a level chosen at run time (a route's request line, which may be `debug`). */
  at: (level: LogLevel, event: string, fields?: LogFields) => write(level, event, fields),
};
