package redisstore

import (
	"fmt"

	goredis "github.com/redis/go-redis/v9"
)

// commitScript writes a room and its indexes if the room is still what was
// read. Every check comes before the first write, so a refused commit
// writes nothing (Redis does not undo a script's writes on a later error).
//
// KEYS: 1 room, 2 seats of the game, 3 due, 4 waiting (old game, size),
// 5 waiting (new), 6 lobby, 7 lobby of the game, 8 the room's last commit,
// 9 the settled counter.
// ARGV: 1 the room as read ("" to create), 2 the room to store ("" to
// delete), 3 room id, 4 WakeAt score ("" for none), 5 creation score,
// 6 old joinable "1"/"0", 7 new joinable, 8 this commit's token (random),
// 9 "1" to create only if no room of the game and size waits (KEYS[5] is
// empty), 10 rounds settled by the change (added to KEYS[9]), 11 number of
// players added, then the players added, then the players removed.
//
// The token of the last commit is kept a minute: a commit sent again
// (go-redis retries after a connection error, when the reply may have been
// lost) finds it and answers "ok" without writing twice. Comparing the
// rooms would not do: two updates of the same version may store the same
// bytes, and only one of them happened.
//
// Replies "ok", "exists" (create: the id is taken), "waiting" (create: a
// room of the game and size waits), "gone" (update: the room was
// deleted), "conflict" (it changed), or {"seated", player}.
var commitScript = goredis.NewScript(`
if redis.call('GET', KEYS[8]) == ARGV[8] then
  return 'ok' -- sent again after its reply was lost: it is done
end
local cur = redis.call('GET', KEYS[1])
if ARGV[1] == '' then
  if cur then return 'exists' end
  if ARGV[9] == '1' and redis.call('ZCARD', KEYS[5]) > 0 then return 'waiting' end
else
  if not cur then return 'gone' end
  if cur ~= ARGV[1] then return 'conflict' end
end
local id = ARGV[3]
local nadd = tonumber(ARGV[11])
for i = 12, 11 + nadd do
  local at = redis.call('HGET', KEYS[2], ARGV[i])
  if at and at ~= id then return {'seated', ARGV[i]} end
end
redis.call('SET', KEYS[8], ARGV[8], 'PX', 60000)
if tonumber(ARGV[10]) > 0 then redis.call('INCRBY', KEYS[9], ARGV[10]) end
for i = 12, 11 + nadd do
  redis.call('HSET', KEYS[2], ARGV[i], id)
end
for i = 12 + nadd, #ARGV do
  if redis.call('HGET', KEYS[2], ARGV[i]) == id then
    redis.call('HDEL', KEYS[2], ARGV[i])
  end
end
if ARGV[6] == '1' then redis.call('ZREM', KEYS[4], id) end
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[3], id)
  redis.call('ZREM', KEYS[6], id)
  redis.call('ZREM', KEYS[7], id)
  return 'ok'
end
redis.call('SET', KEYS[1], ARGV[2])
if ARGV[4] == '' then
  redis.call('ZREM', KEYS[3], id)
else
  redis.call('ZADD', KEYS[3], ARGV[4], id)
end
if ARGV[7] == '1' then redis.call('ZADD', KEYS[5], ARGV[5], id) end
if ARGV[1] == '' then
  redis.call('ZADD', KEYS[6], ARGV[5], id)
  redis.call('ZADD', KEYS[7], ARGV[5], id)
end
return 'ok'
`)

// The replies of commitScript.
const (
	replyOK       = "ok"
	replyExists   = "exists"
	replyWaiting  = "waiting"
	replyGone     = "gone"
	replyConflict = "conflict"
	replySeated   = "seated"
)

// parseCommitReply decodes commitScript's reply: its status and, for
// replySeated, the player. Anything else is an error (a script of another
// version, or a damaged reply), never a panic.
func parseCommitReply(v any) (status, player string, err error) {
	switch x := v.(type) {
	case string:
		switch x {
		case replyOK, replyExists, replyWaiting, replyGone, replyConflict:
			return x, "", nil
		}
	case []any:
		if len(x) == 2 {
			s, ok1 := x[0].(string)
			p, ok2 := x[1].(string)
			if ok1 && ok2 && s == replySeated {
				return replySeated, p, nil
			}
		}
	}
	return "", "", fmt.Errorf("%w: unexpected commit reply %.80v", ErrMalformed, v)
}
