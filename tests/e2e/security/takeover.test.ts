/**
 * The account-takeover chain of issue 20, end to end, with the real doors: a manager's JWT sent
 * straight to the Data API (as PostgREST runs it) re-links someone else's candidate to a crew
 * login; that crew member then asks the functions for the victim's record, IC and bank account,
 * and overwrites the account number through the Data API. Before the boundary every step worked;
 * now the first and the last are refused by Postgres and the read finds nothing. Then the
 * legitimate path — an admin re-links through the functions, the crew member changes their own
 * account — lands in the audit log with the actor, the fields, and no IC or account number.
 */
import assert from "node:assert/strict";
import { type Candidate, CrewApiError } from "../../../client/index.ts";
import {
  closeDb,
  crewAs,
  CROSS_ISOLATE_BOUND_MS,
  db,
  DEMO,
  errorText,
  failsWith,
  routesAs,
  tokenFor,
} from "../../helpers/client.ts";
import { openDataApi } from "../../helpers/data-api.ts";
import { CACHE_SCHEMA_VERSION } from "../../../shared/cache/keys.ts";
import { as, makeCandidate, makeUser } from "../candidates/fixtures.ts";

const api = openDataApi(1);

Deno.test("account takeover through the Data API is refused; the legitimate path is audited", async () => {
  const tag = crypto.randomUUID().slice(0, 8);
  const attacker = await makeUser("crew", tag);
  const victim = await makeCandidate(`Victim ${tag}`);
  await db()`insert into public.candidate_bank_accounts
               (candidate_id, bank_name, account_number, account_holder)
             values (${victim.id}, 'Maybank', '5550001234', ${`Holder ${tag}`})`;
  const manager = await tokenFor("manager");

  // 1. The manager re-links the victim's record to the attacker's login, straight to the table.
  const relink = await api.run(
    manager,
    `update public.candidates set user_id = '${attacker.id}' where id = '${victim.id}'`,
    { commit: true },
  );
  assert.equal(relink.ok, false, "the Data API refuses the re-link");
  assert.equal(!relink.ok && relink.code, "42501");
  const [row] = await db()`select user_id from public.candidates where id = ${victim.id}`;
  assert.equal(row.user_id, null, "the candidate is still unlinked");

  // 2. The attacker asks the functions for the victim's record: not theirs, nothing leaks.
  const read = await crewAs(as(attacker.token)).candidates.getById(victim.id)
    .then((data) => data, (e: unknown) => e);
  assert.ok(
    read instanceof CrewApiError && [403, 404].includes(read.status),
    `read: ${read instanceof CrewApiError ? read.status : 200} ${
      read instanceof CrewApiError ? errorText(read) : JSON.stringify(read)
    }`,
  );
  assert.doesNotMatch(errorText(read), new RegExp(`${victim.ic}|5550001234`));

  // 3. ...nor can they read or overwrite the bank account straight through the Data API.
  for (
    const statement of [
      `select account_number from public.candidate_bank_accounts where candidate_id = '${victim.id}'`,
      `update public.candidate_bank_accounts set account_number = '9999' where candidate_id = '${victim.id}'`,
    ]
  ) {
    const result = await api.run(attacker.token, statement, { commit: true });
    assert.equal(result.ok, false, statement);
  }
  const [bank] = await db()`select account_number from public.candidate_bank_accounts
                            where candidate_id = ${victim.id}`;
  assert.equal(bank.account_number, "5550001234");

  // 4. The legitimate path: the functions let only an admin re-link (a manager gets 403)...
  await failsWith(crewAs("manager").candidates.update(victim.id, { user_id: attacker.id }), 403);
  const byAdmin = await routesAs("admin").candidates("patch", "/candidates/{id}")({
    path: { id: victim.id },
    body: { user_id: attacker.id },
  });
  assert.equal(byAdmin.status, 200, JSON.stringify(byAdmin.data));
  // ...and the now-linked crew member changes their own account.
  const own = await routesAs(as(attacker.token)).candidates("put", "/candidates/{id}/bank")({
    path: { id: victim.id },
    body: { bank_name: "CIMB", account_number: "80007654321", account_holder: `Holder ${tag}` },
  });
  assert.equal(own.status, 200, JSON.stringify(own.data));

  // 5. Both are in the audit log: who, which fields, no IC or account number (last 4 at most).
  const logs = await db()`
    select entity, action, actor_id, actor_role, before, after from public.activity_logs
     where entity_id = ${victim.id} and entity in ('candidates', 'candidate_bank_accounts')
     order by id`;
  const relinked = logs.find((l) => l.entity === "candidates" && l.action === "update");
  assert.ok(relinked, "the re-link is audited");
  assert.equal(relinked.actor_id, DEMO.admin);
  assert.equal(relinked.actor_role, "admin");
  assert.deepEqual(relinked.before, { user_id: null });
  assert.deepEqual(relinked.after, { user_id: attacker.id });
  const changed = logs.find((l) => l.entity === "candidate_bank_accounts" && l.action === "update");
  assert.ok(changed, "the account change is audited");
  assert.equal(changed.actor_id, attacker.id);
  assert.equal(changed.after.account_number, "****4321");
  assert.equal(changed.before.account_number, "****1234");
  const text = JSON.stringify(logs);
  for (const secret of [victim.ic, "5550001234", "80007654321", `Holder ${tag}`]) {
    assert.ok(!text.includes(secret), `the audit log never holds ${secret}`);
  }
});

