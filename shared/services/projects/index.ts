/** The projects service: what the projects function's routes call. */
export { getProject, listProjects, loadProjectDetail } from "./read.ts";
export { createProject, deleteProject, updateProject } from "./write.ts";
export { type BatchItem, batchProjects, type BatchResult } from "./batch.ts";
export { type Dashboard, getDashboard } from "./dashboard.ts";
export type { ListFilters, ProjectStatus, SortField } from "./queries.ts";
export type { ProjectInput } from "./rules.ts";
export type { Financials, ProjectDetail, ProjectPage, ProjectView, StaffSummary } from "./views.ts";
