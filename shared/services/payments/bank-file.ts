/**
 * Bank payment files: the approved bank-transfer payments of a period (whose candidate has a
 * bank account on file) exported as one bulk-payment CSV (bank-csv.ts), built by a
 * `bank_file` job and stored in the file store (Storage on hosted, a table locally).
 *
 * Each payment lands in exactly one file: the job's first transaction takes the payments for
 * its file (`bank_file_payments`, keyed by payment id) under a lock that serializes builders;
 * a rerun of the same job (killed after that, before the upload) finds its file and rebuilds
 * the same bytes from the same payments. Files and their lines are personal data (account
 * numbers): admin and finance only, never logged.
 */
import { z } from "zod";
import type { Caller } from "../../caller.ts";
import { asServiceRole, type Tx } from "../../db/index.ts";
import { iso } from "../../db/rows.ts";
import { notFound } from "../../errors.ts";
import { fileStore } from "../../files/index.ts";
import { defineQueue, type JobRun, sendOrJoin } from "../../jobs/index.ts";
import { IsoDate, Uuid } from "../../schemas.ts";
import { bankFileCsv, type BankLine } from "./bank-csv.ts";
import { day } from "./types.ts";

export interface BankFileRequest {
  period_start: string;
  period_end: string;
}

/** A bank_file job's payload: the period, and who asked. */
const BankFilePayload = z.object({ period_start: IsoDate, period_end: IsoDate, user_id: Uuid });
export type BankFilePayload = z.output<typeof BankFilePayload>;

export interface BankFileJson {
  id: string;
  period_start: string;
  period_end: string;
  status: "building" | "ready";
  payments_count: number;
  total_amount: string;
  checksum: string | null;
  size_bytes: number | null;
  created_by: string | null;
  created_at: string;
  ready_at: string | null;
}

/**
 * Queues the file of a period (one live job per period: the same request joins it, another is
 * a 409; see `sendOrJoin`); returns the job id. On the
 * service path: the route has checked the role, and clients never get queue.send.
 */
export function requestBankFile(caller: Caller, input: BankFileRequest): Promise<string> {
  return asServiceRole(
    "bank file enqueue",
    (tx) =>
      sendOrJoin(tx, bankFileQueue, { ...input, user_id: caller.id }, {
        key: `bank_file:${input.period_start}:${input.period_end}`,
        of: "period",
      }),
  );
}

const FILE_COLUMNS = "id, period_start, period_end, status, payments_count, total_amount, " +
  "checksum, size_bytes, created_by, created_at, ready_at";

function toJson(r: Record<string, unknown>): BankFileJson {
  return {
    id: String(r.id),
    period_start: day(r.period_start)!,
    period_end: day(r.period_end)!,
    status: r.status as BankFileJson["status"],
    payments_count: Number(r.payments_count),
    total_amount: String(r.total_amount),
    checksum: (r.checksum as string | null) ?? null,
    size_bytes: r.size_bytes === null ? null : Number(r.size_bytes),
    created_by: (r.created_by as string | null) ?? null,
    created_at: iso(r.created_at),
    ready_at: r.ready_at ? iso(r.ready_at) : null,
  };
}

/**
 * Takes the payments for file `id` unless it exists already — with their payee and amount as they
 * are now, in this transaction (the file is built from this copy) — false when there were none.
 */
async function claimPayments(
  tx: Tx,
  id: string,
  { period_start, period_end, user_id }: BankFilePayload,
): Promise<boolean> {
  // One builder at a time: two files of overlapping periods must not both take a payment.
  await tx`select pg_advisory_xact_lock(hashtext('bank_file_build'))`;
  const [existing] = await tx`select 1 from private.bank_files where id = ${id}::uuid`;
  if (existing) return true;
  await tx`
    insert into private.bank_files (id, period_start, period_end, created_by, created_at)
    values (${id}::uuid, ${period_start}::date, ${period_end}::date, ${user_id}::uuid,
            date_trunc('second', now()))`;
  const [{ n }] = await tx<{ n: number }[]>`
    with taken as (
      insert into private.bank_file_payments (payment_id, payment_date, file_id, line_no, amount,
                                              account_holder, bank_name, account_number)
      select p.id, p.payment_date, ${id}::uuid,
             row_number() over (order by p.payment_date, p.id),
             p.amount, b.account_holder, b.bank_name, b.account_number
        from public.payments p
        join public.candidate_bank_accounts b on b.candidate_id = p.candidate_id
       where p.status = 'approved' and p.method = 'bank_transfer'
         and p.payment_date between ${period_start}::date and ${period_end}::date
         and not exists (select 1 from private.bank_file_payments x where x.payment_id = p.id)
      returning 1
    )
    select count(*)::int as n from taken`;
  if (n === 0) {
    await tx`delete from private.bank_files where id = ${id}::uuid`;
    return false;
  }
  // The export is a step of each payment's history: in the audit log with the user who asked,
  // the file and its payments in line order (ids only).
  await tx`
    insert into public.activity_logs (actor_id, actor_role, action, entity, entity_id, after)
    select ${user_id}::uuid,
           (select u.raw_app_meta_data ->> 'role' from auth.users u
             where u.id = ${user_id}::uuid),
           'insert', 'bank_files', ${id}::uuid,
           jsonb_build_object(
             'period_start', ${period_start}::date, 'period_end', ${period_end}::date,
             'payment_ids', (select jsonb_agg(x.payment_id order by x.line_no)
                               from private.bank_file_payments x where x.file_id = ${id}::uuid))`;
  return true;
}

