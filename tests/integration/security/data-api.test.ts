/**
 * The Data API matrix: what a user's JWT can do straight through Supabase's Data API, run as
 * PostgREST runs it (tests/helpers/data-api.ts), for every relation and function of the exposed
 * schemas × every principal × {select each column, insert, update each column, delete, execute}.
 * The expectation is the table in docs/security.md (written from the API's rules), not what the
 * database happens to grant: anything it does not list must be refused by a privilege error.
 * Then the review's named cases (issue 20, points 1–3), each with rows it would succeed on if the
 * privilege were there, and the state checked unchanged afterwards.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { parse } from "smol-toml";
import { closeDb, db, DEMO, tokenFor } from "../../helpers/client.ts";
import { type DoorResult, openDataApi } from "../../helpers/data-api.ts";
import { mintJwt, mintUserJwt } from "../../../scripts/stack/keys.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const PRINCIPALS = ["anon", "crew", "crew2", "manager", "manager2", "finance", "admin"] as const;
type Principal = typeof PRINCIPALS[number];

/** `[api] schemas` of supabase/config.toml, plus what pg_graphql serves. */
function exposedSchemas(): string[] {
  const config = parse(Deno.readTextFileSync(`${ROOT}supabase/config.toml`)) as {
    api?: { schemas?: string[] };
  };
  return [...new Set([...(config.api?.schemas ?? ["public"]), "graphql_public"])];
}

interface Grant {
  access: string;
  principals: Set<Principal>;
}

/** The machine-read table of docs/security.md: object → access and who has it. */
function documentedGrants(): Map<string, Grant> {
  const doc = Deno.readTextFileSync(`${ROOT}docs/security.md`);
  const block = /<!-- data-api-grants:start -->([\s\S]*?)<!-- data-api-grants:end -->/.exec(doc);
  assert.ok(block, "docs/security.md has the data-api-grants table");
  const rows = block[1].split("\n").filter((line) => line.startsWith("| `"));
  const header = block[1].split("\n").find((line) => line.startsWith("| Object"))!
    .split("|").map((cell) => cell.trim());
  const grants = new Map<string, Grant>();
  for (const row of rows) {
    const cells = row.split("|").map((cell) => cell.trim());
    const object = cells[1].replaceAll("`", "");
    const principals = new Set<Principal>(
      PRINCIPALS.filter((p) => cells[header.indexOf(p)] === "yes"),
    );
    grants.set(object, { access: cells[2], principals });
  }
  return grants;
}

const schemas = exposedSchemas();
const grants = documentedGrants();
const api = openDataApi(4);
const tokens = new Map<Principal, string>();
for (const p of PRINCIPALS) tokens.set(p, await tokenFor(p));

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;
const refused = (r: DoorResult) =>
  !r.ok && r.code === "42501" && r.message.startsWith("permission denied");

/** Runs probes a few at a time (four authenticator connections). */
async function runAll<T>(items: T[], probe: (item: T) => Promise<string | undefined>) {
  const problems: string[] = [];
  for (let i = 0; i < items.length; i += 32) {
    const found = await Promise.all(items.slice(i, i + 32).map(probe));
    problems.push(...found.filter((x): x is string => x !== undefined));
  }
  return problems;
}

function describe(r: DoorResult) {
  return r.ok ? `allowed (${r.count} rows)` : `${r.code} ${r.message}`;
}

Deno.test("the grants table in docs/security.md names objects that exist", async () => {
  assert.ok(grants.size > 0);
  for (const [object, grant] of grants) {
    const [found] = grant.access === "execute"
      ? await db()`select to_regprocedure(${object}) is not null as ok`
      : await db()`select to_regclass(${object}) is not null as ok`;
    assert.ok(found.ok, `${object} exists`);
  }
});

