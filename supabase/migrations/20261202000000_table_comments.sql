-- =====================================================================================
-- The data model, described in the catalog: what each table of the consolidated schema
-- (20250929_consolidated_schema.sql) holds, and what its less obvious columns mean, so
-- `\d+` and the Supabase table editor say it where people look.
--
-- Only comments: no data or schema change. COMMENT ON replaces the previous comment, so a
-- re-apply converges.
-- =====================================================================================

-- -------------------------------------------------------------------------------------
-- projects
-- -------------------------------------------------------------------------------------
comment on table public.projects is
  'One event engagement that crew are staffed on. Soft-deleted (deleted_at), never removed '
  'while payments and claims reference it. Managers see and edit only the projects they manage.';
comment on column public.projects.status is
  'planning, active, completed or cancelled.';
comment on column public.projects.crew_needed is
  'Head count the project asks for (a target; assignments are in project_staff).';
comment on column public.projects.budget is
  'Money (money_amount: at most 2 decimals, stored at scale 2), >= 0; optional.';
comment on column public.projects.manager_id is
  'The managing user (auth.users). Managers read and write only projects whose manager_id is '
  'them and may not hand a project to someone else. Null when that user is deleted.';
comment on column public.projects.created_by is
  'auth.uid() of the inserting user (null when the write carries no user JWT).';
comment on column public.projects.deleted_at is
  'Soft delete: set = deleted. Lists, reports and mv_project_financials show only rows where '
  'it is null; the row stays because payments and claims keep referencing it.';

-- -------------------------------------------------------------------------------------
-- candidates
-- -------------------------------------------------------------------------------------
comment on table public.candidates is
  'Crew members who can be assigned to projects. Holds personal data (ic_number, '
  'date_of_birth); bank details are in candidate_bank_accounts. Admin, managers and finance '
  'see every candidate, crew only their own row.';
comment on column public.candidates.ic_number is
  'Malaysian IC number: personal data. Stored normalised (spaces and dashes stripped by '
  'trigger, exactly 12 digits), unique, and must encode a real birth date not in the future '
  '(is_ic_valid). Never copied into activity_logs or reporting views.';
comment on column public.candidates.date_of_birth is
  'Derived from ic_number by trigger on every insert and IC change (YYMMDD; 19YY when YY is '
  'greater than the current two-digit year, else 20YY). Not a generated column because it '
  'depends on the current year; a written value is overwritten.';
comment on column public.candidates.status is
  'active, inactive or blacklisted.';
comment on column public.candidates.skills is
  'Free-form skill tags, filtered through a GIN index.';
comment on column public.candidates.user_id is
  'The candidate''s own login (auth.users), if any: how a crew user is matched to their '
  'candidate row, assignments, payments, claims and bank account. Unique.';

-- -------------------------------------------------------------------------------------
-- candidate_bank_accounts
-- -------------------------------------------------------------------------------------
comment on table public.candidate_bank_accounts is
  'A candidate''s bank details, one row per candidate. Split from candidates because RLS '
  'cannot hide columns: only admin, finance and the candidate themself can read it (managers '
  'cannot). RLS is forced. None of its columns is ever written to activity_logs.';
comment on column public.candidate_bank_accounts.candidate_id is
  'The candidate (primary key: one account each); deleted with the candidate.';
comment on column public.candidate_bank_accounts.account_number is
  'Bank account number: personal data, never logged.';

-- -------------------------------------------------------------------------------------
-- project_staff
-- -------------------------------------------------------------------------------------
comment on table public.project_staff is
  'Assignments: a candidate on a project at a daily rate, at most one per project and '
  'candidate. Audited in activity_logs and summed into project_totals. Managers control the '
  'assignments of their own projects.';
comment on column public.project_staff.designation is
  'The candidate''s role on this project (default crew).';
comment on column public.project_staff.status is
  'invited, confirmed, cancelled or completed. Cancelled assignments count in '
  'project_totals.staff_cancelled but not in total_daily_rate.';
comment on column public.project_staff.daily_rate is
  'Pay per day (money_amount, stored at scale 2), >= 0.';

-- -------------------------------------------------------------------------------------
-- payments, payments_default
-- -------------------------------------------------------------------------------------
comment on table public.payments is
  'The payroll ledger, the largest table. Range-partitioned by month of payment_date '
  '(payments_yYYYYmMM, kept 3 months ahead by a daily job; payments_default for the rest). '
  'Status moves only forward (pending -> approved | cancelled; approved -> paid | failed | '
  'cancelled), enforced by trigger for every role; rows may be inserted in any status. '
  'Audited in activity_logs and summed into project_totals.';
