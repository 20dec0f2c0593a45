/** The staff service: what the projects function's staff routes call. */
export { listStaff } from "./read.ts";
export { assignStaff, removeStaff, updateStaff } from "./write.ts";
export type { StaffStatus } from "./queries.ts";
export type { AssignItem, StaffPatch, StaffView } from "./views.ts";
