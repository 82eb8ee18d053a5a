-- benchmarks/bench_api.lua, paced: the requests of this wrk process are sent on a
-- schedule of RATE per second (one slot every 1000/RATE ms, shared by its connections),
-- so that the load is offered at a rate instead of as fast as the server answers (the
-- "paced" phase of bench_api.py). A connection whose answer comes after its slot sends
-- at once; a backlog of more than a second is dropped rather than sent in a burst.
--
--   wrk -t1 -c12 -d5s -s benchmarks/bench_api_paced.lua http://127.0.0.1:PORT -- MODE TOKEN IDS RATE

local here = debug.getinfo(1, "S").source:sub(2)
dofile((here:gsub("_paced%.lua$", ".lua")))

local ffi = require("ffi")
ffi.cdef([[
  typedef struct { long tv_sec; long tv_usec; } bench_timeval;
  int gettimeofday(bench_timeval *tv, void *tz);
]])
local tv = ffi.new("bench_timeval")

local function now_ms()
  ffi.C.gettimeofday(tv, nil)
  return tonumber(tv.tv_sec) * 1000 + tonumber(tv.tv_usec) / 1000
end

local base_init = init
local period_ms = 0
local next_ms = nil

function init(args)
  local rate = tonumber(args[4]) or 0
  period_ms = rate > 0 and 1000 / rate or 0
  base_init(args)
end

function delay()
  local t = now_ms()
  if next_ms == nil or next_ms < t - 1000 then
    next_ms = t
  end
  local wait = next_ms - t
  next_ms = next_ms + period_ms
  return wait > 0 and wait or 0
end