Deno.test("Data API: every relation × principal × select each column, insert, update each column, delete", async () => {
  const relations = await db()<{ rel: string; kind: string; cols: string[]; rows: boolean }[]>`
    select format('%I.%I', n.nspname, c.relname) as rel, c.relkind::text as kind,
           array_agg(a.attname::text order by a.attnum) as cols, false as rows
      from pg_class c
      join pg_namespace n on n.oid = c.relnamespace
      join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
     where n.nspname = any (${schemas}) and c.relkind in ('r', 'p', 'v', 'm', 'f')
     group by 1, 2 order by 1`;
  assert.ok(relations.length > 20, `found the app's relations (${relations.length})`);

  type Probe = { who: Principal; rel: string; op: string; statement: string; allowed: boolean };
  const probes: Probe[] = [];
  for (const { rel, cols } of relations) {
    const grant = grants.get(rel);
    for (const who of PRINCIPALS) {
      const may = (op: string) => grant?.access === op && grant.principals.has(who);
      for (const col of cols) {
        probes.push({
          who,
          rel,
          op: `select ${col}`,
          statement: `select ${ident(col)} from ${rel} limit 1`,
          allowed: may("select"),
        });
        probes.push({
          who,
          rel,
          op: `update ${col}`,
          statement: `update ${rel} set ${ident(col)} = default where false`,
          allowed: may("update"),
        });
      }
      probes.push({
        who,
        rel,
        op: "insert",
        statement: `insert into ${rel} default values`,
        allowed: may("insert"),
      });
      probes.push({
        who,
        rel,
        op: "delete",
        statement: `delete from ${rel} where false`,
        allowed: may("delete"),
      });
    }
  }

  const problems = await runAll(probes, async (p) => {
    const result = await api.run(tokens.get(p.who)!, p.statement);
    if (p.allowed) {
      // A documented read must work and see rows (the listed objects are never empty).
      if (!result.ok || (p.op.startsWith("select") && result.count === 0)) {
        return `${p.who} ${p.op} on ${p.rel}: documented as allowed, got ${describe(result)}`;
      }
    } else if (!refused(result)) {
      return `${p.who} ${p.op} on ${p.rel}: must be refused, got ${describe(result)}`;
    }
  });
  assert.deepEqual(problems, [], `escalations:\n${problems.slice(0, 40).join("\n")}`);
  console.log(`  ${probes.length} probes over ${relations.length} relations, 0 escalations`);
});

Deno.test("Data API: every function of the exposed schemas × principal × execute (/rest/v1/rpc)", async () => {
  const functions = await db()<{ fn: string; call: string }[]>`
    select format('%I.%I(%s)', n.nspname, p.proname, oidvectortypes(p.proargtypes)) as fn,
           format('select %I.%I(%s)', n.nspname, p.proname,
                  coalesce((select string_agg(format('null::%s', format_type(t, null)), ', '
                                              order by o)
                              from unnest(p.proargtypes) with ordinality as a(t, o)), '')) as call
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where n.nspname = any (${schemas}) and p.prokind = 'f' and p.provariadic = 0
     order by 1`;
  assert.ok(functions.length > 10, `found the app's functions (${functions.length})`);
  const probes = functions.flatMap((f) => PRINCIPALS.map((who) => ({ who, ...f })));
  const problems = await runAll(probes, async (p) => {
    const grant = grants.get(p.fn);
    const allowed = grant?.access === "execute" && grant.principals.has(p.who);
    const result = await api.run(tokens.get(p.who)!, p.call);
    if (allowed ? !result.ok : !refused(result)) {
      return `${p.who} execute ${p.fn}: ${allowed ? "documented" : "must be refused"}, got ${
        describe(result)
      }`;
    }
  });
  assert.deepEqual(problems, [], problems.join("\n"));
});

Deno.test("Data API: a token cannot ask for the functions' role or the service path's", async () => {
  for (const role of ["functions_user", "postgres"]) {
    const token = await mintJwt({ role: role as "authenticated", sub: DEMO.admin });
    const result = await api.run(token, "select 1");
    assert.ok(refused(result), `role ${role}: ${describe(result)}`);
    assert.match(result.ok ? "" : result.message, /permission denied to set role/);
  }
});

// ------------------------------------------------------------------ the review's named cases

const ID = {
  project: "7e570000-0000-4000-8000-000000000001",
  victim: "7e570000-0000-4000-8000-000000000002",
  attacker: "7e570000-0000-4000-8000-000000000003",
  pending: "7e570000-0000-4000-8000-000000000004",
  approved: "7e570000-0000-4000-8000-000000000005",
  claim: "7e570000-0000-4000-8000-000000000006",
  staff: "7e570000-0000-4000-8000-000000000007",
};
const PAY_DATE = "2026-11-20";

async function cleanup() {
  const sql = db();
  await sql`delete from public.payments where project_id = ${ID.project}`;
  await sql`delete from public.expense_claims where project_id = ${ID.project}`;
  await sql`delete from public.project_staff where project_id = ${ID.project}`;
  await sql`delete from public.projects where id = ${ID.project}`;
  await sql`delete from public.candidates where id = ${ID.victim}`;
  await sql`delete from auth.users where id = ${ID.attacker}`;
}

/** A project managed by `manager`, crew's candidate staffed on it with a submitted claim; a
 * victim candidate with a bank account; one pending and one approved payment to the victim. */
