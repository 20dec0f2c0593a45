-- One Upstash REST command per request: POST / ["get", BENCH_REDIS_KEY] with the bearer token,
-- exactly what @upstash/redis sends for a single GET.
dofile(os.getenv("BENCH_LUA_DIR") .. "/lib.lua")

local body, headers

function init(args)
  body = '["get","' .. env("BENCH_REDIS_KEY", "bench:ceiling") .. '"]'
  headers = {
    ["Authorization"] = "Bearer " .. env("BENCH_TOKEN", ""),
    ["Content-Type"] = "application/json",
  }
end

function request()
  return wrk.format("POST", "/", headers, body)
end
