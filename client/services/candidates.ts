/** The candidates function: search, records, bank details, assignments and earnings. */
import type { BodyOf, Operation, QueryOf, RouteBinder } from "../operations.ts";
import { paged, pagedBy } from "../paging.ts";
import type { components, paths } from "../types/candidates.gen.ts";

type Schemas = components["schemas"];

export type Candidate = Schemas["Candidate"];
export type CandidateListItem = Schemas["CandidateListItem"];
export type CandidatePage = Schemas["CandidatePage"];
export type CandidateCreate = Schemas["CandidateCreate"];
export type CandidatePatch = Schemas["CandidatePatch"];
export type CandidateBank = Schemas["CandidateBank"];
export type BankDetails = Schemas["BankDetails"];
export type ImportResult = Schemas["ImportResult"];
export type Assignment = Schemas["Assignment"];
export type AssignmentPage = Schemas["AssignmentPage"];
export type Earnings = Schemas["Earnings"];
/** `{ rows }`: CandidateCreate objects, validated row by row. */
export type CandidateImport = BodyOf<Operation<paths, "/candidates/import", "post">>;
/** `q` (fuzzy name: rate limited as expensive), `ic`, `status`, `skills`, `limit`, `cursor`. */
export type CandidateFilters = QueryOf<Operation<paths, "/candidates", "get">>;
export type AssignmentFilters = QueryOf<Operation<paths, "/candidates/{id}/assignments", "get">>;

/** The candidates service over `route` (see client/index.ts). */
export function candidatesService(route: RouteBinder<paths>) {
  const list = route("get", "/candidates");
  const lookup = route("post", "/candidates/lookup");
  const create = route("post", "/candidates");
  const me = route("get", "/candidates/me");
  const importRows = route("post", "/candidates/import");
  const get = route("get", "/candidates/{id}");
  const update = route("patch", "/candidates/{id}");
  const setBank = route("put", "/candidates/{id}/bank");
  const assignments = route("get", "/candidates/{id}/assignments");
  const earnings = route("get", "/candidates/{id}/earnings");
  return {
    /** Candidates (IC numbers masked): `list` (a page), `pages()`, `listAll()`. */
    ...paged((filters: CandidateFilters | undefined, cursor) =>
      list({ query: { ...filters, cursor } }).then((r) => r.data)
    ),
    /** Finds a candidate by IC number, sent in the body (not the URL): a page of 0 or 1. */
    lookup: (icNumber: string) => lookup({ body: { ic_number: icNumber } }).then((r) => r.data),
    /** Creates a candidate (admin, manager). */
    create: (body: CandidateCreate) => create({ body }).then((r) => r.data),
    /** The caller's own candidate record. */
    me: () => me({}).then((r) => r.data),
    /** Upserts candidates by IC number: all rows or none. */
    import: (body: CandidateImport) => importRows({ body }).then((r) => r.data),
    /** One candidate (full IC for staff and the candidate; bank for admin, finance and self). */
    getById: (id: string) => get({ path: { id } }).then((r) => r.data),
    /** Updates a candidate. */
    update: (id: string, patch: CandidatePatch) =>
      update({ path: { id }, body: patch }).then((r) => r.data),
    /** Sets a candidate's bank details (admin, finance, the candidate). */
    setBank: (id: string, bank: BankDetails) =>
      setBank({ path: { id }, body: bank }).then((r) => r.data),
    /** A candidate's assignments with project title and dates. */
    assignments: pagedBy((id, filters: AssignmentFilters | undefined, cursor) =>
      assignments({ path: { id }, query: { ...filters, cursor } }).then((r) => r.data)
    ),
    /** Earnings totals plus the live open amount. */
    earnings: (id: string) => earnings({ path: { id } }).then((r) => r.data),
  };
}

/** What `crew.candidates` offers. */
export type CandidatesService = ReturnType<typeof candidatesService>;
