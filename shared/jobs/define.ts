/**
 * A queue as the app declares it — its name, its payload's zod schema, its handler — and the
 * registry the app hands to the worker (as graphile-worker's task list is handed to `run()`):
 * the engine never imports a handler. The payload type is declared once, by the schema, and
 * checked where a payload crosses into the app: on send, and by the worker before the handler
 * runs (a payload built by a trigger is input like any other).
 */
import type { z } from "zod";

/** A claimed job as the queue holds it; its payload not yet parsed. */
export interface ClaimedJob {
  id: string;
  queue: string;
  payload: unknown;
  attempts: number;
  maxAttempts: number;
  visibilityTimeoutS: number;
  claim: string;
  progress: Record<string, unknown> | null;
  createdBy: string | null;
  createdAt: string;
}

/** What a handler gets: the job with its parsed payload, and how long it may run. */
export interface JobRun<P = unknown> extends Omit<ClaimedJob, "payload"> {
  payload: P;
  /** Milliseconds until this attempt must have finished (or yielded). */
  timeLeftMs(): number;
}

/** One queue: a `queue.queues` row's name, what its payload must be, and who runs its jobs. */
export interface QueueDef<N extends string = string, S extends z.ZodType = z.ZodType> {
  readonly name: N;
  readonly payload: S;
  // A method, not a property, on purpose: a registry holds queues of different payloads, and a
  // method's parameter is compared bivariantly, so every QueueDef<"x", S> is a QueueDef. It stays
  // sound because the worker hands a handler only what its own `payload` schema parsed.
  handler(job: JobRun<z.output<S>>): Promise<unknown>;
}

/** The app's queues, handed to `drain()` (and to the tests that hold SQL and docs to it). */
export type Registry = readonly QueueDef[];

/** Declares a queue; `name` stays a literal type, so the registry's names can feed a `z.enum`. */
export function defineQueue<const N extends string, S extends z.ZodType>(
  def: QueueDef<N, S>,
): QueueDef<N, S> {
  return Object.freeze({ ...def });
}

/** The registry's queue names, in its order, as a tuple of literals. */
export function queueNames<const R extends readonly QueueDef[]>(
  registry: R,
): { [K in keyof R]: R[K]["name"] } {
  const names = registry.map((q) => q.name);
  if (new Set(names).size !== names.length) throw new Error("a queue is defined twice");
  // A mapped tuple type cannot be produced by `map`; the names are exactly R's, in order.
  return names as { [K in keyof R]: R[K]["name"] };
}

/** Thrown by a handler whose job cannot succeed on retry: dead letter at once. */
export class Permanent extends Error {
  override name = "Permanent";
}

/** Thrown by a handler that checkpointed and stops for time: the job goes back, not failed. */
export class Yielded extends Error {
  override name = "Yielded";
  constructor(readonly progress: unknown) {
    super("yielded for time");
  }
}

/** A zod error as one line: each issue's message and where (never the whole input). */
function issuesOf(error: z.ZodError): string {
  return error.issues
    .map((i) => i.path.length ? `${i.message} at ${i.path.join(".")}` : i.message)
    .join("; ");
}

/**
 * The worker's side: a claimed job's payload parsed by its queue's schema. One that does not
 * parse cannot succeed on retry either: `Permanent` (a dead letter at once, its message scrubbed
 * like every failure's).
 */
export function parsePayload<S extends z.ZodType>(queue: QueueDef<string, S>, raw: unknown) {
  const parsed = queue.payload.safeParse(raw);
  if (!parsed.success) {
    throw new Permanent(`${issuesOf(parsed.error)} (not a valid ${queue.name} payload)`);
  }
  return parsed.data;
}

/**
 * The sender's side: the payload parsed before it is queued. A failure is the sender's bug, so
 * it is a plain error (a 500 to the caller), not a job that would only die later.
 */
export function payloadToSend<S extends z.ZodType>(
  queue: QueueDef<string, S>,
  payload: z.input<S>,
): z.output<S> {
  const parsed = queue.payload.safeParse(payload);
  if (!parsed.success) {
    throw new Error(`not a valid ${queue.name} payload: ${issuesOf(parsed.error)}`);
  }
  return parsed.data;
}
