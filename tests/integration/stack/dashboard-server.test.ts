/**
 * The stack's dashboard server serves dashboard/ and nothing else: encoded slashes, dot segments
 * and absolute paths get 404, never a file from elsewhere on the machine; it listens on loopback.
 */
import assert from "node:assert/strict";
import { env } from "../../helpers/client.ts";

const base = `http://127.0.0.1:${env("DASHBOARD_PORT")}`;

Deno.test("dashboard server: only its own files, never a path out of dashboard/", async () => {
  const page = await fetch(`${base}/`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<html/i);
  const script = await fetch(`${base}/app.js`);
  assert.equal(script.status, 200);
  await script.body?.cancel();
  for (
    const path of [
      "/%2Fetc%2Fpasswd",
      "//etc/passwd",
      "/..%2F..%2F..%2Fetc%2Fpasswd",
      "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
      "/vendor/..%2F..%2Fpackage.json",
      "/%5Cetc%5Cpasswd",
    ]
  ) {
    const res = await fetch(`${base}${path}`);
    const body = await res.text();
    assert.equal(res.status, 404, `${path}: ${res.status}`);
    assert.doesNotMatch(body, /root:|"devDependencies"/, path);
  }
});
