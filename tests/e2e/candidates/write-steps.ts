/**
 * Steps of the candidates test (candidates.test.ts) that write: creates (and the refused and
 * invalid ones that must write nothing), patches and bank details. Bodies only: the test runs
 * them in its order on one world.
 */
import assert from "node:assert/strict";
import type { BankDetails, CandidatePatch } from "../../../client/index.ts";
import { type Caller, crewAs, db, errorText, invoke, routesAs } from "../../helpers/client.ts";
import {
  as,
  assertError,
  type Body,
  countByName,
  dashed,
  refused,
  uniqueIc,
  type World,
} from "./fixtures.ts";

/** PATCH /candidates/{id} as `who`, with the answer's status. */
const patch = (who: Caller, id: string, body: CandidatePatch) =>
  routesAs(who).candidates("patch", "/candidates/{id}")({ path: { id }, body });

/** PUT /candidates/{id}/bank as `who`, with the answer's status. */
const putBank = (who: Caller, id: string, body: BankDetails) =>
  routesAs(who).candidates("put", "/candidates/{id}/bank")({ path: { id }, body });

/** Creates as admin and manager; finance and crew are refused and write nothing. */
export async function createByStaff(w: World): Promise<void> {
  const tag = w.tag;
  const ic = uniqueIc();
  const res = await routesAs("admin").candidates("post", "/candidates")({
    body: { full_name: `Siti Create ${tag}`, ic_number: dashed(ic), skills: ["rigging"] },
  });
  assert.equal(res.status, 201, JSON.stringify(res.data));
  assert.equal(res.data.ic_number, ic);
  assert.equal(res.data.skills[0], "rigging");
  assert.match(res.data.date_of_birth ?? "", /^\d{4}-\d{2}-\d{2}$/);
  const [row] = await db()`select ic_number from public.candidates where id = ${res.data.id}`;
  assert.equal(row.ic_number, ic);

  const byManager = await routesAs(as(w.manager.token)).candidates("post", "/candidates")({
    body: { full_name: `Raj Create ${tag}`, ic_number: uniqueIc() },
  });
  assert.equal(byManager.status, 201);

  for (const who of ["finance", { token: w.crew.token }] as const) {
    const name = `Refused ${tag}`;
    await refused(
      crewAs(who).candidates.create({ full_name: name, ic_number: uniqueIc() }),
      403,
      "forbidden",
    );
    assert.equal(await countByName(name), 0);
  }
}

/** Creates with bad input: 400 naming the field, nothing written. */
export async function createInvalid(w: World): Promise<void> {
  const tag = w.tag;
  const name = `Bad Input ${tag}`;
  for (
    const ic_number of [
      "12345",
      "991332-14-5678", // month 13
      "990230145678", // 30 February
      "abcdefghijkl",
    ]
  ) {
    const error = await refused(
      crewAs("admin").candidates.create({ full_name: name, ic_number }),
      400,
      "validation_failed",
    );
    assert.ok(error.details?.ic_number, errorText(error));
  }
  // Raw: a field CandidateCreate does not have (the types forbid it).
  const res = await invoke<Body>("admin", "candidates", {
    method: "POST",
    body: { full_name: name, ic_number: uniqueIc(), nickname: "x" },
  });
  assertError(res, 400, "validation_failed");
  assert.ok(res.data.error.details?.nickname, JSON.stringify(res.data));
  assert.equal(await countByName(name), 0);
}

/** Creates a second candidate with crew's IC: 409 without echoing it. */
export async function createDuplicate(w: World): Promise<void> {
  const tag = w.tag;
  const ic = w.crew.ic;
  const error = await refused(
    crewAs("admin").candidates.create({ full_name: `Dup ${tag}`, ic_number: dashed(ic) }),
    409,
    "conflict",
  );
  assert.ok(!errorText(error).includes(ic), "the IC must not echo in the error");
  const [row] =
    await db()`select count(*)::int as n from public.candidates where ic_number = ${ic}`;
  assert.equal(row.n, 1);
}

/** Patches per role; gives crew a new IC and keeps `w.crew.ic` in step with it. */
export async function patchByRole(w: World): Promise<void> {
  const tag = w.tag;
  const id = w.crew.candidateId;
  const mgr = await patch(as(w.manager.token), id, { phone: "+60 12-345 6789" });
  assert.equal(mgr.status, 200, JSON.stringify(mgr.data));
  const after = await crewAs("admin").candidates.getById(id);
  assert.equal(after.phone, "+60 12-345 6789");

  await refused(
    crewAs(as(w.manager.token)).candidates.update(id, { ic_number: uniqueIc() }),
    403,
    "forbidden",
  );

  const newIc = uniqueIc();
  const adminIc = await patch("admin", id, { ic_number: dashed(newIc) });
  assert.equal(adminIc.status, 200);
  assert.equal(adminIc.data.ic_number, newIc);
  w.crew.ic = newIc;

  const self = await patch(as(w.crew.token), id, {
    email: `me-${tag}@example.com`,
    skills: ["lighting"],
  });
  assert.equal(self.status, 200, JSON.stringify(self.data));
  assert.deepEqual(self.data.skills, ["lighting"]);

  const crew = crewAs(as(w.crew.token));
  await refused(crew.candidates.update(id, { full_name: "Someone Else" }), 403, "forbidden");
  await refused(
    crew.candidates.update(w.crew2.candidateId, { phone: "0123456789" }),
    404,
    "not_found",
  );
  const [row] =
    await db()`select full_name, phone from public.candidates where id = ${w.crew2.candidateId}`;
  assert.equal(row.phone, null);

  await refused(
    crewAs("admin").candidates.update(id, { email: "nope" }),
    400,
    "validation_failed",
  );
  await refused(
    crewAs("finance").candidates.update(id, { phone: "0123456789" }),
    403,
    "forbidden",
  );
}

/** Sets crew2's bank details as finance, then as crew2; the others are refused. */
export async function bankByRole(w: World): Promise<void> {
  const body = { bank_name: "CIMB", account_number: "80001234567", account_holder: "Boon" };
  const fin = await putBank("finance", w.crew2.candidateId, body);
  assert.equal(fin.status, 200, JSON.stringify(fin.data));
  const self = await putBank(as(w.crew2.token), w.crew2.candidateId, {
    ...body,
    account_number: "80009999999",
  });
  assert.equal(self.status, 200);
  const [row] = await db()`
    select account_number from public.candidate_bank_accounts where candidate_id = ${w.crew2.candidateId}`;
  assert.equal(row.account_number, "80009999999");
  const seen = await crewAs("admin").candidates.getById(w.crew2.candidateId);
  assert.equal(seen.bank?.account_number, "80009999999");

  await refused(
    crewAs(as(w.crew.token)).candidates.setBank(w.crew2.candidateId, body),
    404,
    "not_found",
  );
  await refused(
    crewAs(as(w.manager.token)).candidates.setBank(w.crew2.candidateId, body),
    403,
    "forbidden",
  );
  await refused(
    crewAs("admin").candidates.setBank(w.crew2.candidateId, { ...body, account_number: "12" }),
    400,
    "validation_failed",
  );
  await refused(
    crewAs("admin").candidates.setBank(crypto.randomUUID(), body),
    404,
    "not_found",
  );
}
