-- wrk script of `make bench` item 7 (reads at scale): GET requests cycling through a list of
-- paths. Arguments after `--`:
--   token     bearer token
--   file      one path per line (each thread cycles through all of them, from its own offset)
--   nthreads  wrk's -t
--
-- The percentiles come from wrk's own histogram (`done`); only 2xx answers count as served.

local threads = {}
local made = 0

function setup(thread)
  thread:set("tid", made)
  made = made + 1
  table.insert(threads, thread)
end

local paths = {}
local idx = 0
local headers = {}
ok, other, sample = 0, 0, ""

function init(args)
  local token, file, nthreads = args[1], args[2], tonumber(args[3])
  headers["Authorization"] = "Bearer " .. token
  for line in io.lines(file) do
    if line ~= "" then table.insert(paths, line) end
  end
  idx = (tid * math.floor(#paths / nthreads)) % #paths
end

function request()
  idx = idx % #paths + 1
  return wrk.format("GET", paths[idx], headers)
end

function response(status, _headers, body)
  if status >= 200 and status < 300 then
    ok = ok + 1
  else
    other = other + 1
    if sample == "" then
      sample = status .. " " .. string.sub(body or "", 1, 200)
    end
  end
end

local function q(s)
  return '"' .. string.gsub(s, '[%c"\\]', " ") .. '"'
end

function done(summary, latency, _requests)
  local t = {ok = 0, other = 0}
  local samples = ""
  for _, thread in ipairs(threads) do
    for k, _ in pairs(t) do
      t[k] = t[k] + (thread:get(k) or 0)
    end
    local s = thread:get("sample")
    if s and s ~= "" then samples = s end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"duration_us":%d,"requests":%d,"ok":%d,"other":%d,"socket_errors":%d,' ..
    '"timeouts":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f,' ..
    '"sample":%s}\n',
    summary.duration, summary.requests, t.ok, t.other, e.connect + e.read + e.write,
    e.timeout, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean, q(samples)))
end
