/**
 * Issue 10.2 and 10.4: forged cursors on every list are a 400 `bad_request` (they used to reach
 * a JS Date and answer 500), and the small refusals: a reversed dashboard range, sub-resources
 * of an unknown candidate, the payment summary saying which dates it covers, text Postgres
 * cannot store refused at the boundary with its field, and the gateway's own errors carrying a
 * request id.
 */
import assert from "node:assert/strict";
import { closeDb, db, env, invoke } from "../../helpers/client.ts";

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
  const lists = [
    "projects",
    "projects?sort=created_at&order=asc",
    "projects?sort=title",
    "candidates",
    "candidates?q=ali",
    `candidates/${candidate.id}/assignments`,
    "claims",
    "payments",
    `projects/${project.id}/staff`,
  ];
  // A real cursor of one listing is refused by another.
  const first = await invoke<{ next_cursor: string }>("admin", "projects?limit=1");
  assert.ok(first.data.next_cursor);
  for (const list of lists) {
    const sep = list.includes("?") ? "&" : "?";
    const cursors = [...FORGED, ...(list === "projects" ? [] : [first.data.next_cursor])];
    for (const cursor of cursors) {
      const res = await invoke<{ error: { code: string; details?: Record<string, string> } }>(
        "admin",
        `${list}${sep}cursor=${encodeURIComponent(cursor)}`,
      );
      assert.equal(res.status, 400, `${list} with ${cursor.slice(0, 40)}: ${res.status}`);
      assert.equal(res.data.error.code, "bad_request");
      assert.ok(res.data.error.details?.cursor);
    }
  }
});

Deno.test("dashboard: a reversed range is 400 like every other range", async () => {
  const res = await invoke<{ error: { code: string; details: Record<string, string> } }>(
    "admin",
    "projects/dashboard?from=2026-05-01&to=2026-04-01",
  );
  assert.equal(res.status, 400);
  assert.equal(res.data.error.code, "validation_failed");
  assert.ok(res.data.error.details.to);
});

Deno.test("an unknown candidate's earnings and assignments are 404, like its detail", async () => {
  for (const path of ["", "/earnings", "/assignments"]) {
    const res = await invoke<{ error: { code: string } }>("admin", `candidates/${someId}${path}`);
    assert.equal(res.status, 404, path);
    assert.equal(res.data.error.code, "not_found");
  }
});

Deno.test("payments summary answers with the whole months it covers", async () => {
  const res = await invoke<{ from: string; to: string; months: { month: string }[] }>(
    "finance",
    "payments/summary?from=2025-03-17&to=2025-06-02",
  );
  assert.equal(res.status, 200);
  assert.equal(res.data.from, "2025-03-01");
  assert.equal(res.data.to, "2025-06-30");
  for (const m of res.data.months) assert.ok(m.month >= "2025-03-01" && m.month <= "2025-06-30");
});

Deno.test("NUL bytes and unpaired surrogates are 400 naming the field; nothing is written", async () => {
  const title = `edges ${crypto.randomUUID()}`;
  for (
    const [path, method, body] of [
      ["projects", "POST", {
        title: `${title}\u0000x`,
        start_date: "2030-01-01",
        end_date: "2030-01-02",
      }],
      ["projects", "POST", {
        title,
        venue: "Hall \ud800",
        start_date: "2030-01-01",
        end_date: "2030-01-02",
      }],
      ["projects/batch", "POST", {
        items: [{
          op: "create",
          data: { title: "\udc00", start_date: "2030-01-01", end_date: "2030-01-02" },
        }],
      }],
    ] as const
  ) {
    const res = await invoke<{ error: { code: string; details: Record<string, string> } }>(
      "admin",
      path,
      { method, body },
    );
    assert.equal(res.status, 400, JSON.stringify(res.data));
    assert.equal(res.data.error.code, "validation_failed");
    const fields = Object.keys(res.data.error.details);
    assert.ok(
      fields.some((f) => ["title", "venue", "items.0.data.title"].includes(f)),
      `fields ${fields}`,
    );
  }
  const query = await invoke<{ error: { details: Record<string, string> } }>(
    "admin",
    "projects?q=%00",
  );
  assert.equal(query.status, 400);
  assert.ok(query.data.error.details.q);
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
