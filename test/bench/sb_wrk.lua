-- wrk script for test/bench/sb_wrk.sh: single-number /SMSsend GETs over
-- keep-alive, each to a distinct number (447, the thread's number, a
-- counter). SB_USER and SB_PASS come from the environment. The request text
-- is built once per thread and only the number changes (wrk.format() per
-- request would cost wrk more CPU than the number does).
local threads = {}
local user = os.getenv("SB_USER") or "bench"
local pass = os.getenv("SB_PASS") or "bench-pw"

function setup(thread)
	thread:set("tid", #threads + 1)
	table.insert(threads, thread)
end

local head, tail, n = "", "", 0

function init(args)
	local req = wrk.format("GET", string.format("/SMSsend?user=%s&pass=%s" ..
		"&ownnum=Hermod&message=wrk+benchmark&number=447%dNUMBER",
		user, pass, tid))
	local at = string.find(req, "NUMBER", 1, true)
	head = string.sub(req, 1, at - 1)
	tail = string.sub(req, at + 6)
end

function request()
	n = n + 1
	return head .. string.format("%08d", n) .. tail
end
