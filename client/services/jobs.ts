/**
 * The jobs function: follow a job (a large payroll, a bank file) and, for admins, the queues
 * and their dead letters. `POST /jobs/run` (the worker, service role only) is not offered.
 */
import type { Operation, QueryOf, RouteBinder } from "../operations.ts";
import type { components, paths } from "../types/jobs.gen.ts";

type Schemas = components["schemas"];

export type Job = Schemas["Job"];
export type QueueMetrics = Schemas["QueueMetrics"];
export type DeadLetter = Schemas["DeadLetter"];
export type ProbeRequest = Schemas["ProbeRequest"];
export type ProbeAccepted = Schemas["ProbeAccepted"];
export type DeadLetterFilters = QueryOf<Operation<paths, "/jobs/dead", "get">>;

/** The jobs service over `route` (see client/index.ts). */
export function jobsService(route: RouteBinder<paths>) {
  const queues = route("get", "/jobs/queues");
  const dead = route("get", "/jobs/dead");
  const probe = route("post", "/jobs/probe");
  const get = route("get", "/jobs/{id}");
  const retry = route("post", "/jobs/{id}/retry");
  const discard = route("post", "/jobs/{id}/discard");
  const cancel = route("post", "/jobs/{id}/cancel");
  return {
    /** A job's status, progress and result (its owner, or admin). */
    getById: (id: string) => get({ path: { id } }).then((r) => r.data),
    /** Queues: depth, oldest waiting job, running, dead letters (admin). */
    queues: () => queues({}).then((r) => r.data),
    /** Dead letters with their errors (admin). */
    dead: (filters?: DeadLetterFilters) => dead({ query: filters }).then((r) => r.data),
    /** Enqueues probe jobs, an end-to-end check of the worker (admin). */
    probe: (body: ProbeRequest) => probe({ body }).then((r) => r.data),
    /** Retries a dead letter (admin). */
    retry: (id: string) => retry({ path: { id } }).then((r) => r.data),
    /** Discards a dead letter (admin). */
    discard: (id: string) => discard({ path: { id } }).then((r) => r.data),
    /** Cancels a waiting job (admin). */
    cancel: (id: string) => cancel({ path: { id } }).then((r) => r.data),
  };
}

/** What `crew.jobs` offers. */
export type JobsService = ReturnType<typeof jobsService>;
