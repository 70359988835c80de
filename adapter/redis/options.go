package redis

import (
	"log/slog"
	"time"

	"github.com/rpsio/rpsio/adapter"
)

// SubscriptionMode says which room channels a node subscribes to in
// sharded mode, as createShardedAdapter's subscriptionMode does.
type SubscriptionMode string

// Subscription modes of the sharded mode.
const (
	// Dynamic (the default): a broadcast to one room travels on the room's
	// own channel, to which only the nodes that have that room locally
	// subscribe, unless the room looks like a socket id (20 characters);
	// other broadcasts travel on the namespace's channel.
	Dynamic SubscriptionMode = "dynamic"
	// DynamicPrivate: the same for socket id rooms too.
	DynamicPrivate SubscriptionMode = "dynamic-private"
	// Static: everything travels on the namespace's channel.
	Static SubscriptionMode = "static"
)

// Options configure a Cluster. Zero values take the defaults written on
// each field, all applied in withDefaults.
type Options struct {
	// Prefix of every channel: Node's `key` (classic) or `channelPrefix`
	// (sharded). Default "socket.io". Nodes share a cluster only with the
	// same prefix.
	Prefix string
	// RequestsTimeout bounds a request to the other nodes (FetchSockets,
	// AllRooms, ServerSideEmitWithAck): after it the request returns what
	// came with an error wrapping ErrTimeout. Default 5 s, as Node's
	// requestsTimeout.
	RequestsTimeout time.Duration
	// Sharded selects the format of createShardedAdapter over Redis 7
	// sharded Pub/Sub (SPUBLISH/SSUBSCRIBE) instead of createAdapter's
	// classic Pub/Sub. Every node of a cluster must use the same.
	Sharded bool
	// SubscriptionMode of the sharded mode. Default Dynamic.
	SubscriptionMode SubscriptionMode
	// PublishOnSpecificResponseChannel sends this node's answers to the
	// requester's own response channel rather than the shared one, as
	// Node's option of that name (classic mode). Default false.
	PublishOnSpecificResponseChannel bool
	// PublishQueueSize bounds the messages waiting to be published. When
	// it is full (Redis is down or too slow), a new message is dropped,
	// counted and logged; local delivery is never held up. Default 8192.
	PublishQueueSize int
	// PublishBatchSize is the most messages sent in one pipeline. Default
	// 256.
	PublishBatchSize int
	// ReceiveQueueSize bounds the messages received and not yet handled.
	// When it is full the node has fallen behind: a message is dropped,
	// counted and logged. Default 8192.
	ReceiveQueueSize int
	// HealthCheckInterval: when the subscriber connection has been silent
	// this long it is pinged, and replaced if the ping goes unanswered for
	// as long again. Default 5 s.
	HealthCheckInterval time.Duration
	// StartTimeout bounds the subscription of a namespace's channels when
	// its adapter starts. Default 5 s.
	StartTimeout time.Duration
	// Logger; default slog.Default().
	Logger *slog.Logger
	// Metrics receives the adapter's measurements (server.Metrics.Component
	// implements it); default adapter.Nop. What it is told:
	//   - ObservePublish once per pipeline and kind of message in it, when the
	//     pipeline has gone through (or been given up, with the error): kind
	//     "broadcast" (broadcasts, with or without acknowledgements),
	//     "request" (to the other nodes: fetchSockets, allRooms,
	//     serverSideEmit, socketsJoin, socketsLeave, disconnectSockets) or
	//     "response" (answers to the other nodes' requests and acks);
	//   - ObserveRequest once per request to the other nodes (FetchSockets,
	//     AllRooms, ServerSideEmitWithAck; not when there is no other node
	//     to ask), kind "fetchSockets", "allRooms" or "serverSideEmit", when
	//     it has every answer, timed out (the error wraps ErrTimeout, which
	//     has a Timeout() method returning true) or failed (Redis
	//     unreachable, publish queue full);
	//   - RedisError with op "connect" (Run's check, and each failed attempt
	//     to reconnect the subscriber), "receive" (the subscriber connection
	//     lost), "ping" (it stopped answering), "subscribe", "publish" (a
	//     pipeline failed and will be sent again; a pipeline given up is
	//     reported through ObservePublish instead) and "numsub" (counting the
	//     nodes for a request);
	//   - RedisConnected(true) when the subscriber connection receives again
	//     (subscribed: go-redis subscribes before reading), false when it is
	//     lost or replaced, when Run cannot reach Redis and when the last
	//     namespace closes;
	//   - Dropped "malformed" (undecodable message, or its handler panicked)
	//     and "lagging" (the receive queue was full).
	// Its methods are called from the adapter's goroutines and from callers
	// of the socketio API, never with a lock held.
	Metrics adapter.Metrics
	// OnResubscribed, if set, is called (in a goroutine of its own) each
	// time the subscriber connection is back after it was lost, once it is
	// subscribed again: what other nodes published meanwhile did not reach
	// this node (Redis Pub/Sub keeps nothing for an absent subscriber), so
	// an application may send its clients the state they could have
	// missed.
	OnResubscribed func()
}

func (o Options) withDefaults() Options {
	if o.Prefix == "" {
		o.Prefix = "socket.io"
	}
	if o.RequestsTimeout <= 0 {
		o.RequestsTimeout = 5 * time.Second
	}
	if o.SubscriptionMode == "" {
		o.SubscriptionMode = Dynamic
	}
	if o.PublishQueueSize <= 0 {
		o.PublishQueueSize = 8192
	}
	if o.PublishBatchSize <= 0 {
		o.PublishBatchSize = 256
	}
	if o.ReceiveQueueSize <= 0 {
		o.ReceiveQueueSize = 8192
	}
	if o.HealthCheckInterval <= 0 {
		o.HealthCheckInterval = 5 * time.Second
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Metrics == nil {
		o.Metrics = adapter.Nop{}
	}
	return o
}
