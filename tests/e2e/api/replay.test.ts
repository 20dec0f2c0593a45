/**
 * End-to-end: replayed cached reads (shared/http/replay.ts). A repeat of a cached read by the
 * same token is answered from the kept bytes — and only while everything the full route would
 * check still holds: the L1 entry (a write ends it at once), the caller's right to see the row
 * (a reassigned project is 404 to its old manager), the token itself (another token of the same
 * user gets no replay of it). The token's expiry is tested in-process, behind no gateway:
 * tests/integration/http/replay.test.ts.
 */
import assert from "node:assert/strict";
import { closeDb, db, DEMO, invoke, type InvokeResult } from "../../helpers/client.ts";
import { mintUserJwt } from "../../../scripts/stack/keys.ts";
import { createProject, testsNamed } from "../projects/fixtures.ts";

const t = testsNamed("replay");
type Detail = { project: Record<string, unknown> };

const replayed = (res: InvokeResult<unknown>) =>
  (res.headers.get("server-timing") ?? "").startsWith("replay;");

/** Reads `path` with `token` until an answer is replayed (each process keeps its own). */
async function readUntilReplayed(token: string, path: string) {
  const answers: InvokeResult<Detail>[] = [];
  for (let i = 0; i < 12; i++) {
    const res = await invoke<Detail>({ token }, path);
    answers.push(res);
    if (replayed(res)) return answers;
  }
  assert.fail(`no replay in 12 reads of ${path}: ${answers.map((a) => a.status).join(",")}`);
}

t("a repeat is replayed byte for byte, with its own request id", async () => {
  const p = await createProject("manager");
  const token = await mintUserJwt(DEMO.manager, "manager");
  const answers = await readUntilReplayed(token, `projects/${p.id}`);
  const [full, last] = [answers[answers.length - 2], answers[answers.length - 1]];
  assert.equal(last.status, 200);
  assert.deepEqual(last.data, full.data);
  assert.equal(last.headers.get("etag"), full.headers.get("etag"));
  assert.equal(last.headers.get("x-cache"), "l1");
  assert.equal(last.headers.get("access-control-allow-origin"), "*");
  assert.notEqual(last.headers.get("x-request-id"), full.headers.get("x-request-id"));
  // Another token of the same user: its first read goes through the full route.
  const other = await mintUserJwt(DEMO.manager, "manager", { claims: { session_id: "other" } });
  assert.equal(replayed(await invoke({ token: other }, `projects/${p.id}`)), false);
});

t("a write ends the replay at once", async () => {
  const p = await createProject("manager");
  const token = await mintUserJwt(DEMO.manager, "manager");
  await readUntilReplayed(token, `projects/${p.id}`);
  const patched = await invoke({ token }, `projects/${p.id}`, {
    method: "PATCH",
    body: { venue: "Replay Hall" },
  });
  assert.equal(patched.status, 200, JSON.stringify(patched.data));
  const read = await invoke<Detail>({ token }, `projects/${p.id}`);
  assert.equal(read.data.project.venue, "Replay Hall");
  assert.equal(replayed(read), false);
});

t("a project given to another manager is 404 to the old one, replay or not", async () => {
  const p = await createProject("admin", { manager_id: DEMO.manager });
  const token = await mintUserJwt(DEMO.manager, "manager");
  await readUntilReplayed(token, `projects/${p.id}`);
  const moved = await invoke("admin", `projects/${p.id}`, {
    method: "PATCH",
    body: { manager_id: DEMO.manager2 },
  });
  assert.equal(moved.status, 200, JSON.stringify(moved.data));
  for (let i = 0; i < 4; i++) {
    const res = await invoke<{ error: { code: string } }>({ token }, `projects/${p.id}`);
    assert.equal(res.status, 404, JSON.stringify(res.data));
    assert.equal(res.data.error.code, "not_found");
  }
});

t("payments and claims detail replay too; lists replay per query", async () => {
  const token = await mintUserJwt(DEMO.admin, "admin");
  const page = await invoke<{ data: { id: string }[] }>({ token }, "payments?limit=1");
  assert.equal(page.status, 200);
  await readUntilReplayed(token, `payments/${page.data.data[0].id}`);
  const claims = await invoke<{ data: { id: string }[] }>({ token }, "claims?limit=1");
  await readUntilReplayed(token, `claims/${claims.data.data[0].id}`);
  await readUntilReplayed(token, "projects?limit=3&status=active");
  const other = await invoke({ token }, "projects?limit=4&status=active");
  assert.equal(replayed(other), false);
});

t("a candidate (two cached reads) replays for its reader until a write moves either", async () => {
  const [row] = await db()`
    select c.id::text as id from public.candidates c
      join public.candidate_bank_accounts b on b.candidate_id = c.id
     where c.user_id is null and c.status = 'active' order by c.id desc limit 1`;
  const token = await mintUserJwt(DEMO.admin, "admin");
  const answers = await readUntilReplayed(token, `candidates/${row.id}`);
  const last = answers[answers.length - 1].data as unknown as { bank: unknown; ic_number: string };
  assert.ok(last.bank, "admin sees the bank details");
  const phone = `+60 12-${String(Date.now()).slice(-7)}`;
  const patched = await invoke({ token }, `candidates/${row.id}`, {
    method: "PATCH",
    body: { phone },
  });
  assert.equal(patched.status, 200, JSON.stringify(patched.data));
  const read = await invoke<{ phone: string }>({ token }, `candidates/${row.id}`);
  assert.equal(read.data.phone, phone);
  assert.equal(replayed(read), false);
  // A crew member asking for someone else's record never gets a kept answer: 404 every time.
  const crew = await mintUserJwt(DEMO.crew, "crew");
  for (let i = 0; i < 3; i++) {
    assert.equal((await invoke({ token: crew }, `candidates/${row.id}`)).status, 404);
  }
});

Deno.test({ name: "replay: close", fn: closeDb, sanitizeOps: false, sanitizeResources: false });
