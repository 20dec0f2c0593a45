/**
 * What the cache keeps in Redis (Upstash: a third party) is sealed: after a candidate's record
 * and bank details have been read through the functions, their Redis entries hold no IC number,
 * phone, email, holder name or account number — only AES-GCM ciphertext — and responses that
 * carry them say `Cache-Control: no-store`. The IC lookup works without the IC in the URL.
 */
import assert from "node:assert/strict";
import { Redis } from "@upstash/redis";
import { closeDb, db, env, routesAs } from "../../helpers/client.ts";
import { makeCandidate } from "../candidates/fixtures.ts";

Deno.test("candidate data is sealed in Redis and never stored by a browser", async () => {
  const tag = crypto.randomUUID().slice(0, 8);
  const c = await makeCandidate(`Sealed ${tag}`);
  const phone = `01${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`;
  const email = `sealed-${tag}@example.com`;
  await db()`update public.candidates set phone = ${phone}, email = ${email} where id = ${c.id}`;
  await db()`insert into public.candidate_bank_accounts
               (candidate_id, bank_name, account_number, account_holder)
             values (${c.id}, 'Maybank', '5550007777', ${`Holder ${tag}`})`;
  try {
    // Twice: the first read fills the cache, the second is served from it.
    for (const _ of [1, 2]) {
      const res = await routesAs("admin").candidates("get", "/candidates/{id}")({
        path: { id: c.id },
      });
      assert.equal(res.status, 200, JSON.stringify(res.data));
      assert.equal(res.data.ic_number, c.ic);
      assert.equal(res.data.bank?.account_number, "5550007777");
      assert.match(res.headers.get("cache-control") ?? "", /no-store/);
    }
    const redis = new Redis({
      url: env("UPSTASH_REDIS_REST_URL"),
      token: env("UPSTASH_REDIS_REST_TOKEN"),
      automaticDeserialization: false,
      enableTelemetry: false,
    });
    const keys = (await redis.keys(`*${c.id}*`)).filter((k) => !k.includes("#"));
    assert.ok(keys.length > 0, "the record is in Redis");
    let values = "";
    for (const key of keys) {
      const type = await redis.type(key);
      values += type === "hash"
        ? JSON.stringify(await redis.hgetall(key))
        : type === "string"
        ? String(await redis.get(key))
        : "";
    }
    assert.match(values, /s1\./, "sealed values");
    for (const secret of [c.ic, phone, email, "5550007777", `Holder ${tag}`]) {
      assert.ok(!values.includes(secret), `${secret} is in Redis in the clear`);
    }

    // Looking a candidate up by IC without the IC in the URL.
    const lookup = await routesAs("admin").candidates("post", "/candidates/lookup")({
      body: { ic_number: c.ic },
    });
    assert.equal(lookup.status, 200, JSON.stringify(lookup.data));
    assert.deepEqual(lookup.data.data.map((x) => x.id), [c.id]);
    assert.match(lookup.headers.get("cache-control") ?? "", /no-store/);
  } finally {
    await closeDb();
  }
});
