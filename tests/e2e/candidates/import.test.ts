/**
 * Bulk import through the real function: upsert by IC, all-or-nothing on a bad row (422 with
 * per-row errors, database unchanged), duplicate ICs within a file, and a full 5000-row file.
 */
import assert from "node:assert/strict";
import { closeDb, crewAs, db, failsWith, invoke, routesAs } from "../../helpers/client.ts";
import type { CandidateImport } from "../../../client/index.ts";
import { dashed, freshIcs, makeCandidate, makeUser } from "./fixtures.ts";

// deno-lint-ignore no-explicit-any
type Body = Record<string, any>;

/** POST /candidates/import as `who`, with the answer's status. */
const importAs = (who: Parameters<typeof routesAs>[0], body: CandidateImport) =>
  routesAs(who).candidates("post", "/candidates/import")({ body });

async function countTagged(tag: string): Promise<number> {
  const [row] = await db()`
    select count(*)::int as n from public.candidates where full_name like ${`%${tag}%`}`;
  return row.n;
}

Deno.test({
  name: "candidates import",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const tag = `imp${crypto.randomUUID().slice(0, 8)}`;

    await t.step("inserts new ICs and updates existing ones, keeping omitted fields", async () => {
      const existing = await makeCandidate(`Old Name ${tag}`, null, { skills: ["keep"] });
      await db()`update public.candidates set phone = '0111111111' where id = ${existing.id}`;
      const [a, b] = await freshIcs(2);
      const res = await importAs("admin", {
        rows: [
          { full_name: `New A ${tag}`, ic_number: dashed(a), skills: ["audio"] },
          { full_name: `New B ${tag}`, ic_number: b },
          { full_name: `Renamed ${tag}`, ic_number: dashed(existing.ic), status: "inactive" },
        ],
      });
      assert.equal(res.status, 200, JSON.stringify(res.data));
      assert.deepEqual(res.data, { inserted: 2, updated: 1 });
      const [row] = await db()`
        select full_name, phone, status, skills from public.candidates where id = ${existing.id}`;
      assert.equal(row.full_name, `Renamed ${tag}`);
      assert.equal(row.phone, "0111111111");
      assert.equal(row.status, "inactive");
      assert.deepEqual(row.skills, ["keep"]);
      const [n] =
        await db()`select count(*)::int as n from public.candidates where ic_number = ${a}`;
      assert.equal(n.n, 1);
      // The record cache was invalidated: a read shows the import's values.
      const read = await crewAs("admin").candidates.getById(existing.id);
      assert.equal(read.full_name, `Renamed ${tag}`);
    });

    await t.step("one bad row → 422 with per-row errors, nothing written", async () => {
      const bad = `bad${tag}`;
      const ics = await freshIcs(4);
      const before = await countTagged(bad);
      // Raw: rows the types forbid (an unknown field, a string instead of an object).
      const res = await invoke<Body>("admin", "candidates/import", {
        method: "POST",
        body: {
          rows: [
            { full_name: `One ${bad}`, ic_number: ics[0] },
            { full_name: `Two ${bad}`, ic_number: "991332145678" },
            { full_name: `Three ${bad}`, ic_number: ics[1], email: "not-an-email" },
            { full_name: `Four ${bad}`, ic_number: ics[2], extra: 1 },
            { full_name: `Five ${bad}`, ic_number: dashed(ics[0]) },
            "not an object",
            { full_name: `Six ${bad}`, ic_number: ics[3] },
          ],
        },
      });
      assert.equal(res.status, 422, JSON.stringify(res.data));
      assert.equal(res.data.error.code, "unprocessable");
      const rows = res.data.error.details.rows;
      assert.deepEqual(Object.keys(rows).sort(), ["1", "2", "3", "4", "5"]);
      assert.ok(rows["1"].ic_number);
      assert.ok(rows["2"].email);
      assert.ok(rows["3"].extra);
      assert.match(rows["4"].ic_number, /row 0/);
      assert.equal(res.data.error.details.invalid_rows, 5);
      assert.equal(await countTagged(bad), before);
      assert.equal(before, 0);
    });

    await t.step("roles: admin and manager only; empty or oversized files are 400", async () => {
      const manager = await makeUser("manager", tag);
      const [ic] = await freshIcs(1);
      const ok = await importAs({ token: manager.token }, {
        rows: [{ full_name: `Mgr ${tag}`, ic_number: ic }],
      });
      assert.equal(ok.status, 200, JSON.stringify(ok.data));
      const crew = await makeUser("crew", tag);
      for (const who of ["finance", { token: crew.token }] as const) {
        await failsWith(
          crewAs(who).candidates.import({ rows: [{ full_name: `No ${tag}`, ic_number: ic }] }),
          403,
        );
      }
      await failsWith(crewAs("admin").candidates.import({ rows: [] }), 400);
      // Raw: rows without the required fields (the types forbid `{}`).
      const tooMany = await invoke<Body>("admin", "candidates/import", {
        method: "POST",
        body: { rows: Array.from({ length: 5001 }, () => ({})) },
      });
      assert.equal(tooMany.status, 400);
    });

    await t.step("5000 rows in one call", async () => {
      const big = `big${tag}`;
      const ics = await freshIcs(5000);
      const rows = ics.map((ic, i) => ({
        full_name: `Crew ${i} ${big}`,
        ic_number: i % 2 ? dashed(ic) : ic,
        phone: "0123456789",
        skills: ["general"],
      }));
      const res = await importAs("admin", { rows });
      assert.equal(res.status, 200, JSON.stringify(res.data).slice(0, 500));
      assert.deepEqual(res.data, { inserted: 5000, updated: 0 });
      assert.equal(await countTagged(big), 5000);
      // The same file again updates every row and inserts none.
      const again = await crewAs("admin").candidates.import({ rows });
      assert.deepEqual(again, { inserted: 0, updated: 5000 });
      assert.equal(await countTagged(big), 5000);
    });

    await closeDb();
  },
});
