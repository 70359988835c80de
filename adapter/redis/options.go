package redis

import (
	"log/slog"
	"time"
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
	return o
}
