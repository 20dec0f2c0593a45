-- Candidates: Malay, Chinese, Indian and East Malaysian names; valid ICs (real birth date,
-- real state code, gender in the last digit). The (state code, serial) pair is derived from
-- the ordinal (i % 55, i / 55), so ICs are unique by construction for up to 275,000 candidates.
create temp table seed_candidates as
with base as (
  select i,
         date '1966-01-01' + floor(pg_temp.h(i, 21) * (date '2006-06-30' - date '1966-01-01'))::int
           as dob,
         pg_temp.h(i, 22) as ethnic,
         (pg_temp.h(i, 23) < 0.5) as male,
         (array['01','02','03','04','05','06','07','08','09','10','11','12','13','14','15',
                '16','21','22','23','24','25','26','27','28','29','30','31','32','33','34',
                '35','36','37','38','39','40','41','42','43','44','45','46','47','48','49',
                '50','51','52','53','54','55','56','57','58','59'])[1 + i % 55]
           as state_code
    from generate_series(1, current_setting('seed.candidates')::int) i
)
select b.i, pg_temp.sid('candidate', b.i) as id, b.dob, b.male,
       to_char(b.dob, 'YYMMDD') || b.state_code
         || lpad((((b.i / 55) % 5000) * 2 + case when b.male then 1 else 0 end)::text, 4, '0')
         as ic_number,
       case
         when b.ethnic < 0.62 then
           case when b.male
             then pg_temp.pick(array['Muhammad Amir', 'Ahmad Faiz', 'Mohd Hafiz', 'Aiman',
                    'Syafiq', 'Haziq', 'Izzat', 'Danial', 'Firdaus', 'Khairul', 'Azlan',
                    'Hakim', 'Irfan', 'Zulkifli', 'Nazri', 'Amirul', 'Faris', 'Luqman'],
                    pg_temp.h(b.i, 24)) || ' bin '
             else pg_temp.pick(array['Nur Aisyah', 'Siti Nurhaliza', 'Nurul Izzah', 'Aina',
                    'Farah', 'Syazwani', 'Amira', 'Hidayah', 'Zulaikha', 'Aqilah', 'Balqis',
                    'Nadia', 'Sofea', 'Wardah', 'Atikah', 'Hanis'], pg_temp.h(b.i, 24))
                  || ' binti '
           end
           || pg_temp.pick(array['Abdullah', 'Ismail', 'Hassan', 'Osman', 'Rahman', 'Yusof',
                'Ibrahim', 'Ahmad', 'Razak', 'Salleh', 'Hamid', 'Kassim', 'Zainal', 'Harun',
                'Aziz', 'Latif', 'Mahmud', 'Jamal'], pg_temp.h(b.i, 25))
         when b.ethnic < 0.85 then
           pg_temp.pick(array['Tan', 'Lim', 'Lee', 'Ng', 'Wong', 'Chan', 'Ong', 'Teoh', 'Goh',
             'Chong', 'Yap', 'Low', 'Khoo', 'Chin', 'Liew', 'Foo', 'Cheah', 'Loh'],
             pg_temp.h(b.i, 24)) || ' '
           || pg_temp.pick(array['Wei', 'Jia', 'Zi', 'Kah', 'Mei', 'Hui', 'Jun', 'Xin',
                'Kok', 'Siew', 'Yee', 'Boon', 'Chee', 'Li'], pg_temp.h(b.i, 25)) || ' '
           || pg_temp.pick(array['Ming', 'Hao', 'Ling', 'Yan', 'Kit', 'Wen', 'Heng', 'Ying',
                'Seng', 'Fong', 'Hong', 'Qi', 'Jie', 'Lun'], pg_temp.h(b.i, 26))
         when b.ethnic < 0.95 then
           case when b.male
             then pg_temp.pick(array['Arun', 'Kumar', 'Ravi', 'Suresh', 'Vijay', 'Ganesh',
                    'Prakash', 'Rajesh', 'Dinesh', 'Kavin', 'Tharun', 'Hari'],
                    pg_temp.h(b.i, 24)) || ' a/l '
             else pg_temp.pick(array['Priya', 'Kavitha', 'Deepa', 'Shalini', 'Anitha',
                    'Revathi', 'Thivya', 'Malini', 'Sangeetha', 'Yamuna', 'Nisha', 'Lavanya'],
                    pg_temp.h(b.i, 24)) || ' a/p '
           end
           || pg_temp.pick(array['Subramaniam', 'Muniandy', 'Krishnan', 'Rajendran',
                'Arumugam', 'Selvaraj', 'Ramasamy', 'Govindasamy', 'Maniam', 'Pillai'],
                pg_temp.h(b.i, 25))
         else
           pg_temp.pick(array['Jenny', 'Mary', 'Joanna', 'Stella', 'Michael', 'Daniel',
             'Jonathan', 'Ricky', 'Agnes', 'Felix', 'Grace', 'Alvin'], pg_temp.h(b.i, 24))
           || ' anak '
           || pg_temp.pick(array['Sulang', 'Jimbun', 'Nyambong', 'Lasah', 'Gumis', 'Ambrose',
                'Majang', 'Ungkok', 'Sigar', 'Bundak'], pg_temp.h(b.i, 25))
       end as full_name
  from base b;
