-- wrk script: each connection walks the request list (bench/work/<server>.txt) from its own
-- offset, so concurrent connections ask for different tiles, as real map users do.
local paths = {}
for line in io.lines(os.getenv("PATHS")) do
  paths[#paths + 1] = line
end
local counter = 0
local threads = {}

setup = function(thread)
  thread:set("id", #threads)
  threads[#threads + 1] = thread
end

init = function(args)
  counter = (id or 0) * 7919
end

request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end
