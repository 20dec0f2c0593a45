/** shared/cache/breaker.ts on a fake clock: open after N failures, one probe, supervised mode. */
import assert from "node:assert/strict";
import { CircuitBreaker } from "../../shared/cache/breaker.ts";

function clocked(threshold = 3, openMs = 1000) {
  let now = 0;
  const breaker = new CircuitBreaker(threshold, openMs, () => now);
  return { breaker, advance: (ms: number) => now += ms };
}

Deno.test("breaker: consecutive failures open it; a success in between resets the count", () => {
  const { breaker } = clocked(3);
  breaker.failure();
  breaker.failure();
  breaker.success();
  breaker.failure();
  breaker.failure();
  assert.equal(breaker.state, "closed");
  assert.ok(breaker.allow());
  breaker.failure();
  assert.equal(breaker.state, "open");
  assert.equal(breaker.allow(), false);
  assert.equal(breaker.opens, 1);
});

Deno.test("breaker: after openMs exactly one probe goes out; its outcome decides", () => {
  const { breaker, advance } = clocked(1, 1000);
  breaker.failure();
  advance(999);
  assert.equal(breaker.allow(), false, "still open");
  advance(1);
  assert.equal(breaker.state, "half-open");
  assert.ok(breaker.allow(), "the probe");
  assert.equal(breaker.allow(), false, "only one probe at a time");
  breaker.failure();
  assert.equal(breaker.state, "open", "a failed probe opens it again");
  assert.equal(breaker.opens, 2);
  advance(1000);
  assert.ok(breaker.allow());
  breaker.success();
  assert.equal(breaker.state, "closed");
  assert.ok(breaker.allow() && breaker.allow(), "closed lets everything through");
});

Deno.test("breaker: supervised, it stays open until the supervisor says Redis caught up", () => {
  const { breaker, advance } = clocked(1, 1000);
  breaker.probeBySupervisor = true;
  breaker.failure();
  advance(60_000);
  assert.equal(breaker.state, "open", "time alone never half-opens it");
  assert.equal(breaker.allow(), false);
  breaker.success();
  assert.equal(breaker.state, "closed");
  assert.ok(breaker.allow());
});
