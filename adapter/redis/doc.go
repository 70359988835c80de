// Package redis is a socketio.Adapter on Redis Pub/Sub (go-redis v9) that
// makes several rpsio nodes, and official Node socket.io servers with
// @socket.io/redis-adapter 8.x, one Socket.IO cluster: broadcasts (rooms,
// except, volatile, local), broadcasts with acknowledgements, FetchSockets,
// SocketsJoin, SocketsLeave, DisconnectSockets, ServerSideEmit with and
// without acknowledgement and AllRooms reach every node. It speaks the wire
// format of createAdapter (classic Pub/Sub, the default) or, with
// Options.Sharded, of createShardedAdapter (Redis 7 SPUBLISH/SSUBSCRIBE),
// and accepts what @socket.io/redis-emitter 5.x publishes. docs/PROTOCOL.md
// describes the format.
//
// Usage: one Cluster per socketio.Server, its Adapter method as the
// server's adapter constructor, then Server.Run before serving:
//
//	rdb := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:6379"})
//	cluster := redis.New(rdb, redis.Options{})
//	srv := socketio.NewServer(socketio.Options{Adapter: cluster.Adapter})
//	if err := srv.Run(ctx); err != nil { ... } // Redis unreachable
//	defer rdb.Close()
//	defer srv.Shutdown(ctx)
//
// # Behaviour
//
// Local delivery never waits for Redis: a broadcast is handed to the local
// sockets and queued for publishing. One goroutine publishes the queue in
// order, as many messages as are waiting in one pipeline; while Redis is
// unreachable it retries, the queue fills, and then new messages are
// dropped and counted (Stats.PublishDropped). The subscriber connection
// reconnects and subscribes again by itself; a connection that stops
// answering pings is replaced. What the subscriber receives is handled by
// one goroutine in arrival order, requests and broadcasts alike;
// consecutive broadcasts for the same local sockets are handed to them
// together once nothing more waits, before anything else is handled; a
// node that falls behind drops and counts (Stats.ReceiveDropped). A malformed
// message is dropped and counted (Stats.Malformed), never a panic.
// Options.Metrics (an adapter.Metrics, such as the server's
// Metrics.Component("adapter")) is told the same as it happens, with the
// publishes' and requests' durations, the Redis errors and the subscriber
// connection's state; Options.Metrics says exactly what.
//
// Requests to the other nodes (FetchSockets, AllRooms,
// ServerSideEmitWithAck) expect one answer per other node, counted with
// PUBSUB NUMSUB (SHARDNUMSUB) as Node does, and end after
// Options.RequestsTimeout or the caller's context with what came and an
// error wrapping ErrTimeout. SocketsJoin, SocketsLeave and
// DisconnectSockets act on this node's sockets before they are published,
// so the caller sees its own node's sockets changed when the call returns
// and the other nodes' shortly after; the node ignores its own message when
// it comes back from Redis.
//
// # Concurrency
//
// Cluster and the adapters it makes are safe for concurrent use. Server-side
// event handlers (socketio.Namespace.OnServerSideEmit and
// OnServerSideEmitWithAck) run on the adapter's receiving goroutine, one at
// a time: one that blocks holds up everything the node receives from the
// cluster. The callbacks of a broadcast with acknowledgements run on that
// goroutine too, or on the clients' reader goroutines for local clients.
//
// Lock order: an adapter's lock is never held while taking the Cluster's,
// and neither is held during I/O or while calling the socketio package.
package redis
