-- wrk script: PATCH with a ~200-byte JSON Patch body and an Authorization
-- header, rotating over 8 paths. Prints one machine-readable line
-- ("WRKJSON {...}") at the end. Override via env: BENCH_AUTH, BENCH_BODY,
-- BENCH_HOST, BENCH_METHOD (GET sends no body), BENCH_PATHSET:
--   integration (default): both intercepted API shapes,
--     /api/v2/integration-configurations/{id} and
--     /api/v2/integration-capabilities/featureStore/{proj}/{env}/{key}/{id};
--   flags: /api/v2/flags/{proj}/{key}, a route ldgate does not intercept.
local auth   = os.getenv("BENCH_AUTH")   or "Bearer bench.eyJzdWIiOiJiZW5jaCIsInNjb3BlIjoiaW50ZWdyYXRpb25zIn0.c2lnbmF0dXJl"
local host   = os.getenv("BENCH_HOST")   or "localhost"
local method = os.getenv("BENCH_METHOD") or "PATCH"
local body   = os.getenv("BENCH_BODY")   or
  '[{"op":"test","path":"/version","value":7},{"op":"replace","path":"/on","value":true},{"op":"replace","path":"/name","value":"perf baseline"},{"op":"add","path":"/tags/-","value":"bench-run"}]'

local pathset = os.getenv("BENCH_PATHSET") or "integration"

local paths = {
  "/api/v2/integration-configurations/cfg-0001",
  "/api/v2/integration-capabilities/featureStore/proj-a/prod/flag-key/fs-0001",
  "/api/v2/integration-configurations/cfg-0002",
  "/api/v2/integration-capabilities/featureStore/proj-b/staging/other-key/fs-0002",
  "/api/v2/integration-configurations/cfg-0003",
  "/api/v2/integration-capabilities/featureStore/proj-c/dev/third-key/fs-0003",
  "/api/v2/integration-configurations/cfg-0004",
  "/api/v2/integration-capabilities/featureStore/proj-d/prod/fourth-key/fs-0004",
}
if pathset == "flags" then
  paths = {
    "/api/v2/flags/proj-a/flag-key",
    "/api/v2/flags/proj-b/other-key",
    "/api/v2/flags/proj-c/third-key",
    "/api/v2/flags/proj-d/fourth-key",
    "/api/v2/flags/proj-a/fifth-key",
    "/api/v2/flags/proj-b/sixth-key",
    "/api/v2/flags/proj-c/seventh-key",
    "/api/v2/flags/proj-d/eighth-key",
  }
elseif pathset ~= "integration" then
  error("BENCH_PATHSET must be integration or flags, not " .. pathset)
end

local reqs = {}
local n = 0

init = function(args)
  for k, p in ipairs(paths) do
    local h = {
      ["Host"] = host,
      ["Authorization"] = auth,
      ["Content-Type"] = "application/json-patch+json",
      ["Accept"] = "application/json",
    }
    if method == "GET" then
      h["Content-Type"] = nil
      reqs[k] = wrk.format("GET", p, h, nil)
    else
      reqs[k] = wrk.format(method, p, h, body)
    end
  end
end

request = function()
  n = n % #reqs + 1
  return reqs[n]
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"duration_us":%d,"requests":%d,"bytes":%d,' ..
    '"err_connect":%d,"err_read":%d,"err_write":%d,"err_status":%d,"err_timeout":%d,' ..
    '"lat_mean_us":%.1f,"lat_stdev_us":%.1f,"lat_max_us":%d,' ..
    '"p50_us":%d,"p75_us":%d,"p90_us":%d,"p99_us":%d,"p999_us":%d,"body_bytes":%d}\n',
    summary.duration, summary.requests, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.stdev, latency.max,
    latency:percentile(50), latency:percentile(75), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9), method == "GET" and 0 or string.len(body)))
end
