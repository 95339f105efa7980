-- GET /bookingLists: a page of 50 rows of one room, as office staff (sees every row).
local token = os.getenv("BENCH_STAFF_TOKEN")
local rooms = tonumber(os.getenv("BENCH_LIST_ROOMS") or "1")
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "0")

function request()
  local path = string.format(
    "/bookingLists?roomId=%d&page_size=50&ordering=-useStartDtm", math.random(1, rooms))
  return wrk.format("GET", path, {["Authorization"] = "Token " .. token})
end

function delay()
  return delay_ms
end
