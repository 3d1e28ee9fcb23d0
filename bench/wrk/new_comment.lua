-- Comment creation: each request posts a new comment, with a text nobody has
-- posted before, from a /24 network of its own (X-Forwarded-For, which the
-- benchmark trusts from 127.0.0.1 only). The per-network rate limits and
-- the duplicate checks still run; they see many visitors, as on a busy site.
--
--   wrk -s new_comment.lua URL -- FLAVOUR FIRST_NETWORK RUN_TAG
--
-- FLAVOUR is talkpage or isso (each API names the fields its own way).
-- FIRST_NETWORK numbers the first network used, so a warm-up and the run
-- after it use different ones. RUN_TAG goes into every text.
-- At the end it prints one "status CODE: COUNT" line per HTTP status.

local threads = {}
-- Networks each wrk thread may use: its addresses never meet another's.
local NETWORKS_PER_THREAD = 1048576

function setup(thread)
  thread:set("thread_number", #threads)
  table.insert(threads, thread)
end

function init(args)
  flavour = args[1]
  first_network = tonumber(args[2]) + thread_number * NETWORKS_PER_THREAD
  run_tag = args[3]
  sent = 0
  statuses = {}
end

-- Network n is the /24 of 10.x.y.1, and past 65,536 networks 11.x.y.1 and on.
local function address_in(network)
  return string.format(
    "%d.%d.%d.1",
    10 + math.floor(network / 65536),
    math.floor(network / 256) % 256,
    network % 256
  )
end

function request()
  local network = first_network + sent
  sent = sent + 1
  local text = string.format(
    "Comment %s-%d on the benchmark: magnesium *glycinate* helped my sleep, "
      .. "not the pain. Has anyone seen a trial on that?",
    run_tag,
    network
  )
  local name = string.format("Visitor %d", network)
  local body
  if flavour == "isso" then
    body = string.format(
      '{"text": "%s", "author": "%s", "email": null, "website": null, '
        .. '"parent": null}',
      text,
      name
    )
  else
    body = string.format('{"text": "%s", "name": "%s"}', text, name)
  end
  local headers = {
    ["Content-Type"] = "application/json",
    ["X-Forwarded-For"] = address_in(network),
  }
  return wrk.format("POST", nil, headers, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      totals[status] = (totals[status] or 0) + count
    end
  end
  for status, count in pairs(totals) do
    io.write(string.format("status %d: %d\n", status, count))
  end
end
