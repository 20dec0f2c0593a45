/** The claims function: expense claims from draft through submit, approve / reject and pay. */
import type { Operation, QueryOf, RouteBinder } from "../operations.ts";
import { paged } from "../paging.ts";
import type { components, paths } from "../types/claims.gen.ts";

type Schemas = components["schemas"];

export type Claim = Schemas["Claim"];
export type ClaimItem = Schemas["ClaimItem"];
export type ClaimPage = Schemas["ClaimPage"];
export type ClaimCreate = Schemas["ClaimCreate"];
export type ClaimEdit = Schemas["ClaimEdit"];
export type ClaimReject = Schemas["ClaimReject"];
export type ClaimsSummary = Schemas["ClaimsSummary"];
export type ClaimFilters = QueryOf<Operation<paths, "/claims", "get">>;
export type ClaimSummaryFilters = QueryOf<Operation<paths, "/claims/summary", "get">>;

/** The claims service over `route` (see client/index.ts). */
export function claimsService(route: RouteBinder<paths>) {
  const list = route("get", "/claims");
  const create = route("post", "/claims");
  const summary = route("get", "/claims/summary");
  const get = route("get", "/claims/{id}");
  const update = route("patch", "/claims/{id}");
  const submit = route("post", "/claims/{id}/submit");
  const approve = route("post", "/claims/{id}/approve");
  const pay = route("post", "/claims/{id}/pay");
  const reject = route("post", "/claims/{id}/reject");
  return {
    /** Claims the caller may see, newest first: `list` (a page), `pages()`, `listAll()`. */
    ...paged((filters: ClaimFilters | undefined, cursor) =>
      list({ query: { ...filters, cursor } }).then((r) => r.data)
    ),
    /** Creates a draft claim. */
    create: (body: ClaimCreate) => create({ body }).then((r) => r.data),
    /** Count and total per status, optionally for one project. */
    summary: (filters?: ClaimSummaryFilters) => summary({ query: filters }).then((r) => r.data),
    /** One claim. */
    getById: (id: string) => get({ path: { id } }).then((r) => r.data),
    /** Edits a draft claim (the claimant or admin). */
    update: (id: string, edit: ClaimEdit) =>
      update({ path: { id }, body: edit }).then((r) => r.data),
    /** Submits a draft (the claimant or admin). */
    submit: (id: string) => submit({ path: { id } }).then((r) => r.data),
    /** Approves a submitted claim (admin, finance). */
    approve: (id: string) => approve({ path: { id } }).then((r) => r.data),
    /** Marks an approved claim paid (admin, finance). */
    pay: (id: string) => pay({ path: { id } }).then((r) => r.data),
    /** Rejects a submitted claim with a reason (admin, finance). */
    reject: (id: string, body: ClaimReject) => reject({ path: { id }, body }).then((r) => r.data),
  };
}

/** What `crew.claims` offers. */
export type ClaimsService = ReturnType<typeof claimsService>;
