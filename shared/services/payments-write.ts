/**
 * Writing payments: create (idempotent by key), single status moves and bulk approval. The
 * database owns the rules: RLS decides who may write, the status trigger decides which moves
 * exist; this module turns its refusals into the API's errors and keeps the cache honest.
 */
import type { AuthUser } from "../auth.ts";
import { cache } from "../cache.ts";
import { asServiceRole, asUser } from "../db.ts";
import { AppError, notFound } from "../errors.ts";
import { invalidating } from "../outbox.ts";
import { actAsCaller, actAsService, claimKey, requestHash, storeResponse } from "./idempotency.ts";
import type { StoredResponse } from "./idempotency.ts";
import {
  type ChangedPayment,
  detailTags,
  PAYMENT_TTL,
  paymentChanges,
  paymentKey,
} from "./payments-cache.ts";
import {
  approveManySql,
  insertPaymentSql,
  type PaymentRowWithManager,
  statusOfSql,
  targetStatus,
  transitionSql,
} from "./payments-sql.ts";
import {
  callerClaims,
  type PaymentAction,
  type PaymentCreateInput,
  type PaymentJson,
  type PaymentStatus,
  toPaymentJson,
} from "./payments-types.ts";

type RowWithManager = PaymentRowWithManager;

/** The constraint name the status trigger raises under (see the migration's header). */
const TRANSITION_CONSTRAINT = "payments_status_transition";

/** A refused status move, as every route reports it. */
export const invalidTransition = (from: PaymentStatus | string, to: PaymentStatus) =>
  new AppError(409, "invalid_transition", `A payment cannot move from ${from} to ${to}`, {
    details: { from, to },
  });

/** The trigger raises a check violation naming the pseudo-constraint; report it as 409. */
function transitionRefusal(err: unknown, to: PaymentStatus): AppError | null {
  if (!(err instanceof AppError) || err.details?.constraint !== TRANSITION_CONSTRAINT) return null;
  const message = String((err.cause as { message?: unknown } | undefined)?.message ?? "");
  const from = /transition: (\w+) ->/.exec(message)?.[1] ?? "current";
  return invalidTransition(from, to);
}

const changedOf = (row: RowWithManager): ChangedPayment => ({
  id: String(row.id),
  project_id: String(row.project_id),
  candidate_id: String(row.candidate_id),
});

/** Puts a just-written payment into the cache so the next read is a hit. */
async function writeThrough(row: RowWithManager): Promise<PaymentJson> {
  const payment = toPaymentJson(row);
  await cache.set(paymentKey(payment.id), { payment, manager_id: row.project_manager_id ?? null }, {
    ttl: PAYMENT_TTL,
    tags: detailTags(payment),
  });
  return payment;
}

/**
 * Creates one payment under the client's `Idempotency-Key`. The first request inserts and
 * records its response (201); any retry with the same key and body — concurrent or later —
 * gets that same status and body without a second payment; the same key with another body is
 * 422 `idempotency_key_reused`.
 */
export async function createPayment(
  user: AuthUser,
  key: string,
  input: PaymentCreateInput,
): Promise<StoredResponse<PaymentJson>> {
  const hash = await requestHash(input);
  let created: RowWithManager | undefined;
  const result = await invalidating(
    (o) =>
      asServiceRole("payment idempotency keys", async (tx) => {
        created = undefined; // a retried transaction starts over
        const earlier = await claimKey(tx, key, user.id!, hash);
        if (earlier) return earlier as StoredResponse<PaymentJson>;
        await actAsCaller(tx, callerClaims(user));
        [created] = await insertPaymentSql(tx, input);
        await actAsService(tx);
        const body = toPaymentJson(created);
        return await storeResponse(tx, key, 201, body, body);
      }, o),
    () => created && paymentChanges([changedOf(created)]),
  );
  if (created) await writeThrough(created);
  return result;
}

/** Approves, pays, fails or cancels one payment; a move the state machine forbids is a 409. */
export async function changeStatus(
  user: AuthUser,
  id: string,
  change: PaymentAction,
): Promise<PaymentJson> {
  const to = targetStatus(change.action);
  let row: RowWithManager;
  try {
    row = await invalidating(
      (o) =>
        asUser(callerClaims(user), async (tx) => {
          const [updated] = await transitionSql(tx, id, change);
          if (updated) return updated;
          const [current] = await statusOfSql(tx, id);
          if (!current) throw notFound("Payment");
          throw invalidTransition(current.status, to);
        }, o),
      (row) => paymentChanges([changedOf(row)]),
    );
  } catch (err) {
    throw transitionRefusal(err, to) ?? err;
  }
  return await writeThrough(row);
}

/** Result of a bulk approval. */
export interface ApproveManyResult {
  approved: string[];
  errors: { id: string; code: "not_found" | "invalid_transition" | "conflict"; status?: string }[];
}

/**
 * Approves every pending payment among `ids` in one statement. Ids that are missing (or not
 * visible), not pending, or moved by someone else meanwhile come back in `errors`.
 */
export async function approveMany(user: AuthUser, ids: string[]): Promise<ApproveManyResult> {
  const rows = await invalidating(
    (o) => asUser(callerClaims(user), async (tx) => await approveManySql(tx, ids), o),
    (rows) =>
      paymentChanges(
        rows.filter((r) => r.approved).map((r) => ({
          id: r.id,
          project_id: r.project_id!,
          candidate_id: r.candidate_id!,
        })),
      ),
  );
  const result: ApproveManyResult = { approved: [], errors: [] };
  for (const r of rows) {
    if (r.approved) {
      result.approved.push(r.id);
    } else if (r.previous_status === null) {
      result.errors.push({ id: r.id, code: "not_found" });
    } else if (r.previous_status === "pending") {
      result.errors.push({ id: r.id, code: "conflict", status: "changed concurrently" });
    } else {
      result.errors.push({ id: r.id, code: "invalid_transition", status: r.previous_status });
    }
  }
  return result;
}
