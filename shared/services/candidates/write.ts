/**
 * Candidates, writing side: create, update, bank details, bulk import. Each write records what
 * it changed with its transaction and invalidates it once committed (shared/cache/outbox.ts),
 * then writes the new record through.
 */
import { cache, cacheKey } from "../../cache/index.ts";
import { invalidating, type Invalidation } from "../../cache/outbox.ts";
import type { Caller } from "../../caller.ts";
import { asUser } from "../../db/index.ts";
import { plain } from "../../db/rows.ts";
import { forbidden, notFound, unprocessable } from "../../errors.ts";
import {
  ADMIN_FIELDS,
  type BankDetails,
  type CandidateInput,
  type CandidatePatch,
  IMPORT_MAX_ROWS,
  SELF_FIELDS,
} from "./rules.ts";
import {
  type BankRecord,
  CANDIDATE_TTL,
  type CandidateDetail,
  type CandidateRecord,
  candidateTag,
  LIST_TAG,
  ownCandidateId,
  toDetail,
  userLinkTag,
} from "./access.ts";
import {
  candidateByIdQuery,
  importChunkQuery,
  insertCandidateQuery,
  updateCandidateQuery,
  upsertBankQuery,
} from "./queries.ts";

/** Rows per import statement: one jsonb parameter each, a few hundred KB at most. */
const IMPORT_CHUNK = 1000;
/** Per-row errors returned at most (the count says how many rows failed in total). */
const MAX_ROW_ERRORS = 200;

/** What a change of candidate `id` makes stale: its entries, every list, and `extraTags`. */
const candidateChanges = (id: string, extraTags: string[] = []): Invalidation => ({
  tags: [candidateTag(id), LIST_TAG, ...extraTags],
});

/** Writes the saved record through, so the next read is a hit. */
async function publish(rec: CandidateRecord): Promise<void> {
  await cache.set(cacheKey("candidate", rec.id), rec, {
    ttl: CANDIDATE_TTL,
    tags: [candidateTag(rec.id)],
  });
}

/** Creates a candidate (admin, manager). A duplicate IC is a 409 from the unique index. */
export async function createCandidate(
  caller: Caller,
  input: CandidateInput,
): Promise<CandidateDetail> {
  const rec = await invalidating(
    (o) =>
      asUser(caller.claims, async (tx) => {
        const [row] = await insertCandidateQuery(tx, input);
        return plain<CandidateRecord>(row);
      }, o),
    (rec) => candidateChanges(rec.id),
  );
  await publish(rec);
  return toDetail(caller, rec);
}

/**
 * Updates a candidate. Admin: any field. Manager: not the IC or the login link. Crew: only their
 * own phone, email and skills. The field lists here give the 403's message; the database holds
 * the same rule (policy `candidates_update`, trigger `candidates_self_fields` /
 * `candidates_admin_fields`), and every path runs as the caller so the audit log names them.
 */
export async function updateCandidate(
  caller: Caller,
  id: string,
  patch: CandidatePatch,
): Promise<CandidateDetail> {
  const fields = Object.keys(patch);
  const allowed: readonly string[] | null = caller.appRole === "crew"
    ? SELF_FIELDS
    : caller.appRole === "manager"
    ? fields.filter((f) => !(ADMIN_FIELDS as readonly string[]).includes(f))
    : null;
  const refused = allowed ? fields.filter((f) => !allowed.includes(f)) : [];
  if (refused.length) {
    throw forbidden(`You may not change: ${refused.join(", ")}`);
  }

  let previousUser: string | null | undefined;
  const changes = (rows: Record<string, unknown>[]) => {
    if (!rows[0]) return undefined;
    const linkTags = patch.user_id === undefined
      ? []
      : [previousUser, rows[0].user_id as string | null].filter((u): u is string => !!u)
        .map(userLinkTag);
    return candidateChanges(id, linkTags);
  };
  const rows = await invalidating(
    (o) =>
      asUser(caller.claims, async (tx) => {
        if (patch.user_id !== undefined) {
          const [old] = await candidateByIdQuery(tx, id);
          previousUser = (old?.user_id as string | null) ?? null;
        }
        return await updateCandidateQuery(
          tx,
          id,
          patch,
          caller.appRole === "crew" ? caller.id : undefined,
        );
      }, o),
    changes,
  );
  if (!rows[0]) throw notFound("Candidate");
  const rec = plain<CandidateRecord>(rows[0]);
  await publish(rec);
  return toDetail(caller, rec);
}

/** Creates or replaces bank details: admin, finance, or the candidate themself (404 otherwise). */
export async function putBankDetails(
  caller: Caller,
  id: string,
  bank: BankDetails,
): Promise<BankRecord> {
  if (caller.appRole === "crew" && (await ownCandidateId(caller)) !== id) {
    throw notFound("Candidate");
  }
  const key = cacheKey("candidate", id, "bank");
  const saved = await invalidating(
    (o) =>
      asUser(caller.claims, async (tx) => {
        const [exists] = await candidateByIdQuery(tx, id);
        if (!exists) throw notFound("Candidate");
        const [row] = await upsertBankQuery(tx, id, bank);
        return plain<BankRecord>(row);
      }, o),
    () => ({ keys: [key] }),
  );
  await cache.set(key, saved, { ttl: CANDIDATE_TTL, tags: [candidateTag(id)] });
  return saved;
}

/** One row of an import as the route's schema parsed it: the row, or what is wrong with it. */
export type ImportRow =
  | { ok: true; row: CandidateInput }
  | { ok: false; problems: Record<string, string> };

/**
 * Every row is checked first; one bad row (or an IC repeated within the file) fails the whole
 * import with 422 and per-row messages, and nothing is written. Then upserts all rows by IC in ONE
 * transaction, chunked set-based statements — a database error rolls everything back as well.
 */
export async function importCandidates(caller: Caller, parsed: ImportRow[]) {
  if (parsed.length > IMPORT_MAX_ROWS) {
    throw unprocessable(`At most ${IMPORT_MAX_ROWS} rows per import`);
  }
  const rows: CandidateInput[] = [];
  const errors: Record<string, Record<string, string>> = {};
  let invalid = 0;
  const firstRowOfIc = new Map<string, number>();
  parsed.forEach((item, index) => {
    let problem: Record<string, string> | null = null;
    if (!item.ok) problem = item.problems;
    else {
      const first = firstRowOfIc.get(item.row.ic_number);
      if (first !== undefined) problem = { ic_number: `Same IC number as row ${first}` };
      else {
        firstRowOfIc.set(item.row.ic_number, index);
        rows.push(item.row);
      }
    }
    if (problem) {
      invalid++;
      if (invalid <= MAX_ROW_ERRORS) errors[String(index)] = problem;
    }
  });
  if (invalid) {
    throw unprocessable(`${invalid} of ${parsed.length} rows are invalid; nothing was imported`, {
      invalid_rows: invalid,
      rows: errors,
    });
  }

  const result = await invalidating(
    (o) =>
      asUser(caller.claims, async (tx) => {
        let inserted = 0;
        const updatedIds: string[] = [];
        for (let i = 0; i < rows.length; i += IMPORT_CHUNK) {
          const [r] = await importChunkQuery(tx, rows.slice(i, i + IMPORT_CHUNK));
          inserted += Number(r.inserted);
          updatedIds.push(...(r.updated_ids as string[]));
        }
        return { inserted, updatedIds };
      }, o),
    (result) => ({ tags: [LIST_TAG, ...result.updatedIds.map(candidateTag)] }),
  );
  return { inserted: result.inserted, updated: result.updatedIds.length };
}
