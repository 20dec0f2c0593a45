/**
 * Issue 10.2 and 10.4: forged cursors on every list are a 400 `bad_request` (they used to reach
 * a JS Date and answer 500), and the small refusals: a reversed dashboard range, sub-resources
 * of an unknown candidate, the payment summary saying which dates it covers, text Postgres
 * cannot store refused at the boundary with its field, and the gateway's own errors carrying a
 * request id.
 */
import assert from "node:assert/strict";
import { closeDb, crewAs, db, env, failsWith, routesAs } from "../../helpers/client.ts";

const b64 = (value: unknown) =>
  btoa(JSON.stringify(value)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
const someId = "00000000-0000-4000-a000-000000000099";

const FORGED = [
  b64({ v: "2025-13-45", id: someId }),
  b64({ v: { a: 1 }, id: someId }),
  b64({ v: "2025-01-01 10:00:00+00", id: "not-a-uuid" }),
  b64({ l: "projects:start_date:desc", v: "2025-02-30", id: someId }),
  b64({ l: "claims:created_at:desc", v: "2025-01-01 25:00:00+00", id: someId }),
  b64([1, 2]),
  b64(null),
  "!!!not-base64!!!",
  "A".repeat(1200),
];

Deno.test("a forged cursor is 400 bad_request on every list", async () => {
  const [candidate] = await db()`select id from public.candidates order by id limit 1`;
  const [project] = await db()`select project_id as id from public.project_staff limit 1`;
  const admin = crewAs("admin");
  const lists: [string, (cursor: string) => Promise<unknown>][] = [
    ["projects", (cursor) => admin.projects.list({ cursor })],
    [
      "projects?sort=created_at&order=asc",
      (cursor) => admin.projects.list({ sort: "created_at", order: "asc", cursor }),
    ],
    ["projects?sort=title", (cursor) => admin.projects.list({ sort: "title", cursor })],
    ["candidates", (cursor) => admin.candidates.list({ cursor })],
    ["candidates?q=ali", (cursor) => admin.candidates.list({ q: "ali", cursor })],
    [
      `candidates/${candidate.id}/assignments`,
      (cursor) => admin.candidates.assignments.list(candidate.id, { cursor }),
    ],
    ["claims", (cursor) => admin.claims.list({ cursor })],
    ["payments", (cursor) => admin.payments.list({ cursor })],
    [`projects/${project.id}/staff`, (cursor) => admin.projects.staff.list(project.id, { cursor })],
  ];
  // A real cursor of one listing is refused by another.
  const first = await admin.projects.list({ limit: 1 });
  assert.ok(first.next_cursor);
  const real = first.next_cursor;
  for (const [list, listWith] of lists) {
    const cursors = [...FORGED, ...(list === "projects" ? [] : [real])];
    for (const cursor of cursors) {
      const error = await failsWith(listWith(cursor), 400, "bad_request").catch((e) => {
        throw new Error(`${list} with ${cursor.slice(0, 40)}: ${e}`);
      });
      assert.ok(error.details?.cursor);
    }
  }
});

Deno.test("dashboard: a reversed range is 400 like every other range", async () => {
  const error = await failsWith(
    crewAs("admin").projects.dashboard({ from: "2026-05-01", to: "2026-04-01" }),
    400,
    "validation_failed",
  );
  assert.ok(error.details?.to);
});

Deno.test("an unknown candidate's earnings and assignments are 404, like its detail", async () => {
  const candidates = crewAs("admin").candidates;
  for (
    const call of [
      () => candidates.getById(someId),
      () => candidates.earnings(someId),
      () => candidates.assignments.list(someId),
    ]
  ) {
    await failsWith(call(), 404, "not_found");
  }
});

Deno.test("payments summary answers with the whole months it covers", async () => {
  const res = await routesAs("finance").payments("get", "/payments/summary")({
    query: { from: "2025-03-17", to: "2025-06-02" },
  });
  assert.equal(res.status, 200);
  assert.equal(res.data.from, "2025-03-01");
  assert.equal(res.data.to, "2025-06-30");
  for (const m of res.data.months) assert.ok(m.month >= "2025-03-01" && m.month <= "2025-06-30");
});

Deno.test("NUL bytes and unpaired surrogates are 400 naming the field; nothing is written", async () => {
  const title = `edges ${crypto.randomUUID()}`;
  const projects = crewAs("admin").projects;
  for (
    const call of [
      () =>
        projects.create({
          title: `${title}\u0000x`,
          start_date: "2030-01-01",
          end_date: "2030-01-02",
        }),
      () =>
        projects.create({
          title,
          venue: "Hall \ud800",
          start_date: "2030-01-01",
          end_date: "2030-01-02",
        }),
      () =>
        projects.batch({
          items: [{
            op: "create",
            data: { title: "\udc00", start_date: "2030-01-01", end_date: "2030-01-02" },
          }],
        }),
    ]
  ) {
    const error = await failsWith(call(), 400, "validation_failed");
    const fields = Object.keys(error.details ?? {});
    assert.ok(
      fields.some((f) => ["title", "venue", "items.0.data.title"].includes(f)),
      `fields ${fields}`,
    );
  }
  const query = await failsWith(projects.list({ q: "\u0000" }), 400);
  assert.ok(query.details?.q);
  const [{ n }] =
    await db()`select count(*)::int as n from public.projects where title like ${`${title}%`}`;
  assert.equal(n, 0);
});

Deno.test("the gateway's own 401 and 404 bodies carry a request id", async () => {
  const base = `${env("SUPABASE_URL")}/functions/v1`;
  for (
    const [url, status] of [
      [`${base}/projects`, 401],
      [`${base}/no-such-function`, 404],
      [`${env("SUPABASE_URL")}/elsewhere`, 404],
    ] as const
  ) {
    const res = await fetch(url, {
      headers: status === 401 ? {} : { authorization: `Bearer ${env("SUPABASE_ANON_KEY")}` },
    });
    const body = await res.json();
    assert.equal(res.status, status, url);
    assert.ok(typeof body.request_id === "string" && body.request_id.length >= 8, url);
    assert.equal(res.headers.get("x-request-id"), body.request_id);
  }
  const mine = "edges-request-id-1234";
  const res = await fetch(`${base}/projects`, { headers: { "x-request-id": mine } });
  assert.equal((await res.json()).request_id, mine, "an incoming id is kept");
});

Deno.test("edges: close db", async () => {
  await closeDb();
});
