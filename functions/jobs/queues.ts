/**
 * The app's job queues: the one list the worker drains (`drain(queues, …)`), the API's queue
 * enum and the client's are built from, and tests/integration/jobs/registry.test.ts holds the
 * database's `queue.queues` rows and docs/jobs.md to. Each queue is defined beside its handler
 * in its service. Adding one: docs/jobs.md, "Adding a queue".
 */
import { queueNames } from "../../shared/jobs/index.ts";
import { bankFileQueue } from "../../shared/services/payments/bank-file.ts";
import { payrollQueue } from "../../shared/services/payments/payroll-job.ts";
import { notifyQueue } from "../../shared/services/notifications/index.ts";
import { refreshViewsQueue } from "../../shared/services/reports/refresh-job.ts";
import { probeQueue } from "../../shared/services/jobs/probe.ts";

/**
 * Every queue, each idempotent by construction — a job that runs twice (its worker killed after
 * the work, before the finish) changes nothing the second time:
 * - payroll: payroll's own keys per project, candidate and period;
 * - bank_file: the file is keyed by the job id and rebuilt from the payments it took;
 * - notify: the message key (one recorded row; providers get it as Idempotency-Key);
 * - refresh_views: a refresh is a refresh (and absorbs the same view's waiting ones first);
 * - probe: does nothing (optionally for a while), for end-to-end checks and the benchmark.
 */
export const queues = [
  payrollQueue,
  bankFileQueue,
  notifyQueue,
  refreshViewsQueue,
  probeQueue,
] as const;

/** The queues' names, in the registry's order. */
export const QUEUE_NAMES = queueNames(queues);
export type QueueName = typeof QUEUE_NAMES[number];
