-- wrk script for bench/soak.sh: each connection walks the mixed request list (lines
-- "G path" or "B path") from its thread's offset; each thread stops after its share of
-- SOAK_TOTAL responses; statuses are tallied per class and reported at the end.
local paths = {}
for line in io.lines(os.getenv("PATHS")) do
  paths[#paths + 1] = line:sub(3)
end
local total = tonumber(os.getenv("SOAK_TOTAL") or "100000")
local nthreads = tonumber(os.getenv("SOAK_THREADS") or "2")
local threads = {}

setup = function(thread)
  thread:set("id", #threads)
  threads[#threads + 1] = thread
end

init = function(args)
  counter = (id or 0) * 7919
  quota = math.floor(total / nthreads)
  seen, s2, s3, s4, s5, other = 0, 0, 0, 0, 0, 0
end

request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1], { ["Accept-Encoding"] = "gzip, br" })
end

response = function(status, headers, body)
  seen = seen + 1
  if status >= 500 then s5 = s5 + 1
  elseif status >= 400 then s4 = s4 + 1
  elseif status >= 300 then s3 = s3 + 1
  elseif status >= 200 then s2 = s2 + 1
  else other = other + 1 end
  if seen >= quota then wrk.thread:stop() end
end

done = function(summary, latency, requests)
  local t = { s2 = 0, s3 = 0, s4 = 0, s5 = 0, other = 0, seen = 0 }
  for _, thread in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + (thread:get(k) or 0) end
  end
  local e = summary.errors
  io.write(string.format(
    "SOAK responses=%d 2xx=%d 3xx=%d 4xx=%d 5xx=%d other=%d connect_errors=%d read_errors=%d write_errors=%d timeouts=%d non2xx3xx=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f rps=%.0f\n",
    t.seen, t.s2, t.s3, t.s4, t.s5, t.other, e.connect, e.read, e.write, e.timeout, e.status,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.requests / (summary.duration / 1e6)))
end
