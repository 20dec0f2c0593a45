/** The claims service: what the claims function's routes call. */
export { claimsSummary, getClaim, listClaims } from "./read.ts";
export {
  CLAIM_ACTIONS,
  type ClaimAction,
  type ClaimCreate,
  createClaim,
  editClaim,
  transitionClaim,
} from "./write.ts";
export type { ClaimCategory, ClaimEdit, ClaimFilters, ClaimStatus } from "./queries.ts";
export type { ClaimDetail, ClaimItem, ClaimPage, ClaimsSummary } from "./views.ts";