comment on column public.payments.id is
  'Payment id (gen_random_uuid, indexed on its own). The primary key is (id, payment_date) '
  'because the primary key of a partitioned table must include the partition key.';
comment on column public.payments.payment_date is
  'Partition key: its month chooses the partition. Part of the primary key, so a payment is '
  'addressed by (id, payment_date).';
comment on column public.payments.amount is
  'Money (money_amount: at most 2 decimals, 3 are rejected, never rounded; stored at scale '
  '2), > 0.';
comment on column public.payments.status is
  'pending, approved, paid, failed or cancelled; see the table comment for the allowed '
  'moves (refused with 23514, constraint payments_status_transition).';
comment on column public.payments.period_start is
  'First day of the work period paid (payroll runs), optional; period_end >= period_start.';
comment on column public.payments.period_end is
  'Last day of the work period paid (payroll runs), optional.';
comment on column public.payments.approved_by is
  'Who approved it; set by the status trigger to auth.uid() on approval unless given.';
comment on column public.payments.approved_at is
  'When it was approved; set by the status trigger on approval unless given.';
comment on column public.payments.paid_at is
  'When it was paid; set by the status trigger on the move to paid unless given.';
comment on column public.payments.failure_reason is
  'Why a payment failed (free text).';
comment on column public.payments.created_by is
  'auth.uid() of the inserting user (null when the write carries no user JWT).';

comment on table public.payments_default is
  'Default partition of payments: rows outside every monthly partition (far future, old '
  'imports). ensure_monthly_partitions moves them out when their month gets a partition. RLS '
  'on, no policy, no API grants: read through payments.';

-- -------------------------------------------------------------------------------------
-- payment_idempotency_keys
-- -------------------------------------------------------------------------------------
comment on table public.payment_idempotency_keys is
  'The outcome of each money-moving request by idempotency key, so a retry replays the first '
  'response instead of paying twice. Unpartitioned on purpose (a unique key on payments would '
  'have to include payment_date, which a retry does not know). Service path only: no policy, '
  'RLS forced, no grants to authenticated.';
comment on column public.payment_idempotency_keys.key is
  'The client''s Idempotency-Key header, or payroll:<project>:<candidate>:<start>:<end> for '
  'one assignment''s pay in a payroll run (deterministic, so a re-run skips it).';
comment on column public.payment_idempotency_keys.user_id is
  'The user who made the request; the same key from another user is refused.';
comment on column public.payment_idempotency_keys.request_hash is
  'Hex SHA-256 of the canonical JSON of the request: the same key with a different request is '
  'refused (422 idempotency_key_reused) instead of replayed.';
comment on column public.payment_idempotency_keys.payment_id is
  'With payment_date, the primary key of the payment the request created.';
comment on column public.payment_idempotency_keys.payment_date is
  'With payment_id, the primary key of the payment the request created.';
comment on column public.payment_idempotency_keys.response is
  'The response body sent to the first request, replayed verbatim to retries. Stored in the '
  'same transaction as the work, so a committed key always has it (a failed request rolls the '
  'key back).';
comment on column public.payment_idempotency_keys.status_code is
  'HTTP status of the first response, replayed with it.';

-- -------------------------------------------------------------------------------------
-- expense_claims
-- -------------------------------------------------------------------------------------
comment on table public.expense_claims is
  'Out-of-pocket costs a candidate claims against a project. Status moves only forward '
  '(draft -> submitted -> approved | rejected; approved -> paid), enforced by trigger. Crew '
  'create and edit their own claims while draft; finance decides and pays. Audited in '
  'activity_logs and summed into project_totals.';
comment on column public.expense_claims.category is
  'transport, meals, accommodation, equipment or other.';
comment on column public.expense_claims.amount is
  'Money (money_amount, stored at scale 2), > 0.';
comment on column public.expense_claims.receipt_path is
  'Where the receipt file is stored (a path, not the file), optional.';
comment on column public.expense_claims.status is
  'draft, submitted, approved, rejected or paid; see the table comment for the allowed moves '
  '(refused with 23514, constraint expense_claims_status_transition).';
comment on column public.expense_claims.submitted_at is
  'When it was submitted; set by trigger on submission, or on insert in a status other than '
  'draft, unless given.';
comment on column public.expense_claims.decided_by is
  'Who approved or rejected it; set by trigger to auth.uid() unless given.';
comment on column public.expense_claims.decided_at is
  'When it was approved or rejected; set by trigger unless given.';