create unique index on seed_candidates (i);

insert into candidates (id, full_name, ic_number, date_of_birth, phone, email, status, skills,
                        user_id, created_at, updated_at)
select c.id, c.full_name, c.ic_number, c.dob,
       '01' || (array['2', '3', '6', '7', '8', '9', '0', '1'])[1 + floor(pg_temp.h(c.i, 27) * 8)::int]
         || lpad(floor(pg_temp.h(c.i, 28) * 10000000)::text, 7, '0'),
       lower(regexp_replace(split_part(c.full_name, ' ', 1), '[^A-Za-z]', '', 'g')) || '.' || c.i
         || '@' || pg_temp.pick(array['gmail.com', 'yahoo.com', 'hotmail.com', 'outlook.com'],
                                pg_temp.h(c.i, 29)),
       case when c.i <= 2 then 'active'
            when pg_temp.h(c.i, 30) < 0.92 then 'active'
            when pg_temp.h(c.i, 30) < 0.98 then 'inactive'
            else 'blacklisted' end::candidate_status,
       array(select distinct s from unnest(array[
         pg_temp.pick(array['setup', 'ushering', 'registration', 'logistics', 'audio-visual',
           'driving', 'first-aid', 'photography', 'f&b', 'security', 'stage-crew', 'emcee',
           'brand-ambassador', 'crowd-control'], pg_temp.h(c.i, 31)),
         pg_temp.pick(array['setup', 'ushering', 'registration', 'logistics', 'audio-visual',
           'driving', 'first-aid', 'photography', 'f&b', 'security', 'stage-crew', 'emcee',
           'brand-ambassador', 'crowd-control'], pg_temp.h(c.i, 32))]) s order by s),
       case c.i when 1 then '00000000-0000-4000-a000-000000000004'::uuid
                when 2 then '00000000-0000-4000-a000-000000000006'::uuid end,
       now() - make_interval(days => 30 + floor(pg_temp.h(c.i, 33) * 900)::int),
       now() - make_interval(days => floor(pg_temp.h(c.i, 33) * 30)::int)
  from seed_candidates c;

insert into candidate_bank_accounts (candidate_id, bank_name, account_number, account_holder,
                                     created_at, updated_at)
select c.id,
       pg_temp.pick(array['Maybank', 'CIMB Bank', 'Public Bank', 'RHB Bank', 'Hong Leong Bank',
         'AmBank', 'Bank Islam', 'BSN', 'Affin Bank', 'Alliance Bank', 'Bank Rakyat'],
         pg_temp.h(c.i, 34)),
       lpad(floor(pg_temp.h(c.i, 35) * 1e12)::bigint::text, 12, '0'),
       upper(c.full_name),
       now() - interval '30 days', now() - interval '30 days'
  from seed_candidates c
 where c.i <= 2 or pg_temp.h(c.i, 36) < 0.9;
