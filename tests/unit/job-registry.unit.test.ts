/**
 * The job queues are one list (functions/jobs/queues.ts): the docs' queue table, the jobs API's
 * queue enum and the generated client's are held to it here, and the engine's payload checks
 * (shared/jobs/define.ts) behave as the worker and the senders rely on. The database's
 * `queue.queues` rows and the reporting views are held to it by
 * tests/integration/jobs/registry.test.ts.
 */
import "./env-setup.ts";
import assert from "node:assert/strict";
import { z } from "zod";
import { QUEUE_NAMES, queues } from "../../functions/jobs/queues.ts";
import { app } from "../../functions/jobs/app.ts";
import { defineQueue, parsePayload, payloadToSend, queueNames } from "../../shared/jobs/define.ts";
import { Permanent } from "../../shared/jobs/index.ts";

const root = new URL("../../", import.meta.url).pathname;
const sorted = (names: readonly string[]) => [...names].sort();

/** docs/jobs.md's queue table: `[queue, handler file]` per row. */
async function docsQueueTable(): Promise<[string, string][]> {
  const docs = await Deno.readTextFile(`${root}docs/jobs.md`);
  const start = docs.indexOf("| Queue ");
  assert.ok(start >= 0, "docs/jobs.md has a queue table (| Queue | … |)");
  return docs.slice(start, docs.indexOf("\n\n", start)).split("\n").slice(2)
    .map((line) => line.split("|").slice(1, -1).map((cell) => cell.trim()))
    .map((cells) => {
      const name = cells[0].match(/^`([a-z_0-9]+)`$/)?.[1];
      assert.ok(name, `a queue row names its queue in backticks: ${cells[0]}`);
      return [name, cells.at(-1)!.split(" ")[0]];
    });
}

Deno.test("job registry: names are unique, lower_snake_case, as queue.queues allows", () => {
  assert.equal(new Set(QUEUE_NAMES).size, QUEUE_NAMES.length);
  for (const name of QUEUE_NAMES) assert.match(name, /^[a-z][a-z0-9_]{0,47}$/);
  assert.deepEqual(queues.map((q) => q.name), [...QUEUE_NAMES]);
});

Deno.test("job registry: docs/jobs.md lists every queue once, with the file defining it", async () => {
  const rows = await docsQueueTable();
  assert.deepEqual(
    sorted(rows.map(([name]) => name)),
    sorted(QUEUE_NAMES),
    "docs/jobs.md's queue table and functions/jobs/queues.ts list the same queues",
  );
  for (const [name, file] of rows) {
    const source = await Deno.readTextFile(`${root}${file}`).catch(() => "");
    assert.match(
      source,
      new RegExp(`defineQueue\\(\\{\\s*name: "${name}"`),
      `docs/jobs.md says ${file} defines the ${name} queue`,
    );
  }
});

Deno.test("job registry: the API's and the client's queue enums are the registry's", async () => {
  const doc = app.getOpenAPI31Document({ openapi: "3.1.0", info: { title: "jobs", version: "1" } });
  const run = doc.components?.schemas?.WorkerRun;
  assert.ok(run && "properties" in run && run.properties, "WorkerRun is in the jobs document");
  assert.deepEqual(JSON.parse(JSON.stringify(run.properties.queues)).items.enum, [...QUEUE_NAMES]);
  // Whitespace aside: `deno fmt` wraps the union onto its own line once it grows long enough.
  const client = (await Deno.readTextFile(`${root}client/types/jobs.gen.ts`)).replace(/\s+/g, "");
  const union = QUEUE_NAMES.map((name) => `"${name}"`).join("|");
  assert.ok(
    client.includes(`queues?:(${union})[]`),
    "client/types/jobs.gen.ts: npm run client:types",
  );
});

Deno.test("job engine: a payload that does not parse is Permanent, with no value quoted", () => {
  const queue = defineQueue({
    name: "example",
    payload: z.object({ id: z.guid(), n: z.number().int() }),
    handler: () => Promise.resolve(null),
  });
  assert.deepEqual(parsePayload(queue, { id: crypto.randomUUID().toUpperCase(), n: 1, x: 2 }).n, 1);
  assert.throws(
    () => parsePayload(queue, { id: "900101-14-5678", n: "1" }),
    (error: unknown) => {
      assert.ok(error instanceof Permanent, "a dead letter at once, not retried");
      assert.match(error.message, /at id; .* at n \(not a valid example payload\)$/);
      assert.ok(!error.message.includes("900101"), error.message);
      return true;
    },
  );
  // A sender's bad payload is its own bug: a plain error (500), never a job that dies later.
  assert.throws(
    () => payloadToSend(queue, { id: "x", n: 1 }),
    (error: unknown) => error instanceof Error && !(error instanceof Permanent),
  );
  assert.throws(() => queueNames([queue, queue]), /defined twice/);
});
