-- wrk -s bench/wrk/rotate-tokens.lua URL -- TOKENS_FILE
-- Sends every request with the next access token of TOKENS_FILE (one a line) as its bearer token,
-- in turn, so that a server sees as many distinct tokens as the file holds. The requests are built
-- once in init(), so that wrk's per-request work stays a table lookup.
local requests = {}
local count = 0
local next_index = 0

function init(args)
  for token in io.lines(args[1]) do
    if #token > 0 then
      count = count + 1
      requests[count] = wrk.format(nil, nil, { ["Authorization"] = "Bearer " .. token })
    end
  end
  if count == 0 then
    error("no tokens in " .. tostring(args[1]))
  end
end

function request()
  next_index = next_index % count + 1
  return requests[next_index]
end
