/**
 * The typed client (client/) over the real supabase-js, whose `fetch` is a fake server: URLs
 * and bodies it sends, answers and errors it maps to `CrewApiError`, the retry rule (429 / 503
 * with Retry-After, bounded; a payment create retried with the same key) and paging. No network.
 */
import assert from "node:assert/strict";
import { createClient } from "@supabase/supabase-js";
import { createCrewClient, CrewApiError, type CrewClientOptions } from "../../client/index.ts";
import { RETRY_DEFAULTS, retryDelayMs } from "../../client/retry.ts";
import { retryAfterSeconds } from "../../client/errors.ts";

const BASE = "http://crew.test";
const ID = "00000000-0000-4000-a000-000000000001";

interface Seen {
  method: string;
  /** Path and query after `/functions/v1/`. */
  path: string;
  headers: Headers;
  body: unknown;
}

type Answer = Response | Error | ((seen: Seen) => Response | Error);

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });

const apiError = (status: number, code: string, headers: Record<string, string> = {}) =>
  json({ error: { code, message: `${code} here` }, request_id: `req-${code}` }, status, headers);

/** A crew client whose server answers `answers` in turn; `seen` records each request. */
function fake(answers: Answer[], options: CrewClientOptions = {}) {
  const seen: Seen[] = [];
  const waits: number[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input));
    const text = typeof init?.body === "string" ? init.body : undefined;
    const one: Seen = {
      method: init?.method ?? "GET",
      path: url.pathname.replace("/functions/v1/", "") + url.search,
      headers: new Headers(init?.headers),
      body: text ? JSON.parse(text) : undefined,
    };
    seen.push(one);
    const next = answers.shift();
    if (!next) throw new Error(`no answer left for ${one.method} ${one.path}`);
    const answer = typeof next === "function" ? next(one) : next;
    if (answer instanceof Error) throw answer;
    return await Promise.resolve(answer);
  };
  const supabase = createClient(BASE, "anon-key", {
    auth: { persistSession: false, autoRefreshToken: false },
    global: { fetch },
  });
  const crew = createCrewClient(supabase, {
    sleep: (ms) => {
      waits.push(ms);
      return Promise.resolve();
    },
    ...options,
  });
  return { crew, seen, waits };
}

const payment = {
  id: ID,
  project_id: ID,
  candidate_id: ID,
  amount: "150.00",
  payment_date: "2026-11-26",
  status: "pending",
  method: "bank_transfer",
};
const paymentBody = {
  project_id: ID,
  candidate_id: ID,
  amount: "150.00",
  payment_date: "2026-11-26",
};

Deno.test("client: paths, queries, bodies and headers go where the routes say", async () => {
  const { crew, seen } = fake([
    json({ project: { id: ID } }),
    json({ data: [], next_cursor: null }),
    json({ id: ID }),
    new Response(null, { status: 204 }),
    json({ id: ID }),
  ]);
  await crew.projects.getById("a/b c");
  await crew.candidates.list({ q: "ali & co", status: "active", limit: 5 });
  await crew.projects.update(ID, { title: "New" }, { ifMatch: "2026-11-26T00:00:00Z" });
  assert.equal(await crew.projects.staff.remove(ID, "s1"), undefined);
  await crew.claims.approve(ID);
  assert.deepEqual(seen.map((s) => `${s.method} ${s.path}`), [
    "GET projects/a%2Fb%20c",
    "GET candidates?q=ali%20%26%20co&status=active&limit=5",
    `PATCH projects/${ID}`,
    `DELETE projects/${ID}/staff/s1`,
    `POST claims/${ID}/approve`,
  ]);
  assert.deepEqual(seen[2].body, { title: "New" });
  assert.equal(seen[2].headers.get("if-match"), "2026-11-26T00:00:00Z");
  assert.equal(seen[0].headers.get("apikey"), "anon-key");
  assert.equal(seen[4].body, undefined);
});

