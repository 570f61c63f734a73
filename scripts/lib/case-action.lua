-- wrk script: a versioned case action under load. Each wrk thread drives one connection and
-- one case of its own (the case ids are the script's arguments, one per thread), records a
-- risk assessment on it with `If-Match` set to the case's current ETag, and takes the next
-- ETag from the answer. A thread starts by reading its case to learn the ETag; any answer
-- without one (a refusal) makes it read the case again, so a stale version shows as non-2xx
-- and never repeats.
--   wrk -t N -c N -s case-action.lua URL -- BEARER ASSESSED_ON CASE_ID_1 ... CASE_ID_N

local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("slot", threads)
end

function init(args)
  token = args[1]
  case_id = args[slot + 2]
  etag = nil
  body = '{"level":"high","categories":["street_child","child_labour"],"assessed_on":"' .. args[2]
    .. '","summary":"re-assessed at a follow-up visit"}'
end

function request()
  local headers = { ["Authorization"] = "Bearer " .. token }
  if etag == nil then
    return wrk.format("GET", "/api/v1/cases/" .. case_id, headers)
  end
  headers["Content-Type"] = "application/json"
  headers["If-Match"] = etag
  return wrk.format("POST", "/api/v1/cases/" .. case_id .. "/risk-assessment", headers, body)
end

function response(status, headers, body)
  etag = headers["etag"] or headers["ETag"]
end
