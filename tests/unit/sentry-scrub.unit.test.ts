/**
 * shared/observe/scrub.ts: what an error report may carry to Sentry. Crafted events, no network,
 * no environment (the module imports nothing from config).
 */
import assert from "node:assert/strict";
import type { ErrorEvent } from "@sentry/deno";
import { REDACTED, scrubEvent, scrubString } from "../../shared/observe/scrub.ts";

const R = REDACTED;

Deno.test("scrub: IC numbers with or without dashes, emails and account-like digit runs", () => {
  assert.equal(scrubString("ic 900101-14-5678 here"), `ic ${R} here`);
  assert.equal(scrubString("ic 900101145678."), `ic ${R}.`);
  assert.equal(scrubString("ic 900101 14 5678"), `ic ${R}`);
  assert.equal(scrubString("mail Alice.Tan+x@example.com.my now"), `mail ${R} now`);
  assert.equal(scrubString("acct=12345678 and 12345678901234567890"), `acct=${R} and ${R}`);
  assert.equal(scrubString("maybank_5123456789012"), `maybank_${R}`);
});

Deno.test("scrub: a URL keeps scheme, host and path; its query and fragment go", () => {
  assert.equal(
    scrubString("fetch https://hooks.example/x/y?token=abc&id=1#frag failed"),
    `fetch https://hooks.example/x/y${R} failed`,
  );
  assert.equal(scrubString('"http://a.b/c#k=v"'), `"http://a.b/c${R}"`);
  assert.equal(scrubString("https://a.b/plain/path"), "https://a.b/plain/path");
  assert.equal(scrubString("what? no url here"), "what? no url here");
});

Deno.test("scrub: ordinary text, short numbers, hex ids and UUIDs are kept", () => {
  const kept = [
    'relation "projects" does not exist',
    "timeout after 1234567 ms on port 6543",
    "trace a1dedcd0fd454cf89e6fcf8193b6c595",
    "request 123e4567-e89b-12d3-a456-426614174000 failed",
    "on 2026-12-02 at 10:15",
  ];
  for (const text of kept) assert.equal(scrubString(text), text);
});

Deno.test("scrub: request data, user profile, messages, breadcrumbs and extra", () => {
  const event: ErrorEvent = {
    type: undefined,
    message: "failed for bob@example.com",
    request: {
      method: "GET",
      url: "https://x.supabase.co/functions/v1/candidates/search?ic=900101145678#top",
      query_string: "ic=900101145678",
      headers: { authorization: "Bearer abc", cookie: "sb=1" },
      cookies: { sb: "1" },
      data: { bank_account: "5123456789012" },
    },
    user: {
      id: "6f1c2a34-5b6d-4e7f-8a9b-0c1d2e3f4a5b",
      email: "bob@example.com",
      ip_address: "203.0.113.9",
      username: "bob",
    },
    exception: {
      values: [
        { type: "TypeError", value: "boom for 900101-14-5678 alice@example.com" },
        { type: "Error", value: "cause: account 1234567890" },
      ],
    },
    breadcrumbs: [
      { message: "lookup 900101145678", data: { to: "carol@example.com", n: 3 }, timestamp: 1 },
    ],
    extra: {
      note: "paid to 1234567890123",
      nested: { deep: ["dave@example.com", 900101145678, 42] },
      password: "hunter2",
    },
    contexts: {
      trace: { trace_id: "12345678901234567890123456789012", span_id: "1234567890123456" },
      app: { who: "eve@example.com" },
    },
    tags: { request_id: "r-1", route: "/candidates/search" },
  };
  const before = structuredClone(event);
  const out = scrubEvent(event);

  assert.deepEqual(event, before, "the input is not mutated");
  assert.deepEqual(out.request, {
    method: "GET",
    url: "https://x.supabase.co/functions/v1/candidates/search",
  });
  assert.deepEqual(out.user, { id: "6f1c2a34-5b6d-4e7f-8a9b-0c1d2e3f4a5b" });
  assert.equal(out.message, `failed for ${R}`);
  assert.deepEqual(out.exception?.values?.map((v) => [v.type, v.value]), [
    ["TypeError", `boom for ${R} ${R}`],
    ["Error", `cause: account ${R}`],
  ]);
  assert.deepEqual(out.breadcrumbs, [
    { message: `lookup ${R}`, data: { to: R, n: 3 }, timestamp: 1 },
  ]);
  assert.deepEqual(out.extra, {
    note: `paid to ${R}`,
    nested: { deep: [R, R, 42] },
    password: R,
  });
  assert.deepEqual(out.contexts?.trace, event.contexts?.trace, "trace ids are ours: kept");
  assert.deepEqual(out.contexts?.app, { who: R });
  assert.deepEqual(out.tags, event.tags);
  const raw = JSON.stringify(out);
  for (const secret of ["900101", "example.com", "203.0.113.9", "Bearer", "hunter2", "bob"]) {
    assert.ok(!raw.includes(secret), `${secret} survived`);
  }
});

Deno.test("scrub: a user without an id is dropped, an email used as id is redacted", () => {
  assert.equal(scrubEvent({ type: undefined, user: { email: "x@example.com" } }).user, undefined);
  assert.deepEqual(scrubEvent({ type: undefined, user: { id: "x@example.com" } }).user, { id: R });
});
