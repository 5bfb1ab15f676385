-- wrk script: GET /cds-services over HTTPS keep-alive (the in-run baseline).
package.path = package.path .. ";bench/?.lua"
local report = require("report")
wrk.method = "GET"
done = report.done