/** The `bank_file` queue's handler. */
export async function bankFileJob(
  job: JobRun<BankFilePayload>,
): Promise<Record<string, unknown>> {
  const id = job.id;
  const any = await asServiceRole("bank file claim", (tx) => claimPayments(tx, id, job.payload));
  if (!any) return { file_id: null, payments_count: 0 };
  const { file, lines } = await asServiceRole("bank file lines", async (tx) => {
    // Everything from the claim's copy: the same bytes on every attempt, and the total is the
    // sum of exactly these lines.
    const [file] = await tx`
      select f.id, f.period_start, f.period_end, f.created_at,
             coalesce((select sum(x.amount) from private.bank_file_payments x
                        where x.file_id = f.id), 0)::numeric(14, 2)::text as total_amount
        from private.bank_files f where f.id = ${id}::uuid`;
    const lines = await tx<BankLine[]>`
      select x.line_no::int, x.payment_id, x.account_holder, x.bank_name, x.account_number,
             x.amount::text as amount, x.payment_date::text as payment_date
        from private.bank_file_payments x
       where x.file_id = ${id}::uuid
       order by x.line_no`;
    return { file, lines };
  });
  const { text, checksum } = await bankFileCsv({
    file_id: id,
    created_at: iso(file.created_at),
    period_start: day(file.period_start)!,
    period_end: day(file.period_end)!,
    total_amount: String(file.total_amount),
  }, lines);
  const bytes = new TextEncoder().encode(text);
  const path = `bank-files/${day(file.period_start)}_${day(file.period_end)}_${id}.csv`;
  await fileStore().put(path, bytes, "text/csv; charset=utf-8");
  await asServiceRole("bank file ready", (tx) =>
    tx`
    update private.bank_files
       set status = 'ready', payments_count = ${lines.length}, total_amount = ${file.total_amount},
           checksum = ${checksum}, storage_path = ${path}, size_bytes = ${bytes.length},
           ready_at = coalesce(ready_at, now())
     where id = ${id}::uuid`);
  return { file_id: id, payments_count: lines.length, total_amount: file.total_amount, checksum };
}

/** The `bank_file` queue (registered in functions/jobs/queues.ts). */
export const bankFileQueue = defineQueue({
  name: "bank_file",
  payload: BankFilePayload,
  handler: bankFileJob,
});

/** The files, newest first (admin and finance: the route says so). */
export async function listBankFiles(limit = 50): Promise<BankFileJson[]> {
  // `unsafe` only to splice FILE_COLUMNS, a constant of column names; the limit is a parameter.
  const rows = await asServiceRole("bank files list", (tx) =>
    tx.unsafe(
      `select ${FILE_COLUMNS} from private.bank_files order by created_at desc, id limit $1`,
      [limit],
    ));
  return rows.map(toJson);
}

/** One file's description with its payment ids in line order. */
export async function getBankFile(id: string): Promise<BankFileJson & { payment_ids: string[] }> {
  const [rows, ids] = await asServiceRole("bank file get", (tx) => [
    // `unsafe` only to splice FILE_COLUMNS, a constant of column names; the id is a parameter.
    tx.unsafe(`select ${FILE_COLUMNS} from private.bank_files where id = $1::uuid`, [id]),
    tx<{ payment_id: string }[]>`
      select payment_id from private.bank_file_payments where file_id = ${id}::uuid
       order by line_no`,
  ]);
  if (!rows[0]) throw notFound("Bank file");
  return { ...toJson(rows[0]), payment_ids: ids.map((r) => r.payment_id) };
}

/** The file's bytes once it is ready. */
export async function bankFileContent(id: string): Promise<{ name: string; text: string }> {
  const [row] = await asServiceRole(
    "bank file content",
    (tx) =>
      tx<{ storage_path: string | null }[]>`
      select storage_path from private.bank_files where id = ${id}::uuid and status = 'ready'`,
  );
  if (!row?.storage_path) throw notFound("Bank file");
  const stored = await fileStore().get(row.storage_path);
  if (!stored) throw notFound("Bank file");
  return {
    name: row.storage_path.split("/").pop()!,
    text: new TextDecoder().decode(stored.bytes),
  };
}
