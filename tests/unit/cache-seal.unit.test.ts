/** shared/cache/seal.ts: what goes to L2 is sealed, opens only for its key, and rotates. */
import assert from "node:assert/strict";
import { createSealer } from "../../shared/cache/seal.ts";

const key = () => btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));

Deno.test("seal: round trip, nothing readable, bound to its key, rotation", async () => {
  const k1 = `k1:${key()}`;
  const k2 = `k2:${key()}`;
  const old = await createSealer(k1);
  const value = JSON.stringify({ ic_number: "900101145678", email: "ali@example.com" });
  const sealed = await old.close("candidate:1", value);
  assert.ok(sealed.startsWith("s1.k1."));
  assert.ok(!sealed.includes("900101") && !sealed.includes("ali@"), sealed);
  assert.notEqual(await old.close("candidate:1", value), sealed, "a fresh IV each time");
  assert.equal(await old.open("candidate:1", sealed), value);
  assert.equal(await old.open("candidate:2", sealed), undefined, "another key does not open it");
  const tampered = sealed.slice(0, -4) + (sealed.endsWith("AAAA") ? "BBBB" : "AAAA");
  assert.equal(await old.open("candidate:1", tampered), undefined);
  assert.equal(await old.open("candidate:1", value), undefined, "plaintext is a miss");

  const rotated = await createSealer(`${k2},${k1}`);
  assert.equal(await rotated.open("candidate:1", sealed), value, "old entries still open");
  assert.ok((await rotated.close("candidate:1", value)).startsWith("s1.k2."));
  const dropped = await createSealer(k2);
  assert.equal(
    await dropped.open("candidate:1", sealed),
    undefined,
    "a dropped key's entries miss",
  );

  // A large value (a long list page): no argument-count limit on the way.
  const big = JSON.stringify({ data: "x".repeat(600_000) });
  assert.equal(await old.open("list", await old.close("list", big)), big);

  const off = await createSealer(undefined);
  assert.equal(await off.close("x", value), value);
  await assert.rejects(createSealer("k1:c2hvcnQ="), /32 bytes/);
  await assert.rejects(createSealer("k1:not base64!"), /base64/);
});
