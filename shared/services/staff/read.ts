/** Project staff, reading side: one page of a project's assignments. */
import type { Caller } from "../../caller.ts";
import { decodeCursor, type Listing, pageOf } from "../../cursor.ts";
import { asUser } from "../../db/index.ts";
import { notFound } from "../../errors.ts";
import { listStaffQuery, projectForStaffQuery, type StaffStatus } from "./queries.ts";
import { type StaffView, toStaffView } from "./views.ts";

const STAFF_LISTING: Listing = { list: "project-staff", sort: "candidate_id:asc", type: "none" };

/** One page of a project's staff (404 if the caller cannot see the project). */
export async function listStaff(
  caller: Caller,
  projectId: string,
  query: { status?: StaffStatus; limit: number; cursor?: string },
): Promise<{ data: StaffView[]; next_cursor: string | null }> {
  const cursor = decodeCursor(STAFF_LISTING, query.cursor);
  return await asUser(caller.claims, async (tx) => {
    const [[project], rows] = await Promise.all([
      projectForStaffQuery(tx, projectId),
      listStaffQuery(tx, projectId, query.status, cursor, query.limit),
    ]);
    if (!project) throw notFound("Project");
    // Ordered by candidate: the position is the candidate id, there is no other sort value.
    const page = pageOf(STAFF_LISTING, rows, query.limit, (r) => ({
      v: null,
      id: r.candidate_id as string,
    }));
    return { data: page.rows.map(toStaffView), next_cursor: page.next_cursor };
  }, { readOnly: true });
}
