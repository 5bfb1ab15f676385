-- wrk script: POSTs the realistic order-select request, each with its own pre-signed JWT from
-- the file CDS_BENCH_TOKENS (one a line, made by tests/node/stress/bench-tokens.mjs). wrk's
-- threads take disjoint slices of the file, so no token is sent twice; once a thread's slice
-- is used up its requests carry a replayed token and are counted as non-2xx (make enough).
package.path = package.path .. ";bench/?.lua"
local report = require("report")

local body_path = os.getenv("CDS_BENCH_BODY") or "bench/data/order-select-10k.json"
local file = assert(io.open(body_path, "rb"))
local body = file:read("*a")
file:close()

local thread_count = 0
function setup(thread)
  thread:set("thread_index", thread_count)
  thread_count = thread_count + 1
  thread:set("thread_total", tonumber(os.getenv("WRK_THREADS") or "2"))
end

local tokens = {}
local next_token = 1
function init(args)
  local all = {}
  for line in io.lines(os.getenv("CDS_BENCH_TOKENS")) do all[#all + 1] = line end
  local per = math.floor(#all / thread_total)
  for i = thread_index * per + 1, (thread_index + 1) * per do tokens[#tokens + 1] = all[i] end
end

function request()
  local token = tokens[next_token] or tokens[#tokens]
  next_token = next_token + 1
  return wrk.format("POST", nil, {["Content-Type"] = "application/json",
                                  ["Authorization"] = "Bearer " .. token}, body)
end

done = report.done
