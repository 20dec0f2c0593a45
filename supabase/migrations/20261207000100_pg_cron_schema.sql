-- =====================================================================================
-- pg_cron out of `public` (Supabase's advisor: extension_in_public). The consolidated schema
-- created it without a schema, so its objects landed in `public`, the schema the Data API
-- serves. Supabase installs it in pg_catalog; pg_cron cannot be relocated (no SET SCHEMA), so
-- where it sits in `public` it is dropped and created again there, and its jobs are scheduled
-- again from a copy taken first (the run history in cron.job_run_details is not kept). Its
-- tables stay in schema `cron` either way. Re-pushing, or a project that already has it in
-- pg_catalog, does nothing.
-- =====================================================================================
do $$
declare
  v_job record;
  v_jobs jsonb;
begin
  if not exists (
    select from pg_extension e join pg_namespace n on n.oid = e.extnamespace
     where e.extname = 'pg_cron' and n.nspname = 'public'
  ) then
    return;
  end if;
  select coalesce(jsonb_agg(to_jsonb(j)), '[]') into v_jobs
    from (select jobname, schedule, command, active from cron.job where jobname is not null) j;
  drop extension pg_cron;
  create extension pg_cron with schema pg_catalog;
  for v_job in select * from jsonb_to_recordset(v_jobs)
                 as x(jobname text, schedule text, command text, active boolean)
  loop
    perform cron.schedule(v_job.jobname, v_job.schedule, v_job.command);
    if not v_job.active then
      perform cron.alter_job(job_id := (select jobid from cron.job where jobname = v_job.jobname),
                             active := false);
    end if;
  end loop;
end
$$;
