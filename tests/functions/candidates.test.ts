/**
 * End to end: every candidates route through supabase-js → gateway → function process, for each
 * app role — happy paths, bad input (status, error shape, database unchanged), forbidden access
 * (status, nothing leaked), and the cache handing nothing to callers who may not see it.
 */
import assert from "node:assert/strict";
import { closeDb, db, invoke } from "../_helpers/client.ts";
import { dashed, makeCandidate, makeWorld, uniqueIc, type World } from "./candidates_fixtures.ts";

// deno-lint-ignore no-explicit-any
type Body = Record<string, any>;

const as = (token: string) => ({ token });

function assertError(res: { status: number; data: Body }, status: number, code: string) {
  assert.equal(res.status, status, JSON.stringify(res.data));
  assert.equal(res.data.error?.code, code, JSON.stringify(res.data));
  assert.equal(typeof res.data.error?.message, "string");
}

async function countByName(name: string): Promise<number> {
  const [row] =
    await db()`select count(*)::int as n from public.candidates where full_name = ${name}`;
  return row.n;
}

Deno.test({
  name: "candidates function",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const w: World = await makeWorld();
    const tag = w.tag;

    await t.step("create: admin and manager; IC normalized; others refused", async () => {
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
    });

    await t.step(
      "create: bad IC format, impossible date, unknown field → 400; nothing written",
      async () => {
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
      },
    );

    await t.step("create: duplicate IC → 409, one row stays", async () => {
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
    });

    await t.step("get: full IC for staff and self; bank only for admin/finance/self", async () => {
      await db()`
        insert into public.candidate_bank_accounts (candidate_id, bank_name, account_number, account_holder)
        values (${w.crew.candidateId}, 'Maybank', '1122334455', 'Aminah')`;
      for (const who of ["admin", "finance", { token: w.crew.token }] as const) {
        const res = await invoke<Body>(who, `candidates/${w.crew.candidateId}`);
        assert.equal(res.status, 200, JSON.stringify(res.data));
        assert.equal(res.data.ic_number, w.crew.ic);
        assert.equal(res.data.bank?.account_number, "1122334455");
        assert.ok(["l1", "l2", "loader", "joined"].includes(res.headers.get("x-cache")!));
      }
      const mgr = await invoke<Body>(as(w.manager.token), `candidates/${w.crew.candidateId}`);
      assert.equal(mgr.status, 200);
      assert.equal(mgr.data.ic_number, w.crew.ic);
      assert.ok(!("bank" in mgr.data), "managers never see bank details");
      assert.ok(!JSON.stringify(mgr.data).includes("1122334455"));
    });

    await t.step("get: crew asking for someone else → 404, no IC, even when cached", async () => {
      // Admin's read above filled the shared entry for crew; crew2 must not be served from it.
      const res = await invoke<Body>(as(w.crew2.token), `candidates/${w.crew.candidateId}`);
      assertError(res, 404, "not_found");
      assert.ok(!JSON.stringify(res.data).includes(w.crew.ic));
      // And an uncached one (nobody read it yet).
      const other = await makeCandidate(`Uncached ${tag}`);
      const miss = await invoke<Body>(as(w.crew2.token), `candidates/${other.id}`);
      assertError(miss, 404, "not_found");
      // The crew miss cached nothing wrong: admin still gets the record.
      const admin = await invoke<Body>("admin", `candidates/${other.id}`);
      assert.equal(admin.data.ic_number, other.ic);
      const missing = await invoke<Body>("admin", `candidates/${crypto.randomUUID()}`);
      assertError(missing, 404, "not_found");
      const badId = await invoke<Body>("admin", "candidates/not-a-uuid");
      assertError(badId, 400, "validation_failed");
    });

    await t.step("me: the caller's own record", async () => {
      const me = await invoke<Body>(as(w.crew2.token), "candidates/me");
      assert.equal(me.status, 200);
      assert.equal(me.data.id, w.crew2.candidateId);
      assert.equal(me.data.ic_number, w.crew2.ic);
      assertError(await invoke<Body>("admin", "candidates/me"), 404, "not_found");
    });

    await t.step("search: name, IC, status, skills; IC masked; keyset pages", async () => {
      const names = ["Alpha", "Bravo", "Charlie"].map((n) => `Zulkifli ${n} ${tag}`);
      const made = [];
      for (const n of names) made.push(await makeCandidate(n, null, { skills: ["audio", tag] }));
      const first = await invoke<Body>(
        "manager",
        `candidates?q=${encodeURIComponent(tag)}&skills=${tag}&limit=2`,
      );
      assert.equal(first.status, 200, JSON.stringify(first.data));
      assert.equal(first.data.data.length, 2);
      assert.ok(first.data.next_cursor);
      const second = await invoke<Body>(
        "finance",
        `candidates?q=${
          encodeURIComponent(tag)
        }&skills=${tag}&limit=2&cursor=${first.data.next_cursor}`,
      );
      assert.equal(second.status, 200);
      assert.equal(second.data.data.length, 1);
      assert.equal(second.data.next_cursor, null);
      const ids = [...first.data.data, ...second.data.data].map((c: Body) => c.id).sort();
      assert.deepEqual(ids, made.map((m) => m.id).sort());
      for (const c of [...first.data.data, ...second.data.data]) {
        assert.match(c.ic_number, /^\*{6}-\*{2}-\d{4}$/);
        assert.ok(!("date_of_birth" in c));
      }

      const byIc = await invoke<Body>("admin", `candidates?ic=${dashed(made[1].ic)}`);
      assert.equal(byIc.data.data.length, 1);
      assert.equal(byIc.data.data[0].id, made[1].id);
      assert.equal(byIc.data.data[0].ic_number, `******-**-${made[1].ic.slice(-4)}`);
      assert.ok(!JSON.stringify(byIc.data).includes(made[1].ic));

      const inactive = await invoke<Body>("admin", `candidates?skills=${tag}&status=inactive`);
      assert.equal(inactive.data.data.length, 0);
      const noSkill = await invoke<Body>("admin", `candidates?skills=${tag},juggling`);
      assert.equal(noSkill.data.data.length, 0);

      assertError(await invoke<Body>(as(w.crew.token), `candidates?q=${tag}`), 403, "forbidden");
      assertError(await invoke<Body>("admin", "candidates?limit=0"), 400, "validation_failed");
      assertError(await invoke<Body>("admin", "candidates?ic=123"), 400, "validation_failed");
      assertError(await invoke<Body>("admin", "candidates?cursor=zzz"), 400, "bad_request");
      assertError(await invoke<Body>("anon", "candidates"), 401, "unauthorized");
    });

    await t.step("patch: roles and field rules; reads see the change", async () => {
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
    });

    await t.step("bank: admin, finance, self; manager and others refused", async () => {
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
    });

    await t.step("assignments: scoped per role, paged", async () => {
      const path = `candidates/${w.crew2.candidateId}/assignments`;
      const admin = await invoke<Body>("admin", path);
      assert.equal(admin.status, 200);
      assert.equal(admin.data.data.length, 2);
      assert.ok(admin.data.data.every((a: Body) => typeof a.project_title === "string"));
      const self = await invoke<Body>(as(w.crew2.token), path);
      assert.equal(self.data.data.length, 2);
      // manager sees only the assignment on their own project
      const mgr = await invoke<Body>(as(w.manager2.token), path);
      assert.equal(mgr.data.data.length, 1);
      assert.equal(mgr.data.data[0].project_id, w.project2Id);
      const p1 = await invoke<Body>("finance", `${path}?limit=1`);
      assert.equal(p1.data.data.length, 1);
      const p2 = await invoke<Body>("finance", `${path}?limit=1&cursor=${p1.data.next_cursor}`);
      assert.equal(p2.data.data.length, 1);
      assert.notEqual(p1.data.data[0].id, p2.data.data[0].id);
      assert.equal(p2.data.next_cursor, null);
      assert.match(p1.data.data[0].daily_rate, /^\d+\.\d{2}$/);
      assertError(await invoke<Body>(as(w.crew.token), path), 404, "not_found");
    });

    await t.step(
      "earnings: reporting totals + live open amount; admin, finance, self",
      async () => {
        const today = new Date().toISOString().slice(0, 10);
        await db()`
        insert into public.payments (project_id, candidate_id, amount, payment_date, status)
        values (${w.projectId}, ${w.crew.candidateId}, '100.50', ${today}, 'pending'),
               (${w.projectId}, ${w.crew.candidateId}, '20.00', ${today}, 'approved')`;
        const self = await invoke<Body>(
          as(w.crew.token),
          `candidates/${w.crew.candidateId}/earnings`,
        );
        assert.equal(self.status, 200, JSON.stringify(self.data));
        assert.equal(self.data.live_pending, "120.50");
        assert.equal(self.data.live_open_count, 2);
        assert.match(self.data.total_paid, /^\d+\.\d{2}$/);
        const fin = await invoke<Body>("finance", `candidates/${w.crew.candidateId}/earnings`);
        assert.equal(fin.data.live_pending, "120.50");
        assertError(
          await invoke<Body>(as(w.manager.token), `candidates/${w.crew.candidateId}/earnings`),
          403,
          "forbidden",
        );
        assertError(
          await invoke<Body>(as(w.crew2.token), `candidates/${w.crew.candidateId}/earnings`),
          404,
          "not_found",
        );
      },
    );

    await t.step("stats: admin only", async () => {
      const res = await invoke<Body>("admin", "candidates/stats");
      assert.equal(res.status, 200);
      assert.ok(res.data.cache && res.data.pool);
      assertError(await invoke<Body>("manager", "candidates/stats"), 403, "forbidden");
    });

    await closeDb();
  },
});
