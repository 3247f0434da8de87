-- wrk script of bench/loadtest.sh. Environment: BENCH_METHOD (GET or POST), BENCH_BODY (the POST's
-- JSON body), BENCH_SESSION (an X-Mock-Session, optional). Every request carries the owner's token.
-- done() prints one machine-readable line: requests/s, p50 and p99 in milliseconds, errors.
local method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
local session = os.getenv("BENCH_SESSION")

wrk.method = method
wrk.headers["Authorization"] = "Bearer tok_owner"
if session and session ~= "" then
  wrk.headers["X-Mock-Session"] = session
end
if method == "POST" and body and body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end

-- An update alternates two quantities, so that each one really changes the state.
local n = 0
if method == "POST" and body and body:find("QTY") then
  request = function()
    n = n + 1
    return wrk.format(nil, nil, nil, (body:gsub("QTY", tostring(3 + n % 2))))
  end
end

done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("RESULT rps=%.0f p50=%.3f p99=%.3f requests=%d errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.requests, errors))
end
