/**
 * End-to-end: POST /projects/batch — up to 500 creates/updates in one transaction, all or
 * nothing, every broken rule reported per item.
 */
import assert from "node:assert/strict";
import type { ProjectBatch, ProjectCreate } from "../../../client/index.ts";
import { closeDb, crewAs, DEMO, invoke, routesAs } from "../../helpers/client.ts";
import {
  assertError,
  countTitled,
  createProject,
  rejects,
  RUN,
  storedProject,
  title,
} from "./fixtures.ts";

const t = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name: `projects batch: ${name}`, fn, sanitizeOps: false, sanitizeResources: false });

type Item = ProjectBatch["items"][number];

const create = (name: string, extra: Partial<ProjectCreate> = {}): Item => ({
  op: "create",
  data: { title: name, start_date: "2026-04-01", end_date: "2026-04-03", ...extra },
});
const batch = (who: "admin" | "manager", items: Item[]) =>
  routesAs(who).projects("post", "/projects/batch")({ body: { items } });

t("creates and updates in one call, results in input order", async () => {
  const existing = await createProject("manager");
  const names = [title("batch-a"), title("batch-b")];
  const res = await batch("manager", [
    create(names[0], { budget: "100.00" }),
    {
      op: "update",
      id: existing.id,
      if_match: existing.updated_at,
      data: { status: "active" },
    },
    create(names[1]),
  ]);
  assert.equal(res.status, 200, JSON.stringify(res.data));
  assert.deepEqual(res.data.results.map((r) => [r.index, r.op]), [[0, "create"], [1, "update"], [
    2,
    "create",
  ]]);
  assert.equal(res.data.results[0].project.title, names[0]);
  assert.equal(res.data.results[0].project.manager_id, DEMO.manager);
  assert.equal(res.data.results[0].project.budget, "100.00");
  assert.equal(res.data.results[1].project.status, "active");
  assert.equal((await storedProject(existing.id))?.status, "active");
  for (const name of names) assert.equal(await countTitled(name), 1);
  // Read your write through the cache.
  const read = await crewAs("manager").projects.getById(existing.id);
  assert.equal(read.project.status, "active");
});

t("one invalid item → 400 naming it, nothing written", async () => {
  const names = [title("batch-ok"), title("batch-bad")];
  // Raw: item 3 is an op the batch does not have (`delete`), which the types do not allow.
  const res = await invoke("admin", "projects/batch", {
    method: "POST",
    body: {
      items: [
        create(names[0]),
        create(names[1]),
        {
          op: "create",
          data: { title: title("x"), start_date: "2026-04-05", end_date: "2026-04-01" },
        },
        { op: "delete", id: crypto.randomUUID() },
      ],
    },
  });
  const details = assertError(res, 400, "validation_failed");
  assert.ok(details["items.2.data.end_date"], JSON.stringify(details));
  assert.ok(Object.keys(details).some((k) => k.startsWith("items.3")), JSON.stringify(details));
  for (const name of names) assert.equal(await countTitled(name), 0);
});

t("broken rules in several items come back together; nothing written", async () => {
  const done = await createProject("manager", { status: "active" });
  const manager = crewAs("manager");
  await manager.projects.update(done.id, { status: "completed" });
  const other = await createProject("manager2");
  const fresh = title("batch-rules");
  const details = await rejects(
    manager.projects.batch({
      items: [
        create(fresh),
        { op: "update", id: done.id, data: { status: "planning" } },
        { op: "update", id: other.id, data: { title: "hijack" } },
        { op: "update", id: crypto.randomUUID(), data: { title: "ghost" } },
      ],
    }),
    409,
    "conflict",
  );
  assert.ok(details["items.1.data.status"], JSON.stringify(details));
  assert.equal(details["items.2.id"], "Project not found");
  assert.equal(details["items.3.id"], "Project not found");
  assert.equal(await countTitled(fresh), 0);
  assert.equal((await storedProject(other.id))?.title, other.title);
  assert.equal((await storedProject(done.id))?.status, "completed");
});

t("a stale if_match in a batch is a conflict on that item", async () => {
  const p = await createProject("admin");
  const admin = crewAs("admin");
  await admin.projects.update(p.id, { venue: "Hall 9" });
  const details = await rejects(
    admin.projects.batch({
      items: [{ op: "update", id: p.id, if_match: p.updated_at, data: { venue: "Hall 1" } }],
    }),
    409,
    "conflict",
  );
  assert.ok(details["items.0.if_match"]);
  assert.equal((await storedProject(p.id))?.venue, "Hall 9");
});

t("limits: 500 items pass in one transaction, 501 and duplicates are 400", async () => {
  const tag = `${RUN}-bulk`;
  const items = Array.from({ length: 500 }, (_, i) => create(`${tag} ${i}`));
  const res = await batch("admin", items);
  assert.equal(res.status, 200, JSON.stringify(res.data).slice(0, 500));
  assert.equal(res.data.results.length, 500);
  assert.equal(await countTitled(tag), 500);
  const admin = crewAs("admin");
  await rejects(
    admin.projects.batch({ items: [...items, create(`${tag} 501`)] }),
    400,
    "validation_failed",
  );
  const p = await createProject("admin");
  await rejects(
    admin.projects.batch({
      items: [
        { op: "update", id: p.id, data: { venue: "a" } },
        { op: "update", id: p.id, data: { venue: "b" } },
      ],
    }),
    400,
    "validation_failed",
  );
  await rejects(
    crewAs("finance").projects.batch({ items: [create(title("f"))] }),
    403,
    "forbidden",
  );
});

t("close db", async () => {
  await closeDb();
});
