-- Appended to each script: one JSON line with throughput, latency percentiles and errors, and
-- the answers by status when the script counts them in a global `statuses` table (wrk's
-- summary only says how many were not 2xx or 3xx, not whether they were 409s or 500s).
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local function statuses_json()
  local merged = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses") or {}) do
      merged[status] = (merged[status] or 0) + count
    end
  end
  local codes = {}
  for status in pairs(merged) do
    table.insert(codes, status)
  end
  table.sort(codes)
  local parts = {}
  for _, status in ipairs(codes) do
    table.insert(parts, string.format('"%d": %d', status, merged[status]))
  end
  return "{" .. table.concat(parts, ", ") .. "}"
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "seconds": %.3f, "rps": %.1f, "p50_ms": %.2f, ' ..
    '"p95_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f, "errors_connect": %d, ' ..
    '"errors_read": %d, "errors_status": %d, "errors_timeout": %d, "statuses": %s}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    summary.errors.connect, summary.errors.read, summary.errors.status,
    summary.errors.timeout, statuses_json()))
end
