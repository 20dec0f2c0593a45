/** shared/cursor.ts: the one keyset cursor — round trips, and refuses whatever it did not issue. */
import assert from "node:assert/strict";
import { AppError } from "../../shared/errors.ts";
import {
  decodeCursor,
  encodeCursor,
  type Listing,
  pageOf,
  type Position,
} from "../../shared/cursor.ts";

const byCreated: Listing = { list: "claims", sort: "created_at:desc", type: "timestamptz" };
const byDate: Listing = { list: "payments", sort: "payment_date:desc", type: "date" };
const byTitle: Listing = { list: "projects", sort: "title:asc", type: "text" };
const id = "0b8f7a9e-1c2d-4e5f-8a7b-9c0d1e2f3a4b";

function refused(listing: Listing, raw: string): void {
  assert.throws(() => decodeCursor(listing, raw), (e) => {
    assert.ok(e instanceof AppError);
    assert.equal(e.status, 400);
    assert.equal(e.code, "bad_request");
    assert.deepEqual(e.details, { cursor: "Not a cursor of this listing" });
    return true;
  }, raw);
}

/** A cursor-shaped string carrying `body` as its JSON, to forge what the API never issues. */
const forged = (body: unknown) =>
  btoa(JSON.stringify(body)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");

Deno.test("cursor: a position round-trips at full precision, text included", () => {
  const positions: [Listing, Position][] = [
    [byCreated, { v: "2026-12-01 20:03:12.123456+00", id }],
    [byDate, { v: "2026-02-28", id }],
    [byTitle, { v: 'Gala «Ünïcode» 50% _x_ "quoted"', id }],
  ];
  for (const [listing, position] of positions) {
    const raw = encodeCursor(listing, position);
    assert.match(raw, /^[A-Za-z0-9_-]+$/, "URL-safe without escaping");
    assert.deepEqual(decodeCursor(listing, raw), position);
  }
  assert.equal(decodeCursor(byCreated, undefined), null);
  assert.equal(decodeCursor(byCreated, ""), null);
});

Deno.test("cursor: another listing's cursor, or another sort's, is refused", () => {
  const raw = encodeCursor(byCreated, { v: "2026-12-01 20:03:12+00", id });
  refused({ ...byCreated, list: "payments" }, raw);
  refused({ ...byCreated, sort: "created_at:asc" }, raw);
});

Deno.test("cursor: values the sort column cannot hold never reach SQL", () => {
  const tag = `${byDate.list}:${byDate.sort}`;
  for (const v of ["2026-02-30", "2026-13-01", "yesterday", "2026-02-28'; drop table x;--", 7]) {
    refused(byDate, forged({ l: tag, v, id }));
  }
  const ts = `${byCreated.list}:${byCreated.sort}`;
  for (const v of ["2026-12-01 24:00:00+00", "2026-12-01", "2026-12-01 20:03:12.1234567+00"]) {
    refused(byCreated, forged({ l: ts, v, id }));
  }
  const text = `${byTitle.list}:${byTitle.sort}`;
  refused(byTitle, forged({ l: text, v: "nul\u0000inside", id }));
  refused(byTitle, forged({ l: text, v: "x".repeat(401), id }));
});

Deno.test("cursor: junk, wrong ids and extra fields are 400, never a 500", () => {
  const tag = `${byTitle.list}:${byTitle.sort}`;
  for (
    const raw of [
      "not a cursor!",
      "Zm9v", // "foo"
      "x".repeat(1001),
      forged([tag, "a", id]),
      forged({ l: tag, v: "a", id: "not-a-uuid" }),
      forged({ l: tag, v: "a", id, extra: 1 }),
      forged(null),
      btoa("\xff\xfe").replace(/=+$/, ""), // not UTF-8
    ]
  ) refused(byTitle, raw);
});

Deno.test("cursor: pageOf sends `limit` rows and a cursor only when there is more", () => {
  const rows = [1, 2, 3].map((n) => ({ id: `${id.slice(0, -1)}${n}`, title: `t${n}` }));
  const at = (r: { id: string; title: string }) => ({ v: r.title, id: r.id });
  const full = pageOf(byTitle, rows, 2, at);
  assert.deepEqual(full.rows, rows.slice(0, 2));
  assert.deepEqual(decodeCursor(byTitle, full.next_cursor!), { v: "t2", id: rows[1].id });
  const last = pageOf(byTitle, rows, 3, at);
  assert.equal(last.rows.length, 3);
  assert.equal(last.next_cursor, null);
});
