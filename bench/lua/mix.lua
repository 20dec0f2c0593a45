-- The 95/5 read/write mix. Reads (Zipf over the seed): 2/3 GET project, 1/3 GET candidate.
-- Writes (BENCH_WRITE_PCT, default 5 %): 40 % project PATCH (Zipf: hot projects get written,
-- which is what makes invalidation matter), 40 % payment create with a unique Idempotency-Key,
-- 20 % claim approval walking a list of submitted claims (each claim once: a second approval
-- would be a legitimate 409, not a benchmark of anything). When the claims run out, the claim
-- share becomes project PATCHes.
dofile(os.getenv("BENCH_LUA_DIR") .. "/lib.lua")

local headers, json_headers
local projects, project_cdf, candidates, candidate_cdf, assignments, claims
local claim_next, claim_step, write_pct, run_id, today, sequence = 1, 1, 5, "run", "", 0

function init(args)
  seed_random()
  local token = "Bearer " .. env("BENCH_TOKEN", "")
  headers = { ["Authorization"] = token }
  json_headers = { ["Authorization"] = token, ["Content-Type"] = "application/json" }
  projects = read_lines(env("BENCH_PROJECT_KEYS"))
  project_cdf = zipf_cdf(#projects, tonumber(env("BENCH_ZIPF_S", "1.0")))
  candidates = read_lines(env("BENCH_CANDIDATE_KEYS"))
  candidate_cdf = zipf_cdf(#candidates, tonumber(env("BENCH_ZIPF_S", "1.0")))
  assignments = read_lines(env("BENCH_ASSIGNMENT_KEYS"))
  claims = read_lines(env("BENCH_CLAIM_KEYS"))
  -- Threads take interleaved claims so no two threads approve the same one.
  claim_step = tonumber(env("BENCH_THREADS", "1"))
  claim_next = (thread_id or 0) + 1
  write_pct = tonumber(env("BENCH_WRITE_PCT", "5"))
  -- The warm-up and the measured run are two wrk processes with the same BENCH_RUN_ID: the
  -- start time keeps their Idempotency-Keys apart (a reused key with another body is a 422).
  run_id = env("BENCH_RUN_ID", "run") .. "-" .. tostring(os.time())
  today = env("BENCH_TODAY", os.date("!%Y-%m-%d"))
  track_statuses()
end

local function patch_project()
  local id = projects[zipf_draw(project_cdf)]
  local body = string.format('{"crew_needed":%d}', math.random(1, 400))
  return wrk.format("PATCH", "/functions/v1/projects/" .. id, json_headers, body)
end

local function create_payment()
  local pair = assignments[math.random(1, #assignments)]
  local comma = string.find(pair, ",", 1, true)
  sequence = sequence + 1
  local amount = string.format("%d.%02d", math.random(50, 900), math.random(0, 99))
  local body = string.format(
    '{"project_id":"%s","candidate_id":"%s","amount":"%s","payment_date":"%s"}',
    string.sub(pair, 1, comma - 1), string.sub(pair, comma + 1), amount, today)
  local h = {
    ["Authorization"] = json_headers["Authorization"],
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = string.format("bench-%s-%d-%d", run_id, thread_id or 0, sequence),
  }
  return wrk.format("POST", "/functions/v1/payments", h, body)
end

local function approve_claim()
  if claim_next > #claims then return patch_project() end
  local id = claims[claim_next]
  claim_next = claim_next + claim_step
  return wrk.format("POST", "/functions/v1/claims/" .. id .. "/approve", json_headers, "{}")
end

function request()
  if math.random() * 100 < write_pct then
    writes = writes + 1
    local kind = math.random()
    if kind < 0.4 then return patch_project() end
    if kind < 0.8 and #assignments > 0 then return create_payment() end
    return approve_claim()
  end
  if math.random() < 2 / 3 then
    return wrk.format("GET", "/functions/v1/projects/" .. projects[zipf_draw(project_cdf)], headers)
  end
  return wrk.format("GET", "/functions/v1/candidates/" .. candidates[zipf_draw(candidate_cdf)],
    headers)
end
