/** What the staff routes answer with, and how rows become it. */
import { iso } from "../../db/rows.ts";
import { maskIc } from "../../schemas.ts";
import type { StaffStatus } from "./queries.ts";

export interface StaffView {
  id: string;
  project_id: string;
  candidate_id: string;
  candidate_name?: string;
  ic_number_masked?: string;
  designation: string;
  status: StaffStatus;
  start_date: string | null;
  end_date: string | null;
  daily_rate: string;
  created_at: string;
  updated_at: string;
}

export interface AssignItem {
  candidate_id: string;
  designation?: string;
  status?: "invited" | "confirmed";
  start_date?: string;
  end_date?: string;
  daily_rate?: string;
}

export interface StaffPatch {
  designation?: string;
  status?: StaffStatus;
  start_date?: string;
  end_date?: string;
  daily_rate?: string;
}

export function toStaffView(row: Record<string, unknown>): StaffView {
  const view: StaffView = {
    id: row.id as string,
    project_id: row.project_id as string,
    candidate_id: row.candidate_id as string,
    designation: row.designation as string,
    status: row.status as StaffStatus,
    start_date: row.start_date as string | null,
    end_date: row.end_date as string | null,
    daily_rate: row.daily_rate as string,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
  if (typeof row.candidate_name === "string") view.candidate_name = row.candidate_name;
  // Lists never carry a full IC number, whoever asks.
  if (typeof row.ic_number === "string") view.ic_number_masked = maskIc(row.ic_number);
  return view;
}
