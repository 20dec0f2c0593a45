-- Shared wrk helpers: key files, Zipf sampling, per-thread ids and a JSON summary line that
-- bench/lib/wrk.ts parses. Loaded by every script with dofile(BENCH_LUA_DIR .. "/lib.lua").
local threads = {}
local thread_count = 0

function env(name, default)
  local value = os.getenv(name)
  if value == nil or value == "" then return default end
  return value
end

function read_lines(path)
  local lines = {}
  if path == nil then return lines end
  for line in io.lines(path) do
    if line ~= "" then lines[#lines + 1] = line end
  end
  return lines
end

-- Zipf(s) over ranks 1..n: the cumulative weights, normalised, for a binary search per draw.
function zipf_cdf(n, s)
  local cdf, sum = {}, 0
  for k = 1, n do
    sum = sum + 1 / (k ^ s)
    cdf[k] = sum
  end
  for k = 1, n do cdf[k] = cdf[k] / sum end
  return cdf
end

function zipf_draw(cdf)
  local r = math.random()
  local lo, hi = 1, #cdf
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if cdf[mid] < r then lo = mid + 1 else hi = mid end
  end
  return lo
end

-- Runs in the main state once per thread, before the thread's init().
function setup(thread)
  thread:set("thread_id", thread_count)
  thread_count = thread_count + 1
  threads[#threads + 1] = thread
end

function seed_random()
  -- Distinct streams per thread, different every run.
  math.randomseed(os.time() * 1000 + (thread_id or 0) * 7919 + math.floor(os.clock() * 1e6))
  for _ = 1, 10 do math.random() end
end

-- Status histogram, only where a script opts in (defining response() makes wrk parse bodies).
-- `shed` counts the 503s that carry Retry-After: the function's deliberate refusal under
-- overload, which the report tells apart from every other 5xx.
statuses = {}
writes = 0
shed = 0
local function has_retry_after(headers)
  for name, _ in pairs(headers) do
    if string.lower(name) == "retry-after" then return true end
  end
  return false
end

function track_statuses()
  function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
    if status == 503 and has_retry_after(headers) then shed = shed + 1 end
  end
end

-- Think time: a uniformly random BENCH_THINK_MIN_MS..BENCH_THINK_MAX_MS pause before every
-- request (a user reading the page), which turns each connection into one user. wrk starts a
-- request's clock only after the pause (socket_writeable sets c->start once delay() has run
-- out), so the latencies it reports exclude the think time.
function think_time()
  local lo = tonumber(env("BENCH_THINK_MIN_MS", "1000"))
  local hi = tonumber(env("BENCH_THINK_MAX_MS", "3000"))
  function delay()
    return math.random(lo, hi)
  end
end

local function thread_statuses(thread)
  local merged = {}
  local ok, value = pcall(function() return thread:get("statuses") end)
  if ok and type(value) == "table" then
    for code, count in pairs(value) do merged[tostring(code)] = count end
  end
  return merged
end

function done(summary, latency, requests)
  local codes, write_count, shed_count = {}, 0, 0
  for _, thread in ipairs(threads) do
    for code, count in pairs(thread_statuses(thread)) do
      codes[code] = (codes[code] or 0) + count
    end
    write_count = write_count + (tonumber(thread:get("writes")) or 0)
    shed_count = shed_count + (tonumber(thread:get("shed")) or 0)
  end
  local parts = {}
  for code, count in pairs(codes) do parts[#parts + 1] = string.format('"%s":%d', code, count) end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"min":%d,"mean":%.1f,"max":%d,"stdev":%.1f,' ..
    '"p50":%d,"p90":%d,"p99":%d,"p999":%d},"statuses":{%s},"writes":%d,"shed":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.max, latency.stdev,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), table.concat(parts, ","), write_count, shed_count))
end
