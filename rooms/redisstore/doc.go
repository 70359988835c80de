// Package redisstore is a [rooms.Store] in Redis (go-redis v9), shared by
// every node of a cluster: the rooms, the player→room index per game, the
// waiting rooms per game and size (oldest first), the lobby, the rooms due
// for a timed transition and the settled-rounds counter. It passes
// roomstest.RunStoreTests against a real redis-server, as the memory store
// does.
//
// # Keys
//
// Every key starts with "{<prefix>}:" (Options.Prefix, default "rpsio"):
// one configurable namespace, so that several deployments can share a
// Redis, and one hash tag, so that the keys of a room and the indexes its
// updates change atomically sit in one slot and the store works on Redis
// Cluster (in one slot: an update changes a room and the cluster-wide
// indexes together, which Redis only does within a slot).
//
//	{p}:room:<id>              string  the room, rooms.EncodeRoom's JSON
//	{p}:seats:<game>           hash    player id → room id
//	{p}:waiting:<game>:<size>  zset    joinable rooms, by creation time (µs)
//	{p}:lobby, {p}:lobby:<game> zset   every room / a game's, by creation time
//	{p}:due                    zset    rooms with a WakeAt, by WakeAt (µs)
//	{p}:settled                string  rounds settled (INCRBY)
//	{p}:counts                 hash    rooms, waiting, playing, over, players (HINCRBY, in the scripts)
//	{p}:claim:<id>             string  a sweeping node's claim (SET NX PX)
//	{p}:commit:<id>            string  the token of the room's last commit (1 min)
//
// A room is plain JSON that another language (or redis-cli GET) reads.
//
// # Atomic updates
//
// Update is optimistic: it reads the room (GET), applies the caller's
// function in Go, and commits with one Lua script that writes the room,
// every index and the counters only if the room is still byte for byte
// what was read (the version is in it), after checking that no added
// player sits in another room of the game; otherwise it retries. Checks come before writes, so a
// refused commit writes nothing. Each commit carries a random token, kept
// a minute: a commit whose reply was lost and that is sent again finds its
// token and succeeds without writing twice, so go-redis may retry it. Lua was chosen over WATCH/MULTI by measurement (see
// BenchmarkUpdate): two round trips instead of three, no connection held
// between them, and no conflict between updates of different rooms, where
// WATCH on the shared indexes makes every seat change in a game collide.
//
// # Matchmaking
//
// Match (rooms.Matcher) is one Lua script: it seats the player in the
// oldest waiting room of the game and size, splicing the seat into the
// stored JSON and bumping the version (no game code is needed: a waiting
// room's state does not depend on who waits), or stores the caller's new
// room if none waits. Joins never conflict, on any number of nodes. A seat
// that fills a room leaves it waiting and due now: the caller starts the
// game with an Update, a sweep does if the caller dies.
//
// # Counters and pages
//
// Counts (rooms.Counter) is one HGETALL of the counters the scripts keep
// with every change; ListPage (rooms.Pager) one ZRANGE of the lobby and an
// MGET: statistics and the lobby never read every room.
//
// # Failures
//
// Each call is bounded by Options.Timeout (1 s by default) besides its
// context. Any Redis error or deadline comes back wrapping both
// [rooms.ErrUnavailable] (protocol code "unavailable") and the cause. A
// stored room that does not decode is an error wrapping [ErrMalformed],
// never a panic; List skips such rooms and logs them. While Redis is down
// (nothing answered for a second: the breaker is open) errors also wrap
// [rooms.ErrStoreDown], which holds the Manager's timers
// (rooms.Options.RecoveryHold); a call merely out of time does not.
//
// # Concurrency
//
// A Store is safe for concurrent use by any number of goroutines and
// processes; it holds no lock while calling Redis and starts no goroutine.
package redisstore