Deno.test("client: every failure is one CrewApiError with status, code, details, requestId", async () => {
  const { crew } = fake([
    json({
      error: { code: "validation_failed", message: "The request is not valid", details: { a: 1 } },
      request_id: "req-1",
    }, 400),
    new Response("<html>bad gateway</html>", {
      status: 502,
      headers: { "x-request-id": "req-2", "content-type": "text/html" },
    }),
    new TypeError("connection refused"),
  ]);
  await assert.rejects(crew.projects.getById(ID), (e: unknown) => {
    assert.ok(e instanceof CrewApiError);
    assert.deepEqual(
      [e.status, e.code, e.message, e.details, e.requestId, e.route],
      [
        400,
        "validation_failed",
        "The request is not valid",
        { a: 1 },
        "req-1",
        "GET /projects/{id}",
      ],
    );
    return true;
  });
  await assert.rejects(crew.jobs.getById(ID), (e: unknown) => {
    assert.ok(e instanceof CrewApiError);
    assert.deepEqual([e.status, e.code, e.requestId], [502, "http_502", "req-2"]);
    assert.equal(e.headers?.get("content-type"), "text/html", "the answer's headers");
    return true;
  });
  // A POST that may have run is not retried on a network error: the caller decides.
  await assert.rejects(crew.claims.submit(ID), (e: unknown) => {
    assert.ok(e instanceof CrewApiError);
    assert.deepEqual([e.status, e.code, e.headers], [0, "network_error", undefined]);
    return true;
  });
});

Deno.test("client: 429 and 503 wait for Retry-After, then give up after the retries", async () => {
  const ok = json({ data: [], next_cursor: null });
  const { crew, seen, waits } = fake([
    apiError(429, "rate_limited", { "retry-after": "3" }),
    apiError(503, "db_unavailable", { "retry-after": "1" }),
    ok,
  ]);
  await crew.candidates.list({ q: "ali" });
  assert.equal(seen.length, 3);
  assert.deepEqual(waits, [3000, 1000], "the server's Retry-After, in ms");

  const events: number[] = [];
  const bounded = fake([
    apiError(503, "overloaded", { "retry-after": "1" }),
    apiError(503, "overloaded", { "retry-after": "1" }),
    apiError(503, "overloaded", { "retry-after": "1" }),
  ], { onRetry: (e) => events.push(e.retry) });
  await assert.rejects(bounded.crew.ops.overview(), (e: unknown) => {
    assert.ok(e instanceof CrewApiError);
    assert.deepEqual([e.status, e.code, e.retryAfterS, e.requestId], [
      503,
      "overloaded",
      1,
      "req-overloaded",
    ]);
    return true;
  });
  assert.equal(bounded.seen.length, 3, "the first try and two retries");
  assert.deepEqual(events, [1, 2]);

  // Asked to wait longer than maxWaitMs: the error goes to the caller at once.
  const long = fake([apiError(429, "rate_limited", { "retry-after": "60" })]);
  await assert.rejects(long.crew.projects.list(), (e: unknown) => {
    assert.ok(e instanceof CrewApiError);
    assert.equal(e.retryAfterS, 60);
    return true;
  });
  assert.deepEqual(long.waits, []);

  const off = fake([apiError(429, "rate_limited", { "retry-after": "1" })], {
    retry: { maxRetries: 0 },
  });
  await assert.rejects(off.crew.projects.list(), CrewApiError);
  assert.equal(off.seen.length, 1);
});

Deno.test("client: a write is retried on 503 only when it carries a key or was shed", async () => {
  const { crew, seen } = fake([apiError(503, "db_unavailable", { "retry-after": "1" })]);
  await assert.rejects(crew.claims.approve(ID), (e: unknown) => (e as CrewApiError).status === 503);
  assert.equal(seen.length, 1, "db_unavailable after a write may have committed: not repeated");

  const shed = fake([apiError(503, "overloaded", { "retry-after": "1" }), json({ id: ID })]);
  await shed.crew.claims.approve(ID);
  assert.equal(shed.seen.length, 2, "overloaded was refused before it ran");
});

