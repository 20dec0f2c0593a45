/**
 * End to end: every candidates route through supabase-js → gateway → function process, for each
 * app role — happy paths, bad input (status, error shape, database unchanged), forbidden access
 * (status, nothing leaked), and the cache handing nothing to callers who may not see it.
 *
 * One test, one world, steps in order: later steps rely on earlier ones (a record cached by the
 * reads before, crew's IC changed by the patch, the bank details set before), so the bodies live
 * in write-steps.ts and read-steps.ts but run only from here.
 */
import { closeDb } from "../../helpers/client.ts";
import { makeWorld, type World } from "./fixtures.ts";
import {
  assignmentsScoped,
  earningsScoped,
  getMe,
  getPerCaller,
  getRefused,
  searchMasked,
  statsAdminOnly,
} from "./read-steps.ts";
import {
  bankByRole,
  createByStaff,
  createDuplicate,
  createInvalid,
  patchByRole,
} from "./write-steps.ts";

Deno.test({
  name: "candidates function",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const w: World = await makeWorld();

    await t.step(
      "create: admin and manager; IC normalized; others refused",
      () => createByStaff(w),
    );
    await t.step(
      "create: bad IC format, impossible date, unknown field → 400; nothing written",
      () => createInvalid(w),
    );
    await t.step("create: duplicate IC → 409, one row stays", () => createDuplicate(w));
    await t.step(
      "get: full IC for staff and self; bank only for admin/finance/self",
      () => getPerCaller(w),
    );
    await t.step(
      "get: crew asking for someone else → 404, no IC, even when cached",
      () => getRefused(w),
    );
    await t.step("me: the caller's own record", () => getMe(w));
    await t.step(
      "search: name, IC, status, skills; IC masked; keyset pages",
      () => searchMasked(w),
    );
    await t.step("patch: roles and field rules; reads see the change", () => patchByRole(w));
    await t.step("bank: admin, finance, self; manager and others refused", () => bankByRole(w));
    await t.step("assignments: scoped per role, paged", () => assignmentsScoped(w));
    await t.step(
      "earnings: reporting totals + live open amount; admin, finance, self",
      () => earningsScoped(w),
    );
    await t.step("stats: admin only", () => statsAdminOnly());

    await closeDb();
  },
});