Deno.test("a write that bypasses the functions still invalidates the cache (the database writes the outbox)", async () => {
  const tag = crypto.randomUUID().slice(0, 8);
  const victim = await makeCandidate(`Operator ${tag}`);
  const getVictim = () =>
    routesAs("admin").candidates("get", "/candidates/{id}")({ path: { id: victim.id } });
  // The functions' replayers have registered their cache namespace with the database.
  const namespace = `${Deno.env.get("CACHE_NAMESPACE") ?? "crew"}:v${CACHE_SCHEMA_VERSION}:`;
  for (
    let i = 0;
    (await db()`select 1 from private.cache_namespaces where namespace = ${namespace}`).length ===
      0;
    i++
  ) {
    assert.ok(i < 100, "no replayer registered a namespace");
    await new Promise((r) => setTimeout(r, 100));
  }
  // The fixture's own insert was a direct write too: let its outbox rows be replayed first, so
  // only the write below can make the cached record fresh.
  const pending = () =>
    db()`select 1 from private.cache_invalidations
          where namespace = ${namespace} and ${`candidate:${victim.id}`} = any (tags)`;
  for (let i = 0; (await pending()).length > 0; i++) {
    assert.ok(i < 150, "the fixture's outbox rows were never replayed");
    await new Promise((r) => setTimeout(r, 100));
  }
  const first = await getVictim();
  assert.equal(first.status, 200);
  const again = await getVictim();
  assert.ok(["l1", "l2"].includes(again.headers.get("x-cache")!), "the record is cached");

  // An operator's write: plain SQL, no function, no claims.
  await db()`update public.candidates set phone = '0199990000' where id = ${victim.id}`;
  const written = performance.now();
  // The bound: the outbox replay (two intervals of 2 s plus the 1 s grace), then L1's TTL.
  const bound = 5_000 + CROSS_ISOLATE_BOUND_MS;
  let seen: Candidate | undefined;
  while (performance.now() - written < bound + 2_000) {
    const res = await crewAs("admin").candidates.getById(victim.id);
    if (res.phone === "0199990000") {
      seen = res;
      break;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const after = performance.now() - written;
  assert.ok(seen, `the new phone never appeared within ${Math.round(after)} ms`);
  assert.ok(after <= bound, `fresh after ${Math.round(after)} ms, bound ${bound} ms`);
});

Deno.test({
  name: "close connections",
  fn: async () => {
    await api.end();
    await closeDb();
  },
});
