/**
 * The local functions gateway with SUPABASE_JWKS set: asymmetric (ES256) tokens from the key set
 * pass next to HS256 ones; a foreign key or an unknown kid gets 401.
 */
import assert from "node:assert/strict";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { startGateway } from "../../../scripts/stack/gateway.ts";
import { mintJwt } from "../../../scripts/stack/keys.ts";
import { bearer, configPath, expectUnauthorized, SECRET, USER_ID } from "./fixtures/gateway.ts";

Deno.test("gateway accepts asymmetric tokens from SUPABASE_JWKS next to HS256", async () => {
  const { publicKey, privateKey } = await generateKeyPair("ES256");
  const jwk = { ...await exportJWK(publicKey), kid: "test-key", alg: "ES256", use: "sig" };
  const gateway = await startGateway({
    configPath: configPath("echo-only.toml"),
    port: 0,
    env: {
      ...Deno.env.toObject(),
      JWT_SECRET: SECRET,
      SUPABASE_JWKS: JSON.stringify({ keys: [jwk] }),
    },
    log: () => {},
  });
  const call = (token: string) =>
    fetch(`${gateway.url}/functions/v1/echo`, { headers: bearer(token) });
  const sign = (key: CryptoKey, kid: string) =>
    new SignJWT({ role: "authenticated", sub: USER_ID })
      .setProtectedHeader({ alg: "ES256", kid, typ: "JWT" })
      .setIssuedAt()
      .setExpirationTime("1h")
      .sign(key);
  try {
    const asymmetric = await call(await sign(privateKey, "test-key"));
    assert.equal(asymmetric.status, 200);
    await asymmetric.body?.cancel();
    const legacy = await call(await mintJwt({ role: "anon", secret: SECRET }));
    assert.equal(legacy.status, 200);
    await legacy.body?.cancel();
    const stranger = await generateKeyPair("ES256");
    await expectUnauthorized(await call(await sign(stranger.privateKey, "test-key")));
    await expectUnauthorized(await call(await sign(privateKey, "unknown-key")));
  } finally {
    await gateway.close();
  }
});
