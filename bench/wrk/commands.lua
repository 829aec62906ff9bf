-- wrk script of `make bench`: the command mix on project-svc, or one insert per request on a
-- baseline app. Arguments after `--`:
--   mode      mix | insert
--   token     bearer token (tenant demo, role pmo)
--   ids_file  one project id per line (mode mix)
--   nthreads  wrk's -t, so each thread takes its own share of the projects
--   tag       unique per run, keeps the codes of created projects unique
--   today     YYYY-MM-DD, the date of progress reports and costs
--   every     one create in `every` requests (0 = none); the rest alternate progress / cost
--
-- Each thread cycles through its own projects in order: two connections only meet on the same
-- project if a request is still in flight a whole cycle later, and 409/412 are counted apart.

local threads = {}
local made = 0

function setup(thread)
  thread:set("tid", made)
  made = made + 1
  table.insert(threads, thread)
end

local mode, token, tag, today, every
local ids = {}
local n, idx = 0, 0
local headers = {}
ok, conflict, precondition, other, sample = 0, 0, 0, 0, ""

function init(args)
  mode, token = args[1], args[2]
  local ids_file, nthreads = args[3], tonumber(args[4])
  tag, today, every = args[5], args[6], tonumber(args[7])
  headers["Content-Type"] = "application/json"
  headers["Authorization"] = "Bearer " .. token
  if mode == "mix" then
    local i = 0
    for line in io.lines(ids_file) do
      if i % nthreads == tid then
        table.insert(ids, line)
      end
      i = i + 1
    end
  end
end

function request()
  n = n + 1
  if mode == "insert" then
    return wrk.format("POST", "/insert", headers,
      '{"amount":"123.45","incurred_on":"' .. today .. '","category":"labour"}')
  end
  if every > 0 and n % every == 0 then
    return wrk.format("POST", "/v1/projects", headers, string.format(
      '{"code":"W%s-%d-%d","name":"Bench project","manager":"bench-user",' ..
      '"sponsor":"bench-sponsor","methodology":"agile","currency":"EUR"}', tag, tid, n))
  end
  idx = idx % #ids + 1
  local path = "/v1/projects/" .. ids[idx]
  if n % 2 == 0 then
    return wrk.format("POST", path .. "/costs", headers,
      '{"amount":"123.45","incurred_on":"' .. today .. '","category":"labour"}')
  end
  return wrk.format("POST", path .. "/progress", headers,
    string.format('{"percent_complete":%d,"as_of":"%s"}', n % 100, today))
end

function response(status, _headers, body)
  if status >= 200 and status < 300 then
    ok = ok + 1
  elseif status == 409 then
    conflict = conflict + 1
  elseif status == 412 then
    precondition = precondition + 1
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
  local t = {ok = 0, conflict = 0, precondition = 0, other = 0}
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
    'BENCHJSON {"duration_us":%d,"requests":%d,"ok":%d,"conflict":%d,"precondition":%d,' ..
    '"other":%d,"socket_errors":%d,"timeouts":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,' ..
    '"max_us":%d,"mean_us":%.1f,"sample":%s}\n',
    summary.duration, summary.requests, t.ok, t.conflict, t.precondition, t.other,
    e.connect + e.read + e.write, e.timeout, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, latency.mean, q(samples)))
end
