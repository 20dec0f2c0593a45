/**
 * A failing job's error is scrubbed before it is stored (`last_error`, `errors`) or logged: the
 * stack's own worker runs a refresh_views job whose payload names no view but an IC, an email and
 * a webhook URL with a token, and the handler's error quotes it.
 */
import assert from "node:assert/strict";
import { closeDb, db } from "../../helpers/client.ts";

Deno.test("a job's error text reaches last_error and errors scrubbed", async () => {
  const bad = "900101-14-5678 ali@example.com https://hooks.example/x?token=s3cr3tv4lue";
  const [{ id }] = await db()`
    select queue.send('refresh_views', ${db().json({ view: bad })}) as id`;
  try {
    let job: { last_error: string | null; errors: unknown } | undefined;
    for (let i = 0; i < 150; i++) {
      [job] = await db()`select last_error, errors from queue.jobs where id = ${id}
                          union all
                          select last_error, errors from queue.archive where id = ${id}`;
      if (job?.last_error) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(job?.last_error, "the stack's worker ran the job and recorded its failure");
    assert.match(job.last_error, /not a reporting view/, "the real message is kept");
    assert.match(job.last_error, /https:\/\/hooks\.example\/x/, "the URL without its query");
    const stored = JSON.stringify(job);
    for (const secret of ["5678", "ali@example.com", "s3cr3tv4lue"]) {
      assert.ok(!stored.includes(secret), `${secret} in ${stored}`);
    }
  } finally {
    await db()`delete from queue.jobs where id = ${id}`;
    await db()`delete from queue.archive where id = ${id}`;
    await closeDb();
  }
});
