-- wrk script for test/bench/sb_wrk.sh: single-number /SMSsend GETs over
-- keep-alive, each to a distinct number (thread id * 10^8 + a counter).
-- SB_USER, SB_PASS come from the environment.
local threads = {}
local user = os.getenv("SB_USER") or "bench"
local pass = os.getenv("SB_PASS") or "bench-pw"
local id = 0

function setup(thread)
	thread:set("tid", #threads + 1)
	table.insert(threads, thread)
end

local prefix, n = "", 0

function init(args)
	prefix = string.format("/SMSsend?user=%s&pass=%s&ownnum=Hermod" ..
		"&message=wrk+benchmark&number=447%d", user, pass, tid)
end

function request()
	n = n + 1
	return wrk.format("GET", string.format("%s%08d", prefix, n))
end
