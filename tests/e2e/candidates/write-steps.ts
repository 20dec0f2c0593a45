/**
 * Steps of the candidates test (candidates.test.ts) that write: creates (and the refused and
 * invalid ones that must write nothing), patches and bank details. Bodies only: the test runs
 * them in its order on one world.
 */
import assert from "node:assert/strict";
import { db, invoke } from "../../helpers/client.ts";
import {
  as,
  assertError,
  type Body,
  countByName,
  dashed,
  uniqueIc,
  type World,
} from "./fixtures.ts";

/** Creates as admin and manager; finance and crew are refused and write nothing. */
export async function createByStaff(w: World): Promise<void> {
  const tag = w.tag;
  const ic = uniqueIc();
  const res = await invoke<Body>("admin", "candidates", {
    method: "POST",
    body: { full_name: `Siti Create ${tag}`, ic_number: dashed(ic), skills: ["rigging"] },
  });
  assert.equal(res.status, 201, JSON.stringify(res.data));
  assert.equal(res.data.ic_number, ic);
  assert.equal(res.data.skills[0], "rigging");
  assert.match(res.data.date_of_birth, /^\d{4}-\d{2}-\d{2}$/);
  const [row] = await db()`select ic_number from public.candidates where id = ${res.data.id}`;
  assert.equal(row.ic_number, ic);

  const byManager = await invoke<Body>(as(w.manager.token), "candidates", {
    method: "POST",
    body: { full_name: `Raj Create ${tag}`, ic_number: uniqueIc() },
  });
  assert.equal(byManager.status, 201);

  for (const who of ["finance", { token: w.crew.token }] as const) {
    const name = `Refused ${tag}`;
    const refused = await invoke<Body>(who, "candidates", {
      method: "POST",
      body: { full_name: name, ic_number: uniqueIc() },
    });
    assertError(refused, 403, "forbidden");
    assert.equal(await countByName(name), 0);
  }
}

/** Creates with bad input: 400 naming the field, nothing written. */
export async function createInvalid(w: World): Promise<void> {
  const tag = w.tag;
  const name = `Bad Input ${tag}`;
  for (
    const [ic_number, extra] of [
      ["12345", {}],
      ["991332-14-5678", {}], // month 13
      ["990230145678", {}], // 30 February
      ["abcdefghijkl", {}],
      [uniqueIc(), { nickname: "x" }],
    ] as const
  ) {
    const res = await invoke<Body>("admin", "candidates", {
      method: "POST",
      body: { full_name: name, ic_number, ...extra },
    });
    assertError(res, 400, "validation_failed");
    const field = "nickname" in extra ? "nickname" : "ic_number";
    assert.ok(res.data.error.details?.[field], JSON.stringify(res.data));
  }
  assert.equal(await countByName(name), 0);
}

/** Creates a second candidate with crew's IC: 409 without echoing it. */
export async function createDuplicate(w: World): Promise<void> {
  const tag = w.tag;
  const ic = w.crew.ic;
  const res = await invoke<Body>("admin", "candidates", {
    method: "POST",
    body: { full_name: `Dup ${tag}`, ic_number: dashed(ic) },
  });
  assertError(res, 409, "conflict");
  assert.ok(!JSON.stringify(res.data).includes(ic), "the IC must not echo in the error");
  const [row] =
    await db()`select count(*)::int as n from public.candidates where ic_number = ${ic}`;
  assert.equal(row.n, 1);
}

/** Patches per role; gives crew a new IC and keeps `w.crew.ic` in step with it. */
export async function patchByRole(w: World): Promise<void> {
  const tag = w.tag;
  const id = w.crew.candidateId;
  const mgr = await invoke<Body>(as(w.manager.token), `candidates/${id}`, {
    method: "PATCH",
    body: { phone: "+60 12-345 6789" },
  });
  assert.equal(mgr.status, 200, JSON.stringify(mgr.data));
  const after = await invoke<Body>("admin", `candidates/${id}`);
  assert.equal(after.data.phone, "+60 12-345 6789");

  const mgrIc = await invoke<Body>(as(w.manager.token), `candidates/${id}`, {
    method: "PATCH",
    body: { ic_number: uniqueIc() },
  });
  assertError(mgrIc, 403, "forbidden");

  const newIc = uniqueIc();
  const adminIc = await invoke<Body>("admin", `candidates/${id}`, {
    method: "PATCH",
    body: { ic_number: dashed(newIc) },
  });
  assert.equal(adminIc.status, 200);
  assert.equal(adminIc.data.ic_number, newIc);
  w.crew.ic = newIc;

  const self = await invoke<Body>(as(w.crew.token), `candidates/${id}`, {
    method: "PATCH",
    body: { email: `me-${tag}@example.com`, skills: ["lighting"] },
  });
  assert.equal(self.status, 200, JSON.stringify(self.data));
  assert.deepEqual(self.data.skills, ["lighting"]);

  const selfName = await invoke<Body>(as(w.crew.token), `candidates/${id}`, {
    method: "PATCH",
    body: { full_name: "Someone Else" },
  });
  assertError(selfName, 403, "forbidden");
  const other = await invoke<Body>(as(w.crew.token), `candidates/${w.crew2.candidateId}`, {
    method: "PATCH",
    body: { phone: "0123456789" },
  });
  assertError(other, 404, "not_found");
  const [row] =
    await db()`select full_name, phone from public.candidates where id = ${w.crew2.candidateId}`;
  assert.equal(row.phone, null);

  assertError(
    await invoke<Body>("admin", `candidates/${id}`, {
      method: "PATCH",
      body: { email: "nope" },
    }),
    400,
    "validation_failed",
  );
  assertError(
    await invoke<Body>("finance", `candidates/${id}`, {
      method: "PATCH",
      body: { phone: "0123456789" },
    }),
    403,
    "forbidden",
  );
}

/** Sets crew2's bank details as finance, then as crew2; the others are refused. */
export async function bankByRole(w: World): Promise<void> {
  const body = { bank_name: "CIMB", account_number: "80001234567", account_holder: "Boon" };
  const fin = await invoke<Body>("finance", `candidates/${w.crew2.candidateId}/bank`, {
    method: "PUT",
    body,
  });
  assert.equal(fin.status, 200, JSON.stringify(fin.data));
  const self = await invoke<Body>(as(w.crew2.token), `candidates/${w.crew2.candidateId}/bank`, {
    method: "PUT",
    body: { ...body, account_number: "80009999999" },
  });
  assert.equal(self.status, 200);
  const [row] = await db()`
    select account_number from public.candidate_bank_accounts where candidate_id = ${w.crew2.candidateId}`;
  assert.equal(row.account_number, "80009999999");
  const seen = await invoke<Body>("admin", `candidates/${w.crew2.candidateId}`);
  assert.equal(seen.data.bank.account_number, "80009999999");

  assertError(
    await invoke<Body>(as(w.crew.token), `candidates/${w.crew2.candidateId}/bank`, {
      method: "PUT",
      body,
    }),
    404,
    "not_found",
  );
  assertError(
    await invoke<Body>(as(w.manager.token), `candidates/${w.crew2.candidateId}/bank`, {
      method: "PUT",
      body,
    }),
    403,
    "forbidden",
  );
  assertError(
    await invoke<Body>("admin", `candidates/${w.crew2.candidateId}/bank`, {
      method: "PUT",
      body: { ...body, account_number: "12" },
    }),
    400,
    "validation_failed",
  );
  assertError(
    await invoke<Body>("admin", `candidates/${crypto.randomUUID()}/bank`, {
      method: "PUT",
      body,
    }),
    404,
    "not_found",
  );
}