Deno.test("client: payments.create retries with the same key and returns it", async () => {
  const { crew, seen, waits } = fake([
    new TypeError("network down"),
    apiError(503, "db_unavailable", { "retry-after": "2" }),
    json(payment, 201, { "idempotent-replayed": "true" }),
  ]);
  const created = await crew.payments.create(paymentBody);
  const keys = seen.map((s) => s.headers.get("idempotency-key"));
  assert.equal(seen.length, 3);
  assert.match(keys[0]!, /^[0-9a-f-]{36}$/, "a key was made");
  assert.deepEqual(keys, [keys[0], keys[0], keys[0]], "every retry sends the same key");
  assert.deepEqual(waits, [RETRY_DEFAULTS.fallbackDelayMs, 2000]);
  assert.deepEqual(created, { payment, idempotencyKey: keys[0], replayed: true });
  assert.deepEqual(seen[0].body, paymentBody);

  const mine = fake([json(payment, 201)]);
  const first = await mine.crew.payments.create(paymentBody, { idempotencyKey: "order-1234" });
  assert.equal(mine.seen[0].headers.get("idempotency-key"), "order-1234");
  assert.deepEqual([first.idempotencyKey, first.replayed], ["order-1234", false]);

  // Out of retries: the error carries the key, so the caller can try again later with it.
  const down = fake([new TypeError("a"), new TypeError("b"), new TypeError("c")]);
  await assert.rejects(down.crew.payments.create(paymentBody, { idempotencyKey: "k-12345678" }), (
    e: unknown,
  ) => {
    assert.ok(e instanceof CrewApiError);
    assert.deepEqual([e.code, e.idempotencyKey], ["network_error", "k-12345678"]);
    return true;
  });
  assert.equal(down.seen.length, 3);
});

Deno.test("client: listAll and pages follow next_cursor to the end", async () => {
  const page = (ids: string[], next: string | null) =>
    json({ data: ids.map((id) => ({ id })), next_cursor: next });
  const { crew, seen } = fake([page(["a", "b"], "c1"), page(["c", "d"], "c2"), page(["e"], null)]);
  const ids: string[] = [];
  for await (const p of crew.projects.listAll({ status: "active", limit: 2 })) ids.push(p.id);
  assert.deepEqual(ids, ["a", "b", "c", "d", "e"]);
  assert.deepEqual(seen.map((s) => s.path), [
    "projects?status=active&limit=2",
    "projects?status=active&limit=2&cursor=c1",
    "projects?status=active&limit=2&cursor=c2",
  ]);

  const sub = fake([page(["x"], "n1"), page(["y"], null)]);
  const pages = [];
  for await (const p of sub.crew.projects.staff.pages(ID, { limit: 1 })) pages.push(p.data.length);
  assert.deepEqual(pages, [1, 1]);
  assert.equal(sub.seen[1].path, `projects/${ID}/staff?limit=1&cursor=n1`);

  // Stopping early asks for no further page.
  const early = fake([page(["a", "b"], "c1")]);
  for await (const _ of early.crew.candidates.listAll()) break;
  assert.equal(early.seen.length, 1);

  const stuck = fake([page(["a"], "same"), page(["b"], "same")]);
  await assert.rejects(async () => {
    for await (const _ of stuck.crew.claims.listAll()) { /* drain */ }
  }, /did not advance/);
});

Deno.test("client: the retry rule and Retry-After parsing", () => {
  const r = (status: number, code: string, method: string, keyed = false, retries = 0) =>
    retryDelayMs(
      { status, code, retryAfterS: undefined },
      { method, keyed, retries },
      RETRY_DEFAULTS,
    );
  assert.equal(r(429, "rate_limited", "POST"), 500);
  assert.equal(r(429, "rate_limited", "POST", false, 1), 1000, "doubles without Retry-After");
  assert.equal(r(429, "rate_limited", "POST", false, 2), null, "bounded");
  assert.equal(r(503, "db_unavailable", "GET"), 500);
  assert.equal(r(503, "db_unavailable", "PATCH"), null);
  assert.equal(r(503, "db_unavailable", "POST", true), 500);
  assert.equal(r(0, "network_error", "PUT"), 500);
  assert.equal(r(0, "network_error", "POST"), null);
  for (const status of [400, 401, 403, 404, 409, 422, 500, 504]) {
    assert.equal(r(status, "x", "GET"), null, `${status} is not retried`);
  }
  assert.equal(retryAfterSeconds("7"), 7);
  assert.equal(retryAfterSeconds(null), undefined);
  assert.equal(retryAfterSeconds("soon"), undefined);
  const now = Date.parse("2026-11-26T10:00:00Z");
  assert.equal(retryAfterSeconds("Thu, 26 Nov 2026 10:00:05 GMT", now), 5);
});
