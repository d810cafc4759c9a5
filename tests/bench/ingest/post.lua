-- wrk script for the ingest benchmark: every thread cycles through its own pre-generated,
-- signed requests (gen_requests.py), counts response statuses and reports how often it had to
-- wrap around (a wrap re-sends bodies Steward has already seen: those become duplicates, not
-- new commits, so the run script sizes the files to avoid wraps and reports any).
--
--   REQS=/path/prefix wrk -s post.lua URL      (thread i loads /path/prefix.i)
-- Output lines parsed by run.sh:
--   WRKRESULT requests=… duration_us=… connect=… read=… write=… status=… timeout=… p50_us=… …
--   WRKSTATUS 200x1234+503x5          (status x count, sorted)
--   WRKWRAPS n loaded=m

local prefix = os.getenv("REQS") or error("REQS (request file prefix) is not set")
local threads, counter = {}, 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

function init(args)
  st, wraps, reqs, idx = {}, 0, {}, 0
  local f = assert(io.open(prefix .. "." .. tid, "rb"))
  local path = wrk.path
  for line in f:lines() do
    local tab = line:find("\t", 1, true)
    if tab then
      reqs[#reqs + 1] = wrk.format("POST", path, {
        ["Content-Type"] = "application/json",
        ["X-Steward-Signature"] = line:sub(1, tab - 1),
      }, line:sub(tab + 1))
    end
  end
  f:close()
  loaded = #reqs
  assert(loaded > 0, "no requests in " .. prefix .. "." .. tid)
end

function request()
  idx = idx + 1
  if idx > loaded then
    idx, wraps = 1, wraps + 1
  end
  return reqs[idx]
end

function response(status, headers, body)
  st[status] = (st[status] or 0) + 1
end

function done(s, lat, req)
  io.write(string.format(
    "WRKRESULT requests=%d duration_us=%d connect=%d read=%d write=%d status=%d timeout=%d " ..
    "p50_us=%d p90_us=%d p99_us=%d max_us=%d mean_us=%.0f\n",
    s.requests, s.duration, s.errors.connect, s.errors.read, s.errors.write, s.errors.status,
    s.errors.timeout, lat:percentile(50), lat:percentile(90), lat:percentile(99), lat.max,
    lat.mean))
  local agg, parts, w, n = {}, {}, 0, 0
  for _, t in ipairs(threads) do
    local x = t:get("st")
    if x then for k, v in pairs(x) do agg[k] = (agg[k] or 0) + v end end
    w = w + (t:get("wraps") or 0)
    n = n + (t:get("loaded") or 0)
  end
  for k, v in pairs(agg) do table.insert(parts, k .. "x" .. v) end
  table.sort(parts)
  io.write("WRKSTATUS ", (#parts > 0) and table.concat(parts, "+") or "-", "\n")
  io.write(string.format("WRKWRAPS %d loaded=%d\n", w, n))
end
