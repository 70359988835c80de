// Package adapter holds what rpsio's cluster adapters share (the Redis one
// is in adapter/redis). Its only dependency is the standard library, so an
// adapter can report measurements without importing the server or
// Prometheus.
package adapter

import "time"

// Metrics receives the measurements of a cluster adapter (or of any other
// component talking to Redis, such as a shared room store). The server
// implements it with Prometheus collectors (server.Metrics.Component);
// Nop discards everything.
//
// Every method is safe for concurrent use and returns quickly: adapters call
// them on their publish and receive paths. Label values (kind, op, reason)
// must come from a small fixed set, such as the request types of the wire
// format, never from client input, room names or error texts.
type Metrics interface {
	// ObservePublish records one publish to Redis of n messages (n > 1 when
	// a pipeline or batch carried several), which took d from the first
	// message being queued to Redis answering; err is the failure if any.
	// kind is what was published: "broadcast", "request", "response", ...
	// A failed publish counts as a Redis error of op "publish": do not report
	// it again through RedisError.
	ObservePublish(kind string, n int, d time.Duration, err error)
	// ObserveRequest records one cluster-wide request (a fetchSockets,
	// serverSideEmit with ack, ...) from sending it to its last answer or its
	// timeout; err is nil on success, wraps context.DeadlineExceeded (or
	// has a Timeout() bool method returning true) on timeout.
	ObserveRequest(kind string, d time.Duration, err error)
	// RedisError counts an error talking to Redis. op names the operation:
	// "connect", "subscribe", "publish", "receive", ...
	RedisError(op string, err error)
	// RedisConnected reports the connection's state when it changes: true
	// once connected and subscribed, false with the error when it is lost.
	// It shows in /readyz's body and in the metrics; it never makes the node
	// unready (one Redis blip must not empty every Service at once).
	RedisConnected(connected bool, err error)
	// Dropped counts an inbound message that was dropped: reason
	// "malformed" (could not be decoded), "lagging" (the subscriber fell
	// behind), ...
	Dropped(reason string)
}

// Nop is a Metrics that discards everything: the default of an adapter
// given none.
type Nop struct{}

// ObservePublish implements Metrics.
func (Nop) ObservePublish(string, int, time.Duration, error) {}

// ObserveRequest implements Metrics.
func (Nop) ObserveRequest(string, time.Duration, error) {}

// RedisError implements Metrics.
func (Nop) RedisError(string, error) {}

// RedisConnected implements Metrics.
func (Nop) RedisConnected(bool, error) {}

// Dropped implements Metrics.
func (Nop) Dropped(string) {}

var _ Metrics = Nop{}
