/** The one logger: every line one scrubbed JSON object, levels below LOG_LEVEL dropped. */
import assert from "node:assert/strict";
import { log, logs, setLogLevel } from "../../shared/log.ts";

function capture(run: () => void): { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const { log: original, error } = console;
  console.log = (line: string) => out.push(line);
  console.error = (line: string) => err.push(line);
  try {
    run();
  } finally {
    console.log = original;
    console.error = error;
  }
  return { out, err };
}

Deno.test("log: one JSON line { level, event, ...fields }, scrubbed whoever wrote the call", () => {
  setLogLevel("info");
  const { out } = capture(() =>
    log.info("request", {
      request_id: "0b9a4c1e-2f3d-4a5b-8c6d-7e8f9a0b1c2d",
      note: "ic 900101-14-5678, account 1234567890123, mail a.b@example.com",
      token: "secret-bearer",
      nested: { bank_account: "9876543210" },
      ms: 12.5,
    })
  );
  assert.deepEqual(out.length, 1);
  const line = JSON.parse(out[0]);
  assert.deepEqual(line.level, "info");
  assert.deepEqual(line.event, "request");
  assert.deepEqual(line.request_id, "0b9a4c1e-2f3d-4a5b-8c6d-7e8f9a0b1c2d", "uuids stay readable");
  assert.deepEqual(line.note, "ic [redacted], account [redacted], mail [redacted]");
  assert.deepEqual(line.token, "[redacted]");
  assert.deepEqual(line.nested.bank_account, "[redacted]");
  assert.deepEqual(line.ms, 12.5);
});

Deno.test("log: warn and error go to stderr, debug and info to stdout", () => {
  setLogLevel("debug");
  const { out, err } = capture(() => {
    log.debug("a");
    log.info("b");
    log.warn("c");
    log.error("d");
  });
  assert.deepEqual(out.map((l) => JSON.parse(l).event), ["a", "b"]);
  assert.deepEqual(err.map((l) => JSON.parse(l).event), ["c", "d"]);
  setLogLevel("info");
});

Deno.test("log: lines below the level are dropped; logs() says so before a line is built", () => {
  setLogLevel("warn");
  const { out, err } = capture(() => {
    log.info("dropped");
    log.at("debug", "dropped too");
    log.at("error", "kept");
  });
  assert.deepEqual(out, []);
  assert.deepEqual(err.map((l) => JSON.parse(l).event), ["kept"]);
  assert.ok(!logs("info") && logs("warn") && logs("error"));
  setLogLevel("info");
  assert.ok(logs("info") && !logs("debug"));
});
