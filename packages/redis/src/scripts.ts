import type { Redis, Result } from 'ioredis';

/** The server's clock in milliseconds, so that every member schedules and moves by one clock. */
const now = `local t = redis.call('TIME') local now = t[1] * 1000 + math.floor(t[2] / 1000)`;

/** KEYS[1] a sorted set; ARGV[1] a delay in ms, ARGV[2] a packed entry (entry.ts packFields). */
const schedule = `${now}
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[2])
return 1`;

/**
 * KEYS: pairs of (sorted set, stream); ARGV[1] most entries to move per pair, ARGV[2] MAXLEN (0:
 * none). Adds each due packed entry to its stream and removes it from the set, in one step, so an
 * entry is moved once whichever members run this at the same time. Returns how many it moved and
 * the milliseconds until the next entry is due (-1 when none waits).
 */
const moveDue = `${now}
local next, moved = -1, 0
for i = 1, #KEYS, 2 do
  local due = redis.call('ZRANGE', KEYS[i], '-inf', now, 'BYSCORE', 'LIMIT', 0, tonumber(ARGV[1]))
  for _, packed in ipairs(due) do
    local fields, pos = {}, 1
    while pos <= #packed do
      local colon = string.find(packed, ':', pos, true)
      local length = tonumber(string.sub(packed, pos, colon - 1))
      fields[#fields + 1] = string.sub(packed, colon + 1, colon + length)
      pos = colon + length + 1
    end
    table.remove(fields, 1) -- the tag that made the member unique
    if tonumber(ARGV[2]) > 0 then
      redis.call('XADD', KEYS[i + 1], 'MAXLEN', '~', ARGV[2], '*', unpack(fields))
    else
      redis.call('XADD', KEYS[i + 1], '*', unpack(fields))
    end
    redis.call('ZREM', KEYS[i], packed)
    moved = moved + 1
  end
  local first = redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')
  if first[2] then
    local wait = math.max(0, tonumber(first[2]) - now)
    if next == -1 or wait < next then next = wait end
  end
end
return {moved, next}`;

/** The scripts, as commands of `redis` (sent by hash, loaded when the server does not know them). */
export function defineScripts(redis: Redis): void {
  redis.defineCommand('anymqSchedule', { numberOfKeys: 1, lua: schedule });
  redis.defineCommand('anymqMoveDue', { lua: moveDue });
}

declare module 'ioredis' {
  interface RedisCommander<Context> {
    anymqSchedule(set: string, delayMs: number, packed: Buffer): Result<number, Context>;
    anymqMoveDue(
      numberOfKeys: number,
      ...keysAndArgs: (string | number)[]
    ): Result<[moved: number, nextMs: number], Context>;
  }
}
