package redispresence

import (
	"fmt"
	"strconv"

	goredis "github.com/redis/go-redis/v9"
)

// The scripts read the time from Redis (TIME), so that nodes whose clocks
// disagree still agree on whose lease ran out. Scripts that walk a node's
// players build the keys they touch from the prefix: every key of the
// tracker shares its hash tag, so they are in one slot on Redis Cluster.

// beatScript renews this node's lease and reports its connections.
// KEYS: 1 nodes, 2 conns. ARGV: 1 node, 2 lease (ms), 3 connections,
// 4 "1" to register (else a node that was reaped gets "lost").
var beatScript = goredis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if ARGV[4] ~= '1' and not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  return 'lost'
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
return 'ok'
`)

// arriveScript records that this node holds sockets of a player.
// KEYS: 1 nodes, 2 the player's presence, 3 this node's players.
// ARGV: 1 node, 2 member. Replies "ok", or "lost" when the node is not
// registered (it was reaped): nothing is written then, or the record would
// outlive the node.
var arriveScript = goredis.NewScript(`
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 'lost' end
redis.call('HSET', KEYS[2], ARGV[1], 1)
redis.call('SADD', KEYS[3], ARGV[2])
return 'ok'
`)

// departScript records that this node holds no socket of a player, and
// replies how many nodes still do (live or not yet reaped).
// KEYS: 1 the player's presence, 2 this node's players. ARGV: 1 node,
// 2 member.
var departScript = goredis.NewScript(`
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('SREM', KEYS[2], ARGV[2])
return redis.call('HLEN', KEYS[1])
`)

// onlineScript replies 1 if a live node holds sockets of the player.
// KEYS: 1 nodes, 2 the player's presence.
var onlineScript = goredis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for _, n in ipairs(redis.call('HKEYS', KEYS[2])) do
  local s = redis.call('ZSCORE', KEYS[1], n)
  if s and tonumber(s) >= now then return 1 end
end
return 0
`)

// statsScript replies {live nodes, their connections}.
// KEYS: 1 nodes, 2 conns.
var statsScript = goredis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local live = redis.call('ZRANGEBYSCORE', KEYS[1], now, '+inf')
local conns = 0
if #live > 0 then
  for _, c in ipairs(redis.call('HMGET', KEYS[2], unpack(live))) do
    conns = conns + (tonumber(c) or 0)
  end
end
return {#live, conns}
`)

// reapScript removes nodes whose lease ran out (at most ARGV[2]) with
// their presence records, and replies {dead nodes, members of the players
// that no node holds any more}. Atomic: each dead node is reaped once, by
// one caller, which alone gets its players.
// KEYS: 1 nodes, 2 conns. ARGV: 1 key prefix "{p}:", 2 limit.
var reapScript = goredis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. now, 'LIMIT', 0, tonumber(ARGV[2]))
local gone = {}
for _, node in ipairs(dead) do
  local set = ARGV[1] .. 'node:' .. node .. ':players'
  for _, m in ipairs(redis.call('SMEMBERS', set)) do
    local pk = ARGV[1] .. 'presence:' .. m
    redis.call('HDEL', pk, node)
    if redis.call('HLEN', pk) == 0 then table.insert(gone, m) end
  end
  redis.call('DEL', set)
  redis.call('ZREM', KEYS[1], node)
  redis.call('HDEL', KEYS[2], node)
end
return {dead, gone}
`)

// member is how a player is written in a node's set and in the name of
// their presence key: the game's length, ':', the game, the player id, so
// that no two (game, player) pairs give the same string.
func member(game, player string) string {
	return strconv.Itoa(len(game)) + ":" + game + player
}

// parseMember decodes a member; ok is false for anything malformed.
func parseMember(m string) (game, player string, ok bool) {
	i := 0
	for i < len(m) && i < 4 && m[i] >= '0' && m[i] <= '9' {
		i++
	}
	if i == 0 || i >= len(m) || m[i] != ':' || m[0] == '0' {
		return "", "", false
	}
	n, err := strconv.Atoi(m[:i])
	if err != nil || n < 1 || i+1+n > len(m) {
		return "", "", false
	}
	return m[i+1 : i+1+n], m[i+1+n:], true
}

// parseReap decodes reapScript's reply.
func parseReap(v any) (dead, gone []string, err error) {
	a, ok := v.([]any)
	if !ok || len(a) != 2 {
		return nil, nil, fmt.Errorf("%w: reap reply %.80v", ErrMalformed, v)
	}
	if dead, err = stringList(a[0]); err != nil {
		return nil, nil, err
	}
	if gone, err = stringList(a[1]); err != nil {
		return nil, nil, err
	}
	return dead, gone, nil
}

// parseStats decodes statsScript's reply.
func parseStats(v any) (nodes, conns int, err error) {
	a, ok := v.([]any)
	if ok && len(a) == 2 {
		n, ok1 := a[0].(int64)
		c, ok2 := a[1].(int64)
		if ok1 && ok2 && n >= 0 && c >= 0 && n <= 1<<31 && c <= 1<<40 {
			return int(n), int(c), nil
		}
	}
	return 0, 0, fmt.Errorf("%w: stats reply %.80v", ErrMalformed, v)
}

func stringList(v any) ([]string, error) {
	a, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%w: list %.80v", ErrMalformed, v)
	}
	out := make([]string, len(a))
	for i, x := range a {
		s, ok := x.(string)
		if !ok {
			return nil, fmt.Errorf("%w: list element %.80v", ErrMalformed, x)
		}
		out[i] = s
	}
	return out, nil
}
