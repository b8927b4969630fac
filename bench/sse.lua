-- wrk script: streaming chat completions ("stream":true, SSE answer).
package.path = debug.getinfo(1, "S").source:match("^@?(.*[/\\])") .. "?.lua;" .. package.path
local common = require("common")
common.setup_post(true)
done = common.done
