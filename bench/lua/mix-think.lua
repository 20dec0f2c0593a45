-- The 95/5 mix of mix.lua with think time (lib.lua's think_time): every connection is a user
-- who waits 1-3 s (BENCH_THINK_MIN_MS..BENCH_THINK_MAX_MS) before each request, so c=1000 is
-- a thousand users at about 500 req/s rather than a closed loop. The latencies wrk reports
-- leave the pauses out (see think_time in lib.lua).
dofile(os.getenv("BENCH_LUA_DIR") .. "/mix.lua")
think_time()
