/**
 * What the claims test's steps share: the run they pass along (one world from the candidates
 * fixtures, the crew callers, the draft), the error-shape assertion and direct-SQL counts.
 */
import assert from "node:assert/strict";
import { db } from "../../helpers/client.ts";
import type { World } from "../candidates/fixtures.ts";

// deno-lint-ignore no-explicit-any
export type Body = Record<string, any>;

/** What the steps of one run share; the first step sets `draftId`, later ones move it along. */
export interface ClaimsRun {
  w: World;
  crew: { token: string };
  crew2: { token: string };
  draftId: string;
}

/** A caller by token: the world's users are fresh, not the seed's demo users. */
export const as = (token: string) => ({ token });

/** Asserts an error answer's status and code. */
export function assertError(res: { status: number; data: Body }, status: number, code: string) {
  assert.equal(res.status, status, JSON.stringify(res.data));
  assert.equal(res.data.error?.code, code, JSON.stringify(res.data));
}

/** A claim's stored status (direct SQL). */
export async function statusOf(id: string): Promise<string> {
  const [row] = await db()`select status from public.expense_claims where id = ${id}`;
  return row.status;
}

/** How many claims a candidate has (direct SQL). */
export async function claimCount(candidateId: string): Promise<number> {
  const [row] = await db()`
    select count(*)::int as n from public.expense_claims where candidate_id = ${candidateId}`;
  return row.n;
}
