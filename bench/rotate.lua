-- wrk script: POSTs a list of request bodies in turn over HTTPS keep-alive (each wrk thread
-- starts at a different one). CDS_BENCH_BODIES is a file listing one body file per line.
-- Used by tools/pgo-train.sh to train the profile-guided build on every golden request.
package.path = package.path .. ";bench/?.lua"
local report = require("report")

local bodies = {}
local list = assert(io.open(assert(os.getenv("CDS_BENCH_BODIES"), "CDS_BENCH_BODIES unset"), "r"))
for name in list:lines() do
  if name ~= "" then
    local file = assert(io.open(name, "rb"))
    bodies[#bodies + 1] = file:read("*a")
    file:close()
  end
end
list:close()
assert(#bodies > 0, "no bodies listed")

next_body = 0
local headers = { ["Content-Type"] = "application/json" }

function setup(thread)
  thread:set("next_body", math.random(#bodies) - 1)
end

function request()
  next_body = next_body % #bodies + 1
  return wrk.format("POST", nil, headers, bodies[next_body])
end

done = report.done
