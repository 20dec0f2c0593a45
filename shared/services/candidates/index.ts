/** The candidates service: what the candidates function's routes call. */
export {
  type Assignment,
  type Earnings,
  getCandidate,
  getEarnings,
  getOwnCandidate,
  listAssignments,
  type Page,
  searchCandidates,
} from "./read.ts";
export {
  createCandidate,
  importCandidates,
  type ImportRow,
  putBankDetails,
  updateCandidate,
} from "./write.ts";
export {
  type BankDetails,
  type CandidateInput,
  type CandidatePatch,
  icBirthDate,
  IMPORT_MAX_ROWS,
  normalizeIc,
} from "./rules.ts";
export {
  type BankRecord,
  type CandidateDetail,
  type CandidateListItem,
  ownCandidateId,
} from "./access.ts";
export type { SearchFilters } from "./queries.ts";
