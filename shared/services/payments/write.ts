/**
 * Writing payments: create (idempotent by key), single status moves and bulk approval. The
 * database owns the rules: RLS decides who may write, the status trigger decides which moves
 * exist; this module turns its refusals into the API's errors and keeps the cache honest.
 */
import type { Caller } from "../../caller.ts";
import { cache } from "../../cache/index.ts";
import { asServiceRole, asUser } from "../../db/index.ts";
import { invalidTransition, notFound } from "../../errors.ts";
import { invalidating } from "../../cache/outbox.ts";
import { actAsCaller, actAsService, claimKey, requestHash, storeResponse } from "./idempotency.ts";
import type { StoredResponse } from "./idempotency.ts";
import {
  type ChangedPayment,
  detailTags,
  PAYMENT_TTL,
  paymentChanges,
  paymentKey,
} from "./cache.ts";
import {
  approveManySql,
  insertPaymentSql,
  type PaymentRowWithManager,
  statusOfSql,
  targetStatus,
  transitionSql,
} from "./queries.ts";
import {
  type PaymentAction,
  type PaymentCreateInput,
  type PaymentJson,
  toPaymentJson,
} from "./types.ts";

const changedOf = (row: PaymentRowWithManager): ChangedPayment => ({
  id: String(row.id),
  project_id: String(row.project_id),
  candidate_id: String(row.candidate_id),
});

/** Puts a just-written payment into the cache so the next read is a hit. */
async function writeThrough(row: PaymentRowWithManager): Promise<PaymentJson> {
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
  caller: Caller,
  key: string,
  input: PaymentCreateInput,
): Promise<StoredResponse<PaymentJson>> {
  const hash = await requestHash(input);
  let created: PaymentRowWithManager | undefined;
  const result = await invalidating(
    (o) =>
      asServiceRole("payment idempotency keys", async (tx) => {
        created = undefined; // a retried transaction starts over
        const earlier = await claimKey(tx, key, caller.id, hash);
        if (earlier) return earlier as StoredResponse<PaymentJson>;
        await actAsCaller(tx, caller.claims);
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
  caller: Caller,
  id: string,
  change: PaymentAction,
): Promise<PaymentJson> {
  const to = targetStatus(change.action);
  const row = await invalidating(
    (o) =>
      asUser(caller.claims, async (tx) => {
        const [updated] = await transitionSql(tx, id, change);
        if (updated) return updated;
        const [current] = await statusOfSql(tx, id);
        if (!current) throw notFound("Payment");
        // Already there (a repeated request): the trigger refuses every other wrong move.
        throw invalidTransition("payment", current.status, to);
      }, o),
    (row) => paymentChanges([changedOf(row)]),
  );
  return await writeThrough(row);
}

/** Result of a bulk approval. */
export interface ApproveManyResult {
  approved: string[];
  errors: {
    id: string;
    code: "not_found" | "invalid_transition" | "conflict" | "forbidden";
    status?: string;
  }[];
}

/**
 * Approves every pending payment among `ids` in one statement. Ids that are missing (or not
 * visible), not pending, created by the caller (four eyes), or moved by someone else meanwhile
 * come back in `errors`.
 */
export async function approveMany(caller: Caller, ids: string[]): Promise<ApproveManyResult> {
  const rows = await invalidating(
    (o) => asUser(caller.claims, async (tx) => await approveManySql(tx, ids), o),
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
    } else if (r.previous_status === "pending" && r.own) {
      result.errors.push({
        id: r.id,
        code: "forbidden",
        status: "created by you: another approves",
      });
    } else if (r.previous_status === "pending") {
      result.errors.push({ id: r.id, code: "conflict", status: "changed concurrently" });
    } else {
      result.errors.push({ id: r.id, code: "invalid_transition", status: r.previous_status });
    }
  }
  return result;
}
