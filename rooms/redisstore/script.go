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
// 9 the settled counter, 10 the counters (a hash: rooms, waiting, playing,
// over, players).
// ARGV: 1 the room as read ("" to create), 2 the room to store ("" to
// delete), 3 room id, 4 WakeAt score ("" for none), 5 creation score,
// 6 old joinable "1"/"0", 7 new joinable, 8 this commit's token (random),
// 9 "1" to create only if no room of the game and size waits (KEYS[5] is
// empty), 10 rounds settled by the change (added to KEYS[9]), 11 the old
// phase ("" to create), 12 the new phase ("" to delete), 13 players seated
// minus players unseated, 14 number of players added, then the players
// added, then the players removed.
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
local nadd = tonumber(ARGV[14])
for i = 15, 14 + nadd do
  local at = redis.call('HGET', KEYS[2], ARGV[i])
  if at and at ~= id then return {'seated', ARGV[i]} end
end
redis.call('SET', KEYS[8], ARGV[8], 'PX', 60000)
if tonumber(ARGV[10]) > 0 then redis.call('INCRBY', KEYS[9], ARGV[10]) end
if ARGV[11] ~= ARGV[12] then
  if ARGV[11] == '' then redis.call('HINCRBY', KEYS[10], 'rooms', 1)
  else redis.call('HINCRBY', KEYS[10], ARGV[11], -1) end
  if ARGV[12] == '' then redis.call('HINCRBY', KEYS[10], 'rooms', -1)
  else redis.call('HINCRBY', KEYS[10], ARGV[12], 1) end
end
if ARGV[13] ~= '0' then redis.call('HINCRBY', KEYS[10], 'players', ARGV[13]) end
for i = 15, 14 + nadd do
  redis.call('HSET', KEYS[2], ARGV[i], id)
end
for i = 15 + nadd, #ARGV do
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

// matchScript is matchmaking in one step: it seats a player in the oldest
// waiting room of a game and size, or, if none waits, stores the new room
// the caller made (the player alone in it). Nothing is read and written
// back by the caller in between, so concurrent joins (on any number of
// nodes) never conflict: each takes the next free seat.
//
// The seat is spliced into the stored JSON, which EncodeRoom writes in a
// fixed field order: id, game, size, phase, players, state, wakeAt,
// version, created. Inside JSON strings a quote is always escaped, so
// ',"phase":"waiting","players":[' and the first '],"state":' after it
// bound the seats, each seat holds one ',"connected":', and the last
// ',"version":N,"created":"' is the room's version (a game's state comes
// before it). A room that does not look so is dropped from the waiting
// index (it is not joinable) and the next one is tried. Only the roster
// and the version change: a game's state does not depend on who waits
// (it starts when the room is full), so the script needs no game.
//
// When the seat taken is the last, the room stays Waiting and is listed
// as due now (KEYS[3]): the caller starts the game at once with an update,
// and a sweep does it if the caller dies first.
//
// KEYS: 1 waiting (game, size), 2 seats of the game, 3 due, 4 the new
// room, 5 lobby, 6 lobby of the game, 7 the counters.
// ARGV: 1 player id, 2 the seat (JSON), 3 the new room (JSON), 4 its id,
// 5 its creation score, 6 the prefix of room keys, 7 now (score),
// 8 size.
//
// Replies {"seated", room} (the player sits in a room of the game already:
// nothing is stored), {"joined", room, JSON, full "1"/"0"}, {"created",
// room, "", full}, or "exists" (the new room's id is taken).
var matchScript = goredis.NewScript(`
local at = redis.call('HGET', KEYS[2], ARGV[1])
if at then return {'seated', at} end
local size = tonumber(ARGV[8])
for _ = 1, 100 do
  local id = redis.call('ZRANGE', KEYS[1], 0, 0)[1]
  if not id then break end
  local cur = redis.call('GET', ARGV[6] .. id)
  local new, n
  if cur then
    local _, ps = string.find(cur, ',"phase":"waiting","players":[', 1, true)
    local pe = ps and string.find(cur, '],"state":', ps, true)
    if pe then
      n = 0
      for _ in string.gmatch(string.sub(cur, ps, pe), ',"connected":') do n = n + 1 end
      local vs, ve, v
      local from = pe
      while true do
        local a, b, c = string.find(cur, ',"version":(%d+),"created":"', from)
        if not a then break end
        vs, ve, v, from = a, b, c, a + 1
      end
      if vs and n >= 1 and n < size then
        new = string.sub(cur, 1, pe - 1) .. ',' .. ARGV[2] .. string.sub(cur, pe, vs - 1) ..
          ',"version":' .. string.format('%d', tonumber(v) + 1) .. ',"created":"' .. string.sub(cur, ve + 1)
      end
    end
  end
  if not new then
    redis.call('ZREM', KEYS[1], id) -- gone or not joinable: not waiting
  else
    redis.call('SET', ARGV[6] .. id, new)
    redis.call('HSET', KEYS[2], ARGV[1], id)
    redis.call('HINCRBY', KEYS[7], 'players', 1)
    local full = '0'
    if n + 1 >= size then
      redis.call('ZREM', KEYS[1], id)
      redis.call('ZADD', KEYS[3], ARGV[7], id)
      full = '1'
    end
    return {'joined', id, new, full}
  end
end
if redis.call('EXISTS', KEYS[4]) == 1 then return 'exists' end
redis.call('SET', KEYS[4], ARGV[3])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[4])
redis.call('ZADD', KEYS[5], ARGV[5], ARGV[4])
redis.call('ZADD', KEYS[6], ARGV[5], ARGV[4])
redis.call('HINCRBY', KEYS[7], 'rooms', 1)
redis.call('HINCRBY', KEYS[7], 'waiting', 1)
redis.call('HINCRBY', KEYS[7], 'players', 1)
if size > 1 then
  redis.call('ZADD', KEYS[1], ARGV[5], ARGV[4])
  return {'created', ARGV[4], '', '0'}
end
redis.call('ZADD', KEYS[3], ARGV[7], ARGV[4])
return {'created', ARGV[4], '', '1'}
`)

// The replies of matchScript.
const (
	replyJoined  = "joined"
	replyCreated = "created"
)

// parseMatchReply decodes matchScript's reply: its status, the room, its
// JSON (joined), whether the room is full. Anything else is an error,
// never a panic.
func parseMatchReply(v any) (status, room, raw string, full bool, err error) {
	switch x := v.(type) {
	case string:
		if x == replyExists {
			return x, "", "", false, nil
		}
	case []any:
		if len(x) == 2 {
			s, ok1 := x[0].(string)
			r, ok2 := x[1].(string)
			if ok1 && ok2 && s == replySeated && r != "" {
				return s, r, "", false, nil
			}
		}
		if len(x) == 4 {
			s, ok1 := x[0].(string)
			r, ok2 := x[1].(string)
			j, ok3 := x[2].(string)
			f, ok4 := x[3].(string)
			if ok1 && ok2 && ok3 && ok4 && r != "" && (f == "0" || f == "1") &&
				(s == replyJoined && j != "" || s == replyCreated && j == "") {
				return s, r, j, f == "1", nil
			}
		}
	}
	return "", "", "", false, fmt.Errorf("%w: unexpected match reply %.80v", ErrMalformed, v)
}

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
