-- POST /bookings with a random one-hour slot in a random room, over many users' tokens.
-- Slots are spread over ~10 years of minutes, so a conflict (409) is rare but counted.
local tokens = {}
local rooms = tonumber(os.getenv("BENCH_ROOMS") or "50")
local base = tonumber(os.getenv("BENCH_BASE_EPOCH"))
for token in string.gmatch(os.getenv("BENCH_TOKENS") or "", "[^,]+") do
  table.insert(tokens, token)
end
local counter = 0
-- A global, not a local: report.lua reads it from each thread (thread:get).
statuses = {}
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
-- "independent": each wait is drawn from an exponential distribution of mean delay_ms, so the
-- connections' requests arrive independently, as people's do; "fixed": every wait is delay_ms,
-- and connections that started together keep arriving together.
local arrivals = os.getenv("BENCH_ARRIVALS") or "fixed"

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

function request()
  counter = counter + 1
  local start = base + math.random(0, 5000000) * 60
  local body = string.format(
    '{"roomId": %d, "useStartDtm": "%s", "useEndDtm": "%s"}',
    math.random(1, rooms), os.date("!%Y-%m-%dT%H:%M:%SZ", start),
    os.date("!%Y-%m-%dT%H:%M:%SZ", start + 3600))
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Token " .. tokens[(counter % #tokens) + 1],
  }
  return wrk.format("POST", "/bookings", headers, body)
end

function delay()
  if arrivals == "independent" and delay_ms > 0 then
    return math.floor(-delay_ms * math.log(1 - math.random()))
  end
  return delay_ms
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
