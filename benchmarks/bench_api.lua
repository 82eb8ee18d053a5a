-- wrk script for benchmarks/bench_api.py: authenticated reads or writes of the case API.
--
--   wrk -t1 -c16 -d5s -s benchmarks/bench_api.lua http://127.0.0.1:PORT -- MODE TOKEN IDS
--
-- MODE: "health" (GET /api/health, no token), "read" (GET /api/cases/{id}, 1 in 10
-- GET /api/cases?limit=20) or "write" (POST /api/cases/{id}/contacts, a signed ledger
-- event with a unique summary); IDS: comma-separated case ids, picked at random.
-- Prints one line "WRKJSON {...}" with counts and latency percentiles (microseconds).

local mode, token, ids
local counter = 0
local tid = 0
local get_headers, post_headers
local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  mode = args[1] or "health"
  token = args[2] or ""
  ids = {}
  for id in string.gmatch(args[3] or "", "[^,]+") do
    ids[#ids + 1] = id
  end
  math.randomseed(7 + tid)
  get_headers = { ["Authorization"] = "Bearer " .. token }
  post_headers = {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
  }
end

function request()
  counter = counter + 1
  if mode == "health" then
    return wrk.format("GET", "/api/health")
  end
  local id = ids[math.random(#ids)]
  if mode == "write" then
    local body = string.format(
      '{"time":"2026-01-01T00:00:00Z","channel":"phone","counterpart":"MRCC Rome",'
        .. '"summary":"wrk %d %d"}',
      tid,
      counter
    )
    return wrk.format("POST", "/api/cases/" .. id .. "/contacts", post_headers, body)
  end
  if math.random() < 0.1 then
    return wrk.format("GET", "/api/cases?limit=20", get_headers)
  end
  return wrk.format("GET", "/api/cases/" .. id, get_headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(
    string.format(
      'WRKJSON {"requests":%d,"duration_us":%d,"errors_status":%d,"errors_connect":%d,'
        .. '"errors_read":%d,"errors_write":%d,"errors_timeout":%d,'
        .. '"p50_us":%d,"p99_us":%d,"max_us":%d}\n',
      summary.requests,
      summary.duration,
      e.status,
      e.connect,
      e.read,
      e.write,
      e.timeout,
      latency:percentile(50),
      latency:percentile(99),
      latency.max
    )
  )
end
