-- wrk script: non-streaming chat completions (JSON answer).
package.path = debug.getinfo(1, "S").source:match("^@?(.*[/\\])") .. "?.lua;" .. package.path
local common = require("common")
common.setup_post(false)
done = common.done
