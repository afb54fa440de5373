// The Lua scripts of a Redis pool worker. Each does in one round trip, and
// atomically, what would otherwise take several commands and leave a window
// in which a crash loses or duplicates something.

import { Script } from "./_link.ts";

/**
 * Writes result batches and acknowledges the entries they finish, in one
 * step: an entry is never acknowledged without its results, nor its results
 * written twice by one worker.
 * KEYS[1] the task stream, KEYS[2..] result streams.
 * ARGV[1] group, ARGV[2] results TTL (ms), ARGV[3] n, ARGV[4..3+n] entry ids
 * to acknowledge, then a payload and a signature per result stream.
 */
export const FINISH = new Script(`
local n = tonumber(ARGV[3])
local at = 4 + n
for i = 2, #KEYS do
  redis.call("XADD", KEYS[i], "*", "p", ARGV[at], "s", ARGV[at + 1])
  redis.call("PEXPIRE", KEYS[i], ARGV[2])
  at = at + 2
end
if n > 0 then
  redis.call("XACK", KEYS[1], ARGV[1], unpack(ARGV, 4, 3 + n))
  redis.call("XDEL", KEYS[1], unpack(ARGV, 4, 3 + n))
end
return n
`);

/**
 * Takes over entries whose worker stopped renewing them: pending longer than
 * the visibilityTimeout each carries (field v). One delivered m times
 * already (its workers keep dying on it) goes to the dead letters instead;
 * one deleted meanwhile (cancelled) just leaves the pending list.
 *
 * Entries pending under this very consumer and idle that long are only
 * named, not taken: the worker holds most of them (their renewal may just
 * have been late), and takes back with XCLAIM only those it does not know,
 * which were delivered to it in a reply it never got (the server died
 * between writing the delivery to its log and sending it, or the reply was
 * dropped with its connection). Nobody else would ever take those.
 * KEYS[1] the task stream, KEYS[2] the dead letters.
 * ARGV[1] group, ARGV[2] this consumer, ARGV[3] least idle time looked at,
 * ARGV[4] most entries looked at, ARGV[5] most entries taken.
 * Returns { { { id, fields, deliveries }... }, { { own id, its vt }... } }.
 */
export const RECLAIM = new Script(`
local pending = redis.call("XPENDING", KEYS[1], ARGV[1], "IDLE", ARGV[3], "-", "+", ARGV[4])
local taken, own = {}, {}
for _, p in ipairs(pending) do
  local id, owner, idle, deliveries = p[1], p[2], p[3], p[4]
  local entry = redis.call("XRANGE", KEYS[1], id, id)[1]
  if not entry then
    redis.call("XACK", KEYS[1], ARGV[1], id)
  else
    local f = {}
    for i = 1, #entry[2], 2 do f[entry[2][i]] = entry[2][i + 1] end
    local vt = tonumber(f["v"] or "30000")
    if idle >= vt then
      if owner == ARGV[2] then
        own[#own + 1] = { id, vt }
      elseif #taken < tonumber(ARGV[5]) then
        if deliveries >= tonumber(f["m"] or "3") then
          redis.call("XADD", KEYS[2], "MAXLEN", "~", "10000", "*",
            "p", f["p"] or "", "s", f["s"] or "", "c", f["c"] or "",
            "reason", "delivered " .. deliveries .. " times: the workers running it died (killed, out of memory...) before it finished",
            "source", KEYS[1], "id", id)
          redis.call("XACK", KEYS[1], ARGV[1], id)
          redis.call("XDEL", KEYS[1], id)
        else
          local claimed = redis.call("XCLAIM", KEYS[1], ARGV[1], ARGV[2], vt, id)[1]
          if claimed then
            taken[#taken + 1] = { claimed[1], claimed[2], deliveries + 1 }
          end
        end
      end
    end
  end
end
return { taken, own }
`);
