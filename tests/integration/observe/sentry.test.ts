/**
 * shared/observe/sentry.ts with the real `@sentry/deno` SDK, in a child isolate that serves one
 * request, against a local envelope receiver: an unexpected error arrives once, tagged, with the
 * caller's id and no personal data anywhere in the bytes that left; without a DSN nothing
 * leaves and the call costs nothing; an ingest that never answers holds the response ~2 s, no
 * more. No stack needed.
 */
import assert from "node:assert/strict";
import { type Receiver, startReceiver } from "./fixtures/receiver.ts";

const FIXTURE = new URL("./fixtures/sentry-app.ts", import.meta.url);
const ROOT = new URL("../../../", import.meta.url);
const USER_ID = "6f1c2a34-5b6d-4e7f-8a9b-0c1d2e3f4a5b";
const PERSONAL = ["900101-14-5678", "900101145678", "alice@example.com", "alice"];

interface Outcome {
  status: number;
  requestId: string;
  captureMs: number | null;
  totalMs: number;
}

/** Runs the fixture isolate with only the variables it is given (nothing from this process). */
async function runIsolate(
  mode: "direct" | "route",
  requestId: string,
  env: Record<string, string>,
): Promise<Outcome> {
  const inherited: Record<string, string> = {};
  for (const name of ["HOME", "PATH", "DENO_DIR", "TMPDIR"]) {
    const value = Deno.env.get(name);
    if (value) inherited[name] = value;
  }
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", FIXTURE.pathname, mode, USER_ID, requestId],
    cwd: ROOT.pathname,
    clearEnv: true,
    env: {
      ...inherited,
      NO_COLOR: "1",
      // What shared/config.ts needs; nothing listens on port 1, and nothing here touches it.
      DB_POOLER_URL: "postgres://unused@127.0.0.1:1/x",
      JWT_SECRET: "sentry-test-secret-with-at-least-32-characters",
      LOG_REQUESTS: "0",
      METRICS_DISABLED: "1",
      ...env,
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout).trim();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, `fixture exited ${output.code}\n${stdout}\n${stderr}`);
  return JSON.parse(stdout.split("\n").at(-1)!);
}

function sentryEnv(receiver: Receiver): Record<string, string> {
  return {
    SENTRY_DSN: receiver.dsn,
    SENTRY_ENVIRONMENT: "sentry-test",
    SENTRY_RELEASE: "sentry-test@1.0.0",
  };
}

/** The one event that arrived, checked for its tags, user and the absence of personal data. */
function assertOneCleanEvent(
  receiver: Receiver,
  outcome: Outcome,
  expected: { requestId: string; route: string },
): void {
  const { requestId, route } = expected;
  assert.equal(outcome.status, 500);
  assert.equal(outcome.requestId, requestId);
  const events = receiver.events();
  assert.equal(events.length, 1, `expected exactly one event, got ${events.length}`);
  assert.equal(receiver.envelopes[0].projectId, "1");
  const event = events[0] as {
    level: string;
    environment: string;
    release: string;
    tags: Record<string, string>;
    user: Record<string, unknown>;
    request?: unknown;
    exception: { values: { type: string; value: string }[] };
  };
  assert.equal(event.level, "error");
  assert.equal(event.environment, "sentry-test");
  assert.equal(event.release, "sentry-test@1.0.0");
  assert.deepEqual(event.tags, {
    request_id: requestId,
    function: "sentrytest",
    route,
    method: "GET",
  });
  assert.deepEqual(event.user, { id: USER_ID });
  assert.equal(event.request, undefined);
  assert.equal(event.exception.values.length, 1);
  assert.equal(event.exception.values[0].type, "TypeError");
  assert.equal(event.exception.values[0].value, "boom for [redacted] [redacted]");
  for (const envelope of receiver.envelopes) {
    const raw = new TextDecoder().decode(envelope.raw);
    for (const secret of PERSONAL) assert.ok(!raw.includes(secret), `${secret} left the isolate`);
  }
}

Deno.test("sentry: captureUnexpected sends one scrubbed, tagged event and flushes it", async () => {
  const receiver = startReceiver();
  try {
    const requestId = `direct-${crypto.randomUUID()}`;
    const outcome = await runIsolate("direct", requestId, sentryEnv(receiver));
    assertOneCleanEvent(receiver, outcome, { requestId, route: "/sentrytest/caught" });
  } finally {
    await receiver.close();
  }
});

Deno.test("sentry: a route that throws is reported by the app's onError", async () => {
  const receiver = startReceiver();
  try {
    const requestId = `route-${crypto.randomUUID()}`;
    const outcome = await runIsolate("route", requestId, sentryEnv(receiver));
    assertOneCleanEvent(receiver, outcome, { requestId, route: "/sentrytest/boom" });
  } finally {
    await receiver.close();
  }
});

Deno.test("sentry: without SENTRY_DSN nothing is sent and the call resolves at once", async () => {
  const receiver = startReceiver();
  try {
    // An empty value is "not set" in shared/config.ts, as for every other variable.
    const outcome = await runIsolate("direct", `off-${crypto.randomUUID()}`, { SENTRY_DSN: "" });
    assert.equal(outcome.status, 500);
    assert.ok(outcome.captureMs !== null && outcome.captureMs < 20, `took ${outcome.captureMs} ms`);
    // Give a stray send time to arrive before concluding none was made.
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(receiver.envelopes.length, 0);
  } finally {
    await receiver.close();
  }
});

Deno.test("sentry: an ingest that never answers holds the response about 2 s, no more", async () => {
  const receiver = startReceiver({ hang: true });
  try {
    const outcome = await runIsolate("direct", `hang-${crypto.randomUUID()}`, sentryEnv(receiver));
    assert.equal(outcome.status, 500);
    assert.equal(receiver.envelopes.length, 1, "the envelope was sent");
    assert.ok(outcome.captureMs !== null, "the call returned");
    assert.ok(outcome.captureMs! >= 1_500 && outcome.captureMs! < 2_500, `${outcome.captureMs} ms`);
  } finally {
    await receiver.close();
  }
});
