-- wrk script for bench/drill.py's load drill and bench/run.py's
-- registration POST: each request is a resident's form (the help form, an
-- event's registration form) sent once to the URL's path, with a token of
-- its own (signed by the bench, as the form page would have given it),
-- from an address of its own. Reads the
-- bodies from the file named after `--`, one per line; thread n of k sends
-- lines n, n + k, ... Ends with one JSON line, as wrk_report.lua does.
local threads = {}
local count = 0

function setup(thread)
  thread:set("id", count)
  count = count + 1
  table.insert(threads, thread)
end

function init(args)
  not_ok = 0
  bodies = {}
  local step = tonumber(args[2])
  local n = 0
  for line in io.lines(args[1]) do
    if n % step == id then
      table.insert(bodies, line)
    end
    n = n + 1
  end
  next_body = 1
  sent = 0
end

function request()
  local body = bodies[next_body]
  -- Past the end the tokens are used again; the drill makes enough.
  next_body = next_body % #bodies + 1
  sent = sent + 1
  local headers = {}
  for name, value in pairs(wrk.headers) do
    headers[name] = value
  end
  -- A resident of its own: every post well under the hourly limit.
  headers["X-Forwarded-For"] = string.format(
    "10.%d.%d.%d", id, math.floor(sent / 250) % 250, sent % 250 + 1)
  return wrk.format("POST", wrk.path, headers, body)
end

function response(status, headers, body)
  if status ~= 302 then
    not_ok = not_ok + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("not_ok")
  end
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, '
      .. '"max_us": %d, "not_ok": %d, "socket_errors": %d, "timeouts": %d}\n',
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    bad, errors.connect + errors.read + errors.write, errors.timeout))
end
