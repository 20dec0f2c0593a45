-- GET with an auth header; the path is BENCH_PATH with "{key}" replaced by a key drawn
-- Zipf(BENCH_ZIPF_S, default 1.0) from BENCH_KEYS (rank = line number), or BENCH_PATH as is.
dofile(os.getenv("BENCH_LUA_DIR") .. "/lib.lua")

local template, keys, cdf, headers

function init(args)
  seed_random()
  template = env("BENCH_PATH", "/")
  keys = read_lines(env("BENCH_KEYS"))
  if #keys > 0 then cdf = zipf_cdf(#keys, tonumber(env("BENCH_ZIPF_S", "1.0"))) end
  headers = {}
  local token = env("BENCH_TOKEN")
  if token then headers["Authorization"] = "Bearer " .. token end
  -- Every script tracks statuses, so wrk does the same work per response in every scenario.
  track_statuses()
end

function request()
  local path = template
  if cdf then
    -- A plain find/sub pair: gsub would read "%" in keys as pattern syntax.
    local key = keys[zipf_draw(cdf)]
    local at = string.find(template, "{key}", 1, true)
    path = string.sub(template, 1, at - 1) .. key .. string.sub(template, at + 5)
  end
  return wrk.format("GET", path, headers)
end
