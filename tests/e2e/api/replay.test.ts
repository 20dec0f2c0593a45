/**
 * End-to-end: replayed cached reads (shared/http/replay.ts). A repeat of a cached read by the
 * same token is answered from the kept bytes — and only while everything the full route would
 * check still holds: the L1 entry (a write ends it at once), the caller's right to see the row
 * (a reassigned project is 404 to its old manager), the token itself (another token of the same
 * user gets no replay of it). The token's expiry is tested in-process, behind no gateway:
 * tests/integration/http/replay.test.ts.
 */
import assert from "node:assert/strict";
import {
  closeDb,
  crewAs,
  type CrewRoutes,
  db,
  DEMO,
  failsWith,
  routesAs,
} from "../../helpers/client.ts";
import { mintUserJwt } from "../../../scripts/stack/keys.ts";
import { createProject, testsNamed } from "../projects/fixtures.ts";

const t = testsNamed("replay");
/** A typed route's answer (`routesAs`): body, status and headers. */
type Reply<T> = { data: T; status: number; headers: Headers };

const replayed = (res: { headers: Headers }) =>
  (res.headers.get("server-timing") ?? "").startsWith("replay;");

/** Reads with `read` until an answer is replayed (each process keeps its own). */
async function readUntilReplayed<T>(what: string, read: () => Promise<Reply<T>>) {
  const answers: Reply<T>[] = [];
  for (let i = 0; i < 12; i++) {
    const res = await read();
    answers.push(res);
    if (replayed(res)) return answers;
  }
  assert.fail(`no replay in 12 reads of ${what}: ${answers.map((a) => a.status).join(",")}`);
}

/** A read of GET /projects/{id} through `routes` (one caller's typed routes). */
const project = (routes: CrewRoutes, id: string) => () =>
  routes.projects("get", "/projects/{id}")({ path: { id } });

t("a repeat is replayed byte for byte, with its own request id", async () => {
  const p = await createProject("manager");
  const token = await mintUserJwt(DEMO.manager, "manager");
  const answers = await readUntilReplayed(
    `projects/${p.id}`,
    project(routesAs({ token }), p.id),
  );
  const [full, last] = [answers[answers.length - 2], answers[answers.length - 1]];
  assert.equal(last.status, 200);
  assert.deepEqual(last.data, full.data);
  assert.equal(last.headers.get("etag"), full.headers.get("etag"));
  assert.equal(last.headers.get("x-cache"), "l1");
  assert.equal(last.headers.get("access-control-allow-origin"), "*");
  assert.notEqual(last.headers.get("x-request-id"), full.headers.get("x-request-id"));
  // Another token of the same user: its first read goes through the full route.
  const other = await mintUserJwt(DEMO.manager, "manager", { claims: { session_id: "other" } });
  assert.equal(replayed(await project(routesAs({ token: other }), p.id)()), false);
});

t("a write ends the replay at once", async () => {
  const p = await createProject("manager");
  const token = await mintUserJwt(DEMO.manager, "manager");
  const routes = routesAs({ token });
  await readUntilReplayed(`projects/${p.id}`, project(routes, p.id));
  const patched = await routes.projects("patch", "/projects/{id}")({
    path: { id: p.id },
    body: { venue: "Replay Hall" },
  });
  assert.equal(patched.status, 200, JSON.stringify(patched.data));
  const read = await project(routes, p.id)();
  assert.equal(read.data.project.venue, "Replay Hall");
  assert.equal(replayed(read), false);
});

t("a project given to another manager is 404 to the old one, replay or not", async () => {
  const p = await createProject("admin", { manager_id: DEMO.manager });
  const token = await mintUserJwt(DEMO.manager, "manager");
  await readUntilReplayed(`projects/${p.id}`, project(routesAs({ token }), p.id));
  const moved = await routesAs("admin").projects("patch", "/projects/{id}")({
    path: { id: p.id },
    body: { manager_id: DEMO.manager2 },
  });
  assert.equal(moved.status, 200, JSON.stringify(moved.data));
  for (let i = 0; i < 4; i++) {
    await failsWith(project(routesAs({ token }), p.id)(), 404, "not_found");
  }
});

t("payments and claims detail replay too; lists replay per query", async () => {
  const token = await mintUserJwt(DEMO.admin, "admin");
  const routes = routesAs({ token });
  const page = await routes.payments("get", "/payments")({ query: { limit: 1 } });
  assert.equal(page.status, 200);
  const paymentId = page.data.data[0].id;
  await readUntilReplayed(
    `payments/${paymentId}`,
    () => routes.payments("get", "/payments/{id}")({ path: { id: paymentId } }),
  );
  const claims = await crewAs({ token }).claims.list({ limit: 1 });
  const claimId = claims.data[0].id;
  await readUntilReplayed(
    `claims/${claimId}`,
    () => routes.claims("get", "/claims/{id}")({ path: { id: claimId } }),
  );
  const list = (limit: number) => () =>
    routes.projects("get", "/projects")({ query: { limit, status: "active" } });
  await readUntilReplayed("projects?limit=3&status=active", list(3));
  const other = await list(4)();
  assert.equal(replayed(other), false);
});

t("a candidate (two cached reads) replays for its reader until a write moves either", async () => {
  const [row] = await db()`
    select c.id::text as id from public.candidates c
      join public.candidate_bank_accounts b on b.candidate_id = c.id
     where c.user_id is null and c.status = 'active' order by c.id desc limit 1`;
  const id: string = row.id;
  const token = await mintUserJwt(DEMO.admin, "admin");
  const routes = routesAs({ token });
  const candidate = () => routes.candidates("get", "/candidates/{id}")({ path: { id } });
  const answers = await readUntilReplayed(`candidates/${id}`, candidate);
  const last = answers[answers.length - 1].data;
  assert.ok(last.bank, "admin sees the bank details");
  const phone = `+60 12-${String(Date.now()).slice(-7)}`;
  const patched = await routes.candidates("patch", "/candidates/{id}")({
    path: { id },
    body: { phone },
  });
  assert.equal(patched.status, 200, JSON.stringify(patched.data));
  const read = await candidate();
  assert.equal(read.data.phone, phone);
  assert.equal(replayed(read), false);
  // A crew member asking for someone else's record never gets a kept answer: 404 every time.
  const crew = await mintUserJwt(DEMO.crew, "crew");
  for (let i = 0; i < 3; i++) {
    await failsWith(crewAs({ token: crew }).candidates.getById(id), 404);
  }
});

Deno.test({ name: "replay: close", fn: closeDb, sanitizeOps: false, sanitizeResources: false });
