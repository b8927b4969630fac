-- wrk script for bench/slowloris.sh: non-streaming chat completions sent
-- with the bearer key named by BENCH_KEY (a benchmark-only key).
package.path = debug.getinfo(1, "S").source:match("^@?(.*[/\\])") .. "?.lua;" .. package.path
local common = require("common")
common.setup_post(false)
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("BENCH_KEY") or "")
done = common.done
