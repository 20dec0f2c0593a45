/**
 * Prints JSON `{admin, manager, finance, crew}`: the demo users' JWTs, minted the way the other
 * tests mint them (scripts/stack/keys.ts, JWT_SECRET from the env) so the Node browser test
 * needs neither a JWT library nor its own copy of the demo user ids.
 *
 *   deno run -A tests/browser/tokens.ts
 */
import { mintUserJwt } from "../../scripts/stack/keys.ts";
import { DEMO_USERS } from "../../scripts/seed/demo-users.ts";

const names = ["admin", "manager", "finance", "crew"] as const;
const tokens = Object.fromEntries(
  await Promise.all(
    names.map(async (
      name,
    ) => [name, await mintUserJwt(DEMO_USERS[name].id, DEMO_USERS[name].role)]),
  ),
);
console.log(JSON.stringify(tokens));