comment on column public.expense_claims.rejection_reason is
  'Why it was rejected: required (not blank) when status is rejected (check constraint '
  'expense_claims_rejection_reason).';
comment on column public.expense_claims.paid_at is
  'When it was paid; set by trigger on the move to paid unless given.';
comment on column public.expense_claims.created_by is
  'auth.uid() of the inserting user (null when the write carries no user JWT).';

-- -------------------------------------------------------------------------------------
-- activity_logs, activity_logs_default
-- -------------------------------------------------------------------------------------
comment on table public.activity_logs is
  'Append-only audit trail of payments, expense_claims and project_staff, written only by the '
  'SECURITY DEFINER trigger tg_audit. Range-partitioned by month of occurred_at like payments. '
  'Personal-data keys are stripped. Readable by admin and finance.';
comment on column public.activity_logs.id is
  'Identity; the primary key is (id, occurred_at) because it must include the partition key.';
comment on column public.activity_logs.occurred_at is
  'When the change happened; partition key.';
comment on column public.activity_logs.actor_id is
  'auth.uid() of the writer (null when the write carries no user JWT).';
comment on column public.activity_logs.actor_role is
  'The writer''s app role, else their JWT role, else the database user.';
comment on column public.activity_logs.action is
  'insert, update or delete.';
comment on column public.activity_logs.entity is
  'The audited table (payments, expense_claims or project_staff; the parent, never a '
  'partition).';
comment on column public.activity_logs.entity_id is
  'id of the audited row.';
comment on column public.activity_logs.before is
  'Old values. On update only the changed columns; the whole row on delete; null on insert. '
  'Personal-data keys (ic_number, account_number, bank_name, account_holder) are stripped, '
  'and an update that changes only updated_at is not logged.';
comment on column public.activity_logs.after is
  'New values. On update only the changed columns; the whole row on insert; null on delete. '
  'Personal-data keys are stripped as in before.';

comment on table public.activity_logs_default is
  'Default partition of activity_logs: rows outside every monthly partition. '
  'ensure_monthly_partitions moves them out when their month gets a partition. RLS on, no '
  'policy, no API grants: read through activity_logs.';

-- -------------------------------------------------------------------------------------
-- project_totals
-- -------------------------------------------------------------------------------------
comment on table public.project_totals is
  'A project''s staff and money figures, one row per project, kept current by statement-level '
  'triggers on project_staff, payments and expense_claims, so project financials are a '
  'primary-key lookup. Same definitions as live_project_financials(). Bulk loads that bypass '
  'triggers call rebuild_project_totals(). Visible to whoever may see the project.';
comment on column public.project_totals.staff_invited is
  'Assignments in status invited.';
comment on column public.project_totals.staff_confirmed is
  'Assignments in status confirmed (not completed ones; see staff_completed).';
comment on column public.project_totals.staff_cancelled is
  'Assignments in status cancelled.';
comment on column public.project_totals.staff_completed is
  'Assignments in status completed.';
comment on column public.project_totals.total_daily_rate is
  'Sum of daily_rate over the assignments that are not cancelled.';
comment on column public.project_totals.payments_paid is
  'Sum of amount over payments in status paid.';
comment on column public.project_totals.payments_pending is
  'Sum of amount over payments not yet paid out: pending = pending + approved.';
comment on column public.project_totals.payments_count is
  'Number of payments in any status (failed and cancelled included).';
comment on column public.project_totals.claims_approved is
  'Sum of amount over expense claims in status approved (approved, not yet paid).';
comment on column public.project_totals.claims_paid is
  'Sum of amount over expense claims in status paid.';
comment on column public.project_totals.updated_at is
  'When a trigger or rebuild last changed the row.';

-- -------------------------------------------------------------------------------------
-- Reporting views
-- -------------------------------------------------------------------------------------
comment on materialized view public.mv_project_financials is
  'Dashboard figures per live (not deleted) project, refreshed every 5 minutes by the '
  'refresh-reporting-views job (refreshed_at). Never granted (no RLS on materialized views): '
  'read through report_project_financials(); live_project_financials() computes the same live.';
comment on materialized view public.mv_monthly_payments is
  'Payment count and total per month and status, refreshed every 5 minutes. Never granted: '
  'read through report_monthly_payments() (admin and finance); live_monthly_payments() '
  'computes the same live.';
comment on materialized view public.mv_candidate_earnings is
  'Per candidate: total paid, total pending (pending + approved), payment count and last '
  'payout, refreshed every 5 minutes. Never granted: read through report_candidate_earnings() '
  '(admin, finance, crew for themself); live_candidate_earnings() computes the same live.';
