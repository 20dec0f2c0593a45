/** What the claims routes answer with. */
import type { ClaimCategory, ClaimStatus } from "./queries.ts";

/** A claim in a list (dates as ISO strings, amount a decimal string). */
export interface ClaimItem {
  id: string;
  candidate_id: string;
  project_id: string;
  category: ClaimCategory;
  amount: string;
  description: string | null;
  receipt_path: string | null;
  status: ClaimStatus;
  submitted_at: string | null;
  decided_by: string | null;
  decided_at: string | null;
  rejection_reason: string | null;
  paid_at: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

/** One claim, with its project (and its manager, for the access check) and claimant. */
export interface ClaimDetail extends ClaimItem {
  project_title: string | null;
  project_manager_id: string | null;
  candidate_name: string | null;
}

export interface ClaimPage {
  data: ClaimItem[];
  next_cursor: string | null;
}

export interface ClaimsSummary {
  project_id: string | null;
  by_status: Record<ClaimStatus, { count: number; amount: string }>;
}
