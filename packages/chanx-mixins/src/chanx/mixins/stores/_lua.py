"""Lua scripts of the Redis store: each read-modify-write runs atomically inside Redis.

Presence keys of a room (one hash tag, so they live on one Cluster slot):
``conns`` hash conn -> JSON ``[user, data, joined_at, seq]``; ``exp`` sorted set
conn -> expiry; ``counts`` hash user -> number of connections; ``seq`` a counter ordering
joins. Times are passed in by the caller's clock. Numbers leave the scripts as strings
because Redis truncates Lua floats to integers.
"""

from __future__ import annotations

# KEYS: conns, exp, counts, seq. Removes expired connections, returns users left with none.
_SWEEP = """
local function sweep(now)
  local dead = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
  local left = {}
  for _, c in ipairs(dead) do
    local raw = redis.call('HGET', KEYS[1], c)
    redis.call('HDEL', KEYS[1], c)
    redis.call('ZREM', KEYS[2], c)
    if raw then
      local user = cjson.decode(raw)[1]
      if redis.call('HINCRBY', KEYS[3], user, -1) <= 0 then
        redis.call('HDEL', KEYS[3], user)
        table.insert(left, user)
      end
    end
  end
  return left
end
local function touch(ttl_ms)
  for i = 1, 4 do
    if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('PEXPIRE', KEYS[i], ttl_ms) end
  end
end
"""

# ARGV: now, key_ttl_ms, conn, user, data, expires_at
PRESENCE_JOIN = (
    _SWEEP
    + """
local left = sweep(ARGV[1])
local conn, user = ARGV[3], ARGV[4]
local joined = 0
local old = redis.call('HGET', KEYS[1], conn)
local joined_at, seq = ARGV[1], 0
if old then
  local prev = cjson.decode(old)
  joined_at, seq = prev[3], prev[4]
else
  if redis.call('HINCRBY', KEYS[3], user, 1) == 1 then joined = 1 end
  seq = redis.call('INCR', KEYS[4])
end
redis.call('HSET', KEYS[1], conn, cjson.encode({user, ARGV[5], joined_at, seq}))
redis.call('ZADD', KEYS[2], ARGV[6], conn)
touch(tonumber(ARGV[2]))
return {joined, left}
"""
)

# ARGV: now, key_ttl_ms, conn, expires_at. Returns {alive, left}.
PRESENCE_HEARTBEAT = (
    _SWEEP
    + """
local left = sweep(ARGV[1])
local alive = 0
if redis.call('HEXISTS', KEYS[1], ARGV[3]) == 1 then
  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[3])
  alive = 1
  touch(tonumber(ARGV[2]))
end
return {alive, left}
"""
)

# ARGV: now, key_ttl_ms, conn, expires_at (== now to end it at once). Returns left.
PRESENCE_LEAVE = (
    _SWEEP
    + """
if redis.call('HEXISTS', KEYS[1], ARGV[3]) == 1 then
  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[3])
end
local left = sweep(ARGV[1])
touch(tonumber(ARGV[2]))
return left
"""
)

# ARGV: now. Returns left.
PRESENCE_SWEEP = (
    _SWEEP
    + """
return sweep(ARGV[1])
"""
)

# ARGV: now. Returns a flat list conn, raw, expiry, ... of live connections.
PRESENCE_LIST = """
local live = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. ARGV[1], '+inf', 'WITHSCORES')
local out = {}
for i = 1, #live, 2 do
  local raw = redis.call('HGET', KEYS[1], live[i])
  if raw then
    table.insert(out, live[i])
    table.insert(out, raw)
    table.insert(out, live[i + 1])
  end
end
return out
"""

# KEYS: typists zset. ARGV: mode ('start'|'stop'|'sweep'), now, user, expires_at, key_ttl_ms.
# Returns {changed, typist, ...}.
TYPING = """
local changed = 0
if redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2]) > 0 then changed = 1 end
if ARGV[1] == 'start' then
  if redis.call('ZADD', KEYS[1], ARGV[4], ARGV[3]) == 1 then changed = 1 end
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
elseif ARGV[1] == 'stop' then
  if redis.call('ZREM', KEYS[1], ARGV[3]) == 1 then changed = 1 end
end
local out = {changed}
for _, u in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do table.insert(out, u) end
return out
"""

# KEYS: bucket hash. ARGV: capacity, refill_rate, cost, now. Returns retry_after as a string.
TAKE_TOKEN = """
local cap, rate = tonumber(ARGV[1]), tonumber(ARGV[2])
local cost, now = tonumber(ARGV[3]), tonumber(ARGV[4])
local v = redis.call('HMGET', KEYS[1], 't', 'ts')
local tokens = tonumber(v[1]) or cap
local ts = tonumber(v[2]) or now
tokens = math.min(cap, tokens + math.max(0, now - ts) * rate)
local retry = 0
if tokens >= cost then tokens = tokens - cost else retry = (cost - tokens) / rate end
redis.call('HSET', KEYS[1], 't', string.format('%.17g', tokens), 'ts', string.format('%.17g', now))
redis.call('PEXPIRE', KEYS[1], math.ceil((cap - tokens) / rate * 1000) + 1000)
return string.format('%.17g', retry)
"""
