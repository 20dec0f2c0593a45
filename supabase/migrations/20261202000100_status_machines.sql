-- =====================================================================================
-- Status machines, all four in the database: projects and assignments join payments and
-- expense claims. Until now the first two were enforced only in TypeScript, so a service-role
-- write (or any other client of the database) could move a completed project back to planning.
--
-- Every refusal is the same shape, which the functions map to 409 `invalid_transition` by
-- constraint name (shared/db/errors.ts), never by matching the message:
--   SQLSTATE 23514 (check_violation), CONSTRAINT <table>_status_transition,
--   DETAIL {"from": "...", "to": "...", "id": "..."} (JSON), message
--   "invalid <thing> status transition: <from> -> <to>".
-- The allowed moves are DATA, in public.status_moves: the triggers consult it, and so does the
-- projects batch, which reports every refused move of a batch at once before writing any.
-- Rows may be INSERTed in any status (imports, the seed); once stored they only move along the
-- listed edges, and staying put is always allowed.
-- =====================================================================================

create table if not exists public.status_moves (
  machine text not null,
  from_status text not null,
  to_status text not null,
  primary key (machine, from_status, to_status)
);
comment on table public.status_moves is
  'The four status machines as data: one row per allowed move (staying put is always allowed).'
  ' Read by the status triggers and by the projects batch; written only by migrations.';
comment on column public.status_moves.machine is 'The table whose status column it governs.';

-- Re-pushing converges: the rows are exactly these, whatever was there.
delete from public.status_moves;
insert into public.status_moves (machine, from_status, to_status) values
  -- projects: planning -> active -> completed, or -> cancelled before completion.
  ('projects', 'planning', 'active'),
  ('projects', 'planning', 'cancelled'),
  ('projects', 'active', 'completed'),
  ('projects', 'active', 'cancelled'),
  -- assignments: invited -> confirmed -> completed, or -> cancelled; a completed assignment is
  -- payroll history.
  ('project_staff', 'invited', 'confirmed'),
  ('project_staff', 'invited', 'cancelled'),
  ('project_staff', 'confirmed', 'completed'),
  ('project_staff', 'confirmed', 'cancelled'),
  -- payments: pending -> approved -> paid | failed, or -> cancelled before payment.
  ('payments', 'pending', 'approved'),
  ('payments', 'pending', 'cancelled'),
  ('payments', 'approved', 'paid'),
  ('payments', 'approved', 'failed'),
  ('payments', 'approved', 'cancelled'),
  -- expense claims: draft -> submitted -> approved -> paid, or submitted -> rejected.
  ('expense_claims', 'draft', 'submitted'),
  ('expense_claims', 'submitted', 'approved'),
  ('expense_claims', 'submitted', 'rejected'),
  ('expense_claims', 'approved', 'paid');

-- Public knowledge (the API documents the same moves): every signed-in role may read it.
alter table public.status_moves enable row level security;
drop policy if exists status_moves_select on public.status_moves;
create policy status_moves_select on public.status_moves for select to authenticated
  using (true);
revoke all on public.status_moves from anon, authenticated;
grant select on public.status_moves to authenticated, service_role;

-- Checks one row's move and raises the refusal described above when it is not allowed; the
-- single place both the rule and the error's shape live. Security definer so it reads the
-- table whoever writes.
create or replace function public.check_status_move(
  machine text, thing text, row_id uuid, from_status text, to_status text
)
returns void
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if from_status is distinct from to_status and not exists (
    select 1 from public.status_moves m
     where m.machine = check_status_move.machine
       and m.from_status = check_status_move.from_status
       and m.to_status = check_status_move.to_status
  ) then
    raise exception 'invalid % status transition: % -> %', thing, from_status, to_status
      using errcode = 'check_violation', constraint = machine || '_status_transition',
            table = machine, schema = 'public',
            detail = json_build_object('from', from_status, 'to', to_status, 'id', row_id)::text;
  end if;
end
$$;
revoke all on function public.check_status_move(text, text, uuid, text, text)
  from public, anon, authenticated;
grant execute on function public.check_status_move(text, text, uuid, text, text)
  to authenticated, service_role;

-- projects and assignments: the check only.
create or replace function public.tg_projects_status()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  perform public.check_status_move('projects', 'project', old.id, old.status::text,
                                   new.status::text);
  return new;
end
$$;

drop trigger if exists trg_projects_status on public.projects;
create trigger trg_projects_status before update of status on public.projects
  for each row execute function public.tg_projects_status();

create or replace function public.tg_project_staff_status()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  perform public.check_status_move('project_staff', 'assignment', old.id, old.status::text,
                                   new.status::text);
  return new;
end
$$;

drop trigger if exists trg_project_staff_status on public.project_staff;
create trigger trg_project_staff_status before update of status on public.project_staff
  for each row execute function public.tg_project_staff_status();

-- payments and expense_claims: the check, then the timestamps a move stamps (as before; the
-- messages are unchanged).
create or replace function public.tg_payments_status()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.status is distinct from old.status then
    perform public.check_status_move('payments', 'payment', old.id, old.status::text,
                                     new.status::text);
    if new.status = 'approved' then
      new.approved_at := coalesce(new.approved_at, now());
      new.approved_by := coalesce(new.approved_by, auth.uid());
    elsif new.status = 'paid' then
      new.paid_at := coalesce(new.paid_at, now());
    end if;
  end if;
  return new;
end
$$;

create or replace function public.tg_expense_claims_status()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.status is distinct from old.status then
    perform public.check_status_move('expense_claims', 'expense claim', old.id,
                                     old.status::text, new.status::text);
    if new.status = 'submitted' then
      new.submitted_at := coalesce(new.submitted_at, now());
    elsif new.status in ('approved', 'rejected') then
      new.decided_at := coalesce(new.decided_at, now());
      new.decided_by := coalesce(new.decided_by, auth.uid());
    elsif new.status = 'paid' then
      new.paid_at := coalesce(new.paid_at, now());
    end if;
  end if;
  return new;
end
$$;

-- Trigger functions are never called directly (the consolidated file revokes its own the same
-- way).
revoke all on function public.tg_projects_status(), public.tg_project_staff_status()
  from public, anon, authenticated;
