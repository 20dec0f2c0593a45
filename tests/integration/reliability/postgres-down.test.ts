/**
 * Issue 9.1: a Postgres that is down behind the pooler must not kill the isolate. pgbouncer lets
 * clients log in (it authenticates them itself), then fails their first query with
 * `server_login_retry` and closes the connection — postgres.js's own catalog lookup on such a
 * connection used to end in an unhandled rejection, and the process died. Here a separate
 * process, with no guard, runs through that and must come back once Postgres is reachable.
 */
import assert from "node:assert/strict";
import { directUrl } from "../db/fixtures.ts";
import { DisposablePgbouncer } from "./fixtures/pgbouncer.ts";

function deadPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

Deno.test("Postgres unreachable behind pgbouncer: the isolate survives and is back ≤ 2 s after Postgres is", async () => {
  const pgb = await new DisposablePgbouncer(directUrl()).start();
  try {
    await pgb.retarget(deadPort());
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("./fixtures/pool-child.ts", import.meta.url).pathname,
        pgb.url(),
        "6",
      ],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    // A process stuck on a stranded connection counts as a failure, not as a hung test.
    const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    const lines = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let err = "";
    while (!err.includes("first outcome")) {
      const { value, done } = await lines.read();
      if (done) break;
      err += value;
    }
    // Some attempts while Postgres is unreachable, then it comes back.
    await new Promise((r) => setTimeout(r, 1500));
    // From the moment the switch starts: pgbouncer may already reach Postgres before its reload
    // has returned, and an answer then is not "while down".
    const backAt = Date.now();
    await pgb.retarget(Number(new URL(directUrl()).port));
    const rest = (async () => {
      for (let r = await lines.read(); !r.done; r = await lines.read()) err += r.value;
    })();
    const stdout = await new Response(child.stdout).arrayBuffer();
    const { code } = await child.status;
    await rest;
    clearTimeout(killer);
    assert.equal(code, 0, `the process died (exit ${code}):\n${err.slice(0, 2000)}`);
    const { outcomes, stats } = JSON.parse(new TextDecoder().decode(stdout));
    const before = outcomes.filter((o: { at: number }) => o.at < backAt);
    assert.ok(
      before.length > 0 && before.every((o: { ok: boolean }) => !o.ok),
      `down: only failures: ${JSON.stringify(before)}`,
    );
    assert.ok(
      before.every((o: { code?: string }) => o.code === "db_unavailable"),
      `typed 503s while down: ${JSON.stringify(before.map((o: { code?: string }) => o.code))}`,
    );
    const firstOk = outcomes.find((o: { at: number; ok: boolean }) => o.at >= backAt && o.ok);
    assert.ok(firstOk, "never recovered");
    assert.ok(firstOk.at - backAt <= 2000, `recovered after ${firstOk.at - backAt} ms`);
    const afterward = outcomes.filter((o: { at: number }) => o.at > firstOk.at);
    assert.ok(afterward.length > 0 && afterward.every((o: { ok: boolean }) => o.ok), "stays up");
    assert.equal(stats.active, 0);
    assert.equal(stats.waiting, 0);
  } finally {
    await pgb.close();
  }
});
