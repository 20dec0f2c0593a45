/**
 * The local Edge Runtime stand-in (scripts/stack/edge-host.ts, function-pool.ts): a worker runs
 * on the runtime's Deno inside the hosted sandbox, retires on its wall clock and when idle with
 * `beforeunload` saying why, is replaced by a cold start on the next request, and is ended with
 * 546 WORKER_LIMIT when a request burns more than 2 s of CPU. Through a gateway of its own over
 * the fixture function ./fixtures/edge/sandbox.
 */
import assert from "node:assert/strict";
import { type Gateway, startGateway } from "../../../scripts/stack/gateway.ts";
import { EDGE_DENO_VERSION, type Recycling } from "../../../scripts/stack/edge-runtime.ts";
import { configPath } from "./fixtures/gateway.ts";

interface Unload {
  workerId: string;
  reason: string | null;
  served: number;
  at: number;
}

/** A gateway over the sandbox fixture, and the `beforeunload` reports its workers send. */
async function edgeGateway(recycling: Recycling) {
  const unloads: Unload[] = [];
  const reports = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (r) => {
    unloads.push({ ...await r.json(), at: Date.now() });
    return new Response("ok");
  });
  const logs: string[] = [];
  const gateway: Gateway = await startGateway({
    configPath: configPath("edge.toml"),
    port: 0,
    recycling,
    env: { ...Deno.env.toObject(), BEFOREUNLOAD_URL: `http://127.0.0.1:${reports.addr.port}/` },
    log: (line) => logs.push(line),
  });
  const call = async (path: string) => {
    const response = await fetch(`${gateway.url}/functions/v1/sandbox/${path}`);
    return { status: response.status, body: await response.json() };
  };
  const slot = async () => {
    const health = await (await fetch(`${gateway.url}/health`)).json();
    return health.functions.sandbox.slots[0];
  };
  return {
    unloads,
    logs,
    call,
    slot,
    close: async () => {
      await gateway.close();
      await reports.shutdown();
    },
  };
}

async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

Deno.test("a worker runs on the runtime's Deno with only what a hosted worker may do", async () => {
  const edge = await edgeGateway({ wallClockS: 0, idleS: 0 });
  try {
    const { pid } = await edge.slot();
    const cmdline = await Deno.readTextFile(`/proc/${pid}/cmdline`);
    const { stdout } = await new Deno.Command(cmdline.split("\0")[0], { args: ["--version"] })
      .output();
    assert.match(new TextDecoder().decode(stdout), new RegExp(`^deno ${EDGE_DENO_VERSION} `));

    const { status, body } = await edge.call("tries");
    assert.equal(status, 200);
    // Refused by the sandbox (Deno names the missing permission NotCapable), as hosted refuses.
    assert.deepEqual(body.subprocess, { ok: false, error: "NotCapable" });
    assert.deepEqual(body.writeOutsideTmp, { ok: false, error: "NotCapable" });
    // Not there at all, as on hosted workers.
    assert.deepEqual(body.webWorker, { ok: false, error: "ReferenceError" });
    assert.deepEqual(body.kv, { ok: false, error: "TypeError" });
    // What a hosted worker may do.
    assert.deepEqual(body.writeTmp, { ok: true });
    assert.deepEqual(body.readEnv, { ok: true });
    assert.deepEqual(body.readFile, { ok: true });
    assert.equal((await edge.call("whoami")).body.hasEdgeRuntime, true);
  } finally {
    await edge.close();
  }
});

Deno.test("on its wall clock a worker retires with reason wall_clock; the next request is a cold start", async () => {
  const edge = await edgeGateway({ wallClockS: 2, idleS: 0 });
  try {
    const first = (await edge.call("whoami")).body.workerId;
    const unload = await waitFor("the beforeunload report", () => edge.unloads[0]);
    assert.equal(unload.workerId, first);
    assert.equal(unload.reason, "wall_clock");
    // Cold until a request wants it, then a fresh worker (new module state).
    await waitFor("the slot to go cold", async () => (await edge.slot()).state === "cold");
    const second = await edge.call("whoami");
    assert.equal(second.status, 200);
    assert.notEqual(second.body.workerId, first);
    assert.equal(second.body.served, 1);
    const slot = await edge.slot();
    assert.equal(slot.starts, 2);
    assert.equal(slot.retired.wall_clock, 1);
  } finally {
    await edge.close();
  }
});

Deno.test("an idle worker is dropped early, but not while waitUntil work is pending", async () => {
  const edge = await edgeGateway({ wallClockS: 0, idleS: 1 });
  try {
    const started = Date.now();
    const { workerId } = (await edge.call("wait?ms=3000")).body;
    const unload = await waitFor("the beforeunload report", () => edge.unloads[0]);
    assert.equal(unload.workerId, workerId);
    assert.equal(unload.reason, "early_drop");
    // Idle after 1 s, but the 3 s of waitUntil work hold it: never before they end.
    assert.ok(unload.at - started >= 3_000, `dropped after ${unload.at - started} ms`);
    assert.equal(await waitFor("retired", async () => (await edge.slot()).retired.early_drop), 1);
  } finally {
    await edge.close();
  }
});

/**
 * `path` makes the platform end its worker: 546 WORKER_LIMIT, the retirement counted under
 * `reason`, and a fresh worker (new module state) for what comes next.
 */
async function expectWorkerLimit(
  edge: Awaited<ReturnType<typeof edgeGateway>>,
  path: string,
  reason: string,
): Promise<void> {
  const before = (await edge.call("whoami")).body.workerId;
  const ended = await edge.call(path);
  assert.equal(ended.status, 546);
  assert.equal(ended.body.code, "WORKER_LIMIT");
  assert.equal(
    await waitFor("the worker's end", async () => (await edge.slot()).retired[reason]),
    1,
  );
  const after = await waitFor("a fresh worker", async () => {
    const { status, body } = await edge.call("whoami");
    return status === 200 ? body.workerId : undefined;
  });
  assert.notEqual(after, before);
}

Deno.test("a request over 2 s of CPU ends its worker with 546 WORKER_LIMIT", async () => {
  const edge = await edgeGateway({ wallClockS: 0, idleS: 0 });
  try {
    await expectWorkerLimit(edge, "burn?ms=4000", "cpu");
    // A short burn is fine.
    assert.equal((await edge.call("burn?ms=200")).status, 200);
  } finally {
    await edge.close();
  }
});

Deno.test("a worker past its 256 MB heap ends with 546 WORKER_LIMIT, and a fresh one follows", async () => {
  const edge = await edgeGateway({ wallClockS: 0, idleS: 0 });
  try {
    await expectWorkerLimit(edge, "hog", "memory");
  } finally {
    await edge.close();
  }
});

Deno.test("stopping the gateway ends workers with reason termination", async () => {
  const edge = await edgeGateway({ wallClockS: 0, idleS: 0 });
  const { workerId } = (await edge.call("whoami")).body;
  await edge.close();
  assert.deepEqual(edge.unloads.map((u) => [u.workerId, u.reason]), [[workerId, "termination"]]);
});
