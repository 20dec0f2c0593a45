/**
 * Idempotency keys for money-moving writes, kept in the unpartitioned
 * `payment_idempotency_keys` table (a unique key on partitioned `payments` would have to include
 * payment_date, which a client retry does not know).
 *
 * Protocol, all inside the writing transaction:
 *  1. `claimKey` inserts the key row first (`on conflict do nothing`). A concurrent duplicate
 *     blocks on the primary key until the first transaction ends: if that one committed, the
 *     duplicate finds the stored response and replays it; if it rolled back, the duplicate's own
 *     insert goes through and it does the work itself. So N concurrent identical requests make
 *     exactly one payment and N identical responses.
 *  2. The work runs as the caller (`actAsCaller`, RLS applies).
 *  3. `storeResponse` records status + body in the same transaction, so a key row never exists
 *     without its response once committed. A failed request rolls the key back: a retry runs anew.
 *
 * The table has no RLS policy for `functions_user` on purpose: only this module touches it, on the
 * service path (`asServiceRole`), switching to the caller's role for the business statements.
 */
import { AppError } from "../../errors.ts";
import { sha256Hex } from "../../hash.ts";
import { DB_ROLE, type Tx } from "../../db/index.ts";
import { jsonb } from "../../db/rows.ts";

/** A response recorded under a key. */
export interface StoredResponse<T = unknown> {
  status: number;
  body: T;
  /** True when this call replayed a response recorded earlier instead of doing the work. */
  replayed: boolean;
}

interface KeyRecord {
  key: string;
  user_id: string | null;
  request_hash: string;
  response: unknown;
  status_code: number | null;
}

/** JSON with object keys sorted at every level, so equal bodies hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

/** Hex SHA-256 of the canonical JSON of `value` (the stored `request_hash`). */
export function requestHash(value: unknown): Promise<string> {
  return sha256Hex(canonicalJson(value));
}

/** The error for a key sent again with a different body (or by a different user). */
export const keyReused = () =>
  new AppError(
    "idempotency_key_reused",
    "This Idempotency-Key was already used with a different request",
  );

/** Inserts the key row unless it exists; a concurrent insert of the same key waits for us. */
export function claimKeySql(tx: Tx, key: string, userId: string, hash: string) {
  return tx<{ key: string }[]>`
    insert into public.payment_idempotency_keys (key, user_id, request_hash)
    values (${key}, ${userId}::uuid, ${hash})
    on conflict (key) do nothing
    returning key`;
}

/** The recorded request and response of a key. */
export function readKeySql(tx: Tx, key: string) {
  return tx<KeyRecord[]>`
    select key, user_id, request_hash, response, status_code
      from public.payment_idempotency_keys where key = ${key}`;
}

/** Records the response (and the payment it made) under a claimed key. */
export function storeResponseSql(
  tx: Tx,
  key: string,
  status: number,
  body: unknown,
  payment?: { id: string; payment_date: string },
) {
  return tx<{ response: unknown }[]>`
    update public.payment_idempotency_keys
       set response = ${jsonb(tx, body)}, status_code = ${status},
           payment_id = ${payment?.id ?? null}::uuid,
           payment_date = ${payment?.payment_date ?? null}::date
     where key = ${key}
    returning response`;
}

/**
 * Claims `key` for this request. Returns null when the caller now owns the key (do the work),
 * or the earlier response to replay. Throws 422 `idempotency_key_reused` when the key belongs to
 * a different request.
 */
export async function claimKey(
  tx: Tx,
  key: string,
  userId: string,
  hash: string,
): Promise<StoredResponse | null> {
  const claimed = await claimKeySql(tx, key, userId, hash);
  if (claimed.length) return null;
  // A new statement takes a new snapshot, so it sees the row the blocking transaction committed.
  const [record] = await readKeySql(tx, key);
  if (!record) {
    throw new AppError("conflict", "The request is being processed; retry", { retryAfter: 1 });
  }
  if (record.request_hash !== hash || record.user_id !== userId) throw keyReused();
  return { status: record.status_code ?? 200, body: record.response, replayed: true };
}

/** Records the response under `key`; returns it as stored (jsonb), which is what replays send. */
export async function storeResponse<T>(
  tx: Tx,
  key: string,
  status: number,
  body: T,
  payment?: { id: string; payment_date: string },
): Promise<StoredResponse<T>> {
  const [row] = await storeResponseSql(tx, key, status, body, payment);
  return { status, body: row.response as T, replayed: false };
}

/**
 * Runs the following statements of this transaction as the caller: role `functions_user` (RLS
 * applies) and the caller's JWT claims (auth.uid() for defaults, triggers and the audit log).
 * Transaction-local, like everything `asUser` sets.
 */
export async function actAsCaller(tx: Tx, claims: Record<string, unknown>): Promise<void> {
  await tx`select set_config('request.jwt.claims', ${JSON.stringify(claims)}, true),
                  set_config('role', ${DB_ROLE.authenticated}, true)`;
}

/** Back to the pool's login role (the service path) for the idempotency bookkeeping. */
export async function actAsService(tx: Tx): Promise<void> {
  await tx`select set_config('role', 'none', true)`;
}
