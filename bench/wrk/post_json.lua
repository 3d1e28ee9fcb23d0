-- The same JSON body POSTed on every request (Isso's POST /count).
--
--   wrk -s post_json.lua URL -- BODY

function init(args)
  wrk.method = "POST"
  wrk.body = args[1]
  wrk.headers["Content-Type"] = "application/json"
end