async function fixtures(): Promise<{ crewCandidate: string }> {
  await cleanup();
  const sql = db();
  const [crew] = await sql`select id from public.candidates where user_id = ${DEMO.crew}`;
  await sql`insert into auth.users (id, email, raw_app_meta_data)
            values (${ID.attacker}, 'attacker@crew.local', '{"role": "crew"}')`;
  await sql`insert into public.projects (id, title, status, start_date, end_date, budget, manager_id)
            values (${ID.project}, 'Data API probe', 'active', '2026-11-01', '2026-11-30', 50000,
                    ${DEMO.manager})`;
  await sql`insert into public.candidates (id, full_name, ic_number)
            values (${ID.victim}, 'Victim Probe', '900101995678')`;
  await sql`insert into public.candidate_bank_accounts (candidate_id, bank_name, account_number,
                                                        account_holder)
            values (${ID.victim}, 'Maybank', '5550009999', 'Victim Probe')`;
  await sql`insert into public.project_staff (id, project_id, candidate_id, status, daily_rate)
            values (${ID.staff}, ${ID.project}, ${crew.id}, 'confirmed', 200)`;
  await sql`insert into public.expense_claims (id, candidate_id, project_id, category, amount,
                                               status)
            values (${ID.claim}, ${crew.id}, ${ID.project}, 'meals', 25, 'submitted')`;
  await sql`insert into public.payments (id, project_id, candidate_id, amount, payment_date,
                                         status, created_by)
            values (${ID.pending}, ${ID.project}, ${ID.victim}, 100, ${PAY_DATE}, 'pending',
                    ${DEMO.finance}),
                   (${ID.approved}, ${ID.project}, ${ID.victim}, 100, ${PAY_DATE}, 'approved',
                    ${DEMO.finance})`;
  return { crewCandidate: crew.id };
}

/** The rows a named case may touch, as they stand (to compare before and after). */
async function snapshot() {
  const sql = db();
  return {
    victim: await sql`select user_id, ic_number from public.candidates where id = ${ID.victim}`,
    bank: await sql`select * from public.candidate_bank_accounts where candidate_id = ${ID.victim}`,
    payments: await sql`select id, status, amount, approved_by, created_by from public.payments
                         where project_id = ${ID.project} order by id`,
    claims: await sql`select id, status, decided_by, decided_at, created_by
                        from public.expense_claims where project_id = ${ID.project} order by id`,
  };
}

Deno.test("Data API: the review's escalations (points 1–3) are refused and change nothing", async () => {
  const { crewCandidate } = await fixtures();
  const attacker = await mintUserJwt(ID.attacker, "crew");
  const cases: Array<[string, Principal | string, string]> = [
    [
      "1. a manager re-links someone else's candidate to a crew login",
      "manager",
      `update public.candidates set user_id = '${ID.attacker}' where id = '${ID.victim}'`,
    ],
    [
      "1. a manager changes a candidate's IC",
      "manager",
      `update public.candidates set ic_number = '900101995679' where id = '${ID.victim}'`,
    ],
    [
      "1. a crew member overwrites a bank account number",
      attacker,
      `update public.candidate_bank_accounts set account_number = '1111222233'
        where candidate_id = '${ID.victim}'`,
    ],
    [
      "2. crew insert a claim already submitted and decided by finance",
      "crew",
      `insert into public.expense_claims (candidate_id, project_id, category, amount, status,
                                          decided_by, decided_at)
       values ('${crewCandidate}', '${ID.project}', 'transport', 40, 'submitted',
               '${DEMO.finance}', now())`,
    ],
    [
      "2. finance insert a payment already approved by someone else",
      "finance",
      `insert into public.payments (project_id, candidate_id, amount, payment_date, status,
                                    approved_by, approved_at)
       values ('${ID.project}', '${ID.victim}', 900, '${PAY_DATE}', 'approved', '${DEMO.admin}',
               now())`,
    ],
    [
      "2. finance raise the amount of an approved payment",
      "finance",
      `update public.payments set amount = 10000 where id = '${ID.approved}'`,
    ],
    [
      "2. finance approve a payment in another user's name",
      "finance",
      `update public.payments set status = 'approved', approved_by = '${DEMO.admin}'
        where id = '${ID.pending}'`,
    ],
    [
      "2. finance decide a claim in another user's name",
      "finance",
      `update public.expense_claims set status = 'approved', decided_by = '${DEMO.admin}'
        where id = '${ID.claim}'`,
    ],
    [
      "2. created_by rewritten",
      "admin",
      `update public.payments set created_by = '${DEMO.manager}' where id = '${ID.pending}'`,
    ],
    [
      "3. crew read a project's budget",
      "crew",
      `select budget from public.projects where id = '${ID.project}'`,
    ],
    [
      "3. crew read project_totals",
      "crew",
      `select * from public.project_totals where project_id = '${ID.project}'`,
    ],
  ];
  try {
    const before = await snapshot();
    const escalations: string[] = [];
    for (const [name, who, statement] of cases) {
      const token = tokens.get(who as Principal) ?? who;
      // Committed, as PostgREST commits a successful request.
      const result = await api.run(token, statement, { commit: true });
      if (!refused(result)) escalations.push(`${name}: must be refused, got ${describe(result)}`);
    }
    assert.deepEqual(escalations, [], escalations.join("\n"));
    assert.deepEqual(await snapshot(), before, "nothing changed");
  } finally {
    await cleanup();
  }
});

Deno.test({
  name: "close connections",
  fn: async () => {
    await api.end();
    await closeDb();
  },
});
