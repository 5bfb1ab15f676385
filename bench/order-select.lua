-- wrk script: POSTs a realistic order-select request over HTTPS keep-alive.
-- The body is bench/data/order-select-10k.json unless CDS_BENCH_BODY names another file.
package.path = package.path .. ";bench/?.lua"
local report = require("report")

local path = os.getenv("CDS_BENCH_BODY") or "bench/data/order-select-10k.json"
local file = assert(io.open(path, "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"

done = report.done
