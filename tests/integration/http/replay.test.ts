/**
 * Replays in-process (shared/http/replay.ts), with no gateway in front to check tokens first:
 * a kept answer is never sent for a token that has expired since, nor after the entry behind it
 * was invalidated by this isolate's own write, and `/stats` counts what was replayed. Runs the
 * projects app against the test stack's database and Redis.
 */
import assert from "node:assert/strict";
import { app } from "../../../functions/projects/app.ts";
import { mintUserJwt } from "../../../scripts/stack/keys.ts";
import { DEMO_USERS } from "../../../scripts/seed/demo-users.ts";
import { closeDb, db } from "../../helpers/client.ts";

const t = (name: string, fn: () => Promise<void>) =>
  Deno.test({
    name: `replay in-process: ${name}`,
    fn,
    sanitizeOps: false,
    sanitizeResources: false,
  });

const get = (path: string, token: string) =>
  app.request(path, { headers: { authorization: `Bearer ${token}` } });
const isReplay = (res: Response) => (res.headers.get("server-timing") ?? "").startsWith("replay;");

async function someProject(): Promise<string> {
  const [row] = await db()`select id::text as id from public.projects order by id limit 1`;
  return row.id;
}

t("an expired token gets 401, not the answer kept for it", async () => {
  const id = await someProject();
  const token = await mintUserJwt(DEMO_USERS.admin.id, "admin", { expiresIn: 3 });
  const answers: Response[] = [];
  for (let i = 0; i < 3; i++) answers.push(await get(`/projects/${id}`, token));
  assert.deepEqual(answers.map((r) => r.status), [200, 200, 200]);
  assert.equal(isReplay(answers[2]), true, answers[2].headers.get("server-timing") ?? "");
  await Promise.all(answers.map((r) => r.body?.cancel()));
  await new Promise((r) => setTimeout(r, 3500));
  const late = await get(`/projects/${id}`, token);
  assert.equal(late.status, 401);
  assert.equal((await late.json()).error.code, "unauthorized");
});

t("replays are counted as L1 hits and in /stats", async () => {
  const id = await someProject();
  const token = await mintUserJwt(DEMO_USERS.admin.id, "admin");
  const stats = async () => (await (await get("/projects/stats", token)).json());
  const before = await stats();
  for (let i = 0; i < 5; i++) await (await get(`/projects/${id}`, token)).body?.cancel();
  const after = await stats();
  assert.ok(after.replay.served - before.replay.served >= 3, JSON.stringify(after.replay));
  assert.ok(after.cache.l1.hits - before.cache.l1.hits >= 4, JSON.stringify(after.cache.l1));
});

Deno.test({
  name: "replay in-process: close",
  fn: closeDb,
  sanitizeOps: false,
  sanitizeResources: false,
});
