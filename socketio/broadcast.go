package socketio

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// BroadcastOperator selects sockets for a broadcast or a socket operation.
// It is a value: each method returns a new operator, so one can be shared.
type BroadcastOperator struct {
	nsp  *Namespace
	opts BroadcastOptions
}

func (b BroadcastOperator) with(f func(o *BroadcastOptions)) BroadcastOperator {
	o := BroadcastOptions{
		Rooms:  append([]string(nil), b.opts.Rooms...),
		Except: append([]string(nil), b.opts.Except...),
		Flags:  b.opts.Flags,
	}
	f(&o)
	return BroadcastOperator{nsp: b.nsp, opts: o}
}

// To adds rooms to the selection.
func (b BroadcastOperator) To(rooms ...string) BroadcastOperator {
	return b.with(func(o *BroadcastOptions) { o.Rooms = append(o.Rooms, rooms...) })
}

// In is To.
func (b BroadcastOperator) In(rooms ...string) BroadcastOperator { return b.To(rooms...) }

// Except leaves out the sockets in rooms.
func (b BroadcastOperator) Except(rooms ...string) BroadcastOperator {
	return b.with(func(o *BroadcastOptions) { o.Except = append(o.Except, rooms...) })
}

// Local limits the operation to this node.
func (b BroadcastOperator) Local() BroadcastOperator {
	return b.with(func(o *BroadcastOptions) { o.Flags.Local = true })
}

// Volatile lets the packet be dropped for clients that cannot take it now.
func (b BroadcastOperator) Volatile() BroadcastOperator {
	return b.with(func(o *BroadcastOptions) { o.Flags.Volatile = true })
}

// Timeout sets how long EmitWithAck waits for the clients' answers (on
// every node: the other nodes learn it with the broadcast).
func (b BroadcastOperator) Timeout(d time.Duration) BroadcastOperator {
	return b.with(func(o *BroadcastOptions) { o.Flags.Timeout = d })
}

// Options are the selection as adapters see it.
func (b BroadcastOperator) Options() BroadcastOptions { return b.opts }

// targets is the namespace itself, or a dynamic parent's children.
func (b BroadcastOperator) targets() []*Namespace {
	if b.nsp.match == nil {
		return []*Namespace{b.nsp}
	}
	b.nsp.mu.RLock()
	defer b.nsp.mu.RUnlock()
	return append([]*Namespace(nil), b.nsp.children...)
}

// Emit sends an event to the selected sockets.
func (b BroadcastOperator) Emit(event string, args ...any) error {
	var errs []error
	for _, n := range b.targets() {
		p, err := n.eventPacket(event, args)
		if err != nil {
			return err
		}
		if n.rec != nil && !b.opts.Flags.Volatile {
			errs = append(errs, n.rec.broadcast(p, b.opts))
			continue
		}
		errs = append(errs, n.adapter.Broadcast(p, b.opts))
	}
	return errors.Join(errs...)
}

// FetchSockets lists the selected sockets. With an error (another node did
// not answer in time, Redis is down), it returns what it has: at least
// this node's sockets.
func (b BroadcastOperator) FetchSockets(ctx context.Context) ([]SocketInfo, error) {
	var out []SocketInfo
	for _, n := range b.targets() {
		s, err := n.adapter.FetchSockets(ctx, b.opts)
		out = append(out, s...) // with an error, what came
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// SocketsJoin makes the selected sockets join rooms.
func (b BroadcastOperator) SocketsJoin(ctx context.Context, rooms ...string) error {
	var errs []error
	for _, n := range b.targets() {
		errs = append(errs, n.adapter.AddSockets(ctx, b.opts, rooms))
	}
	return errors.Join(errs...)
}

// SocketsLeave makes the selected sockets leave rooms.
func (b BroadcastOperator) SocketsLeave(ctx context.Context, rooms ...string) error {
	var errs []error
	for _, n := range b.targets() {
		errs = append(errs, n.adapter.DelSockets(ctx, b.opts, rooms))
	}
	return errors.Join(errs...)
}

// DisconnectSockets disconnects the selected sockets; with close, their
// whole connections.
func (b BroadcastOperator) DisconnectSockets(ctx context.Context, close bool) error {
	var errs []error
	for _, n := range b.targets() {
		errs = append(errs, n.adapter.DisconnectSockets(ctx, b.opts, close))
	}
	return errors.Join(errs...)
}

// EmitWithAck sends an event to the selected sockets, on every node, and
// returns the first argument of each client's acknowledgement, in the
// order they came. It waits until every node has reported how many clients
// it reached and all of those have answered, for at most the Timeout set
// on the operator (else until ctx is done, else DefaultAckTimeout). On a
// timeout it returns the answers that came and an error wrapping
// ErrAckTimeout. A client that disconnects before answering makes it wait
// out the timeout, as in the reference server.
func (b BroadcastOperator) EmitWithAck(ctx context.Context, event string, args ...any) ([]any, error) {
	opts := b.opts
	if opts.Flags.Timeout <= 0 {
		opts.Flags.Timeout = DefaultAckTimeout
		if dl, ok := ctx.Deadline(); ok {
			opts.Flags.Timeout = time.Until(dl)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Flags.Timeout)
	defer cancel()
	out := []any{}
	for _, n := range b.targets() {
		acks, err := n.broadcastWithAck(ctx, event, args, opts)
		out = append(out, acks...)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// ackCollector counts what a broadcast with acknowledgements has had back.
type ackCollector struct {
	mu       sync.Mutex
	servers  int // nodes that reported their client count
	expected int // nodes expected to (-1: not known yet)
	clients  int // clients reached, summed over the reports
	acks     []any
	done     bool
	complete chan struct{}
}

func (c *ackCollector) check() {
	if !c.done && c.expected >= 0 && c.servers >= c.expected && len(c.acks) >= c.clients {
		c.done = true
		close(c.complete)
	}
}

func (n *Namespace) broadcastWithAck(ctx context.Context, event string, args []any, opts BroadcastOptions) ([]any, error) {
	p, err := n.eventPacket(event, args)
	if err != nil {
		return nil, err
	}
	c := &ackCollector{expected: -1, complete: make(chan struct{})}
	err = n.adapter.BroadcastWithAck(p, opts, func(count int) {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.servers++
		c.clients += count
		c.check()
	}, func(arg any) {
		c.mu.Lock()
		defer c.mu.Unlock()
		if !c.done {
			c.acks = append(c.acks, arg)
			c.check()
		}
	})
	if err != nil {
		return nil, err
	}
	expected := 1
	var countErr error
	if !opts.Flags.Local {
		if expected, countErr = n.adapter.ServerCount(ctx); countErr != nil {
			// The local clients were reached all the same: wait for them.
			expected = 1
		}
	}
	c.mu.Lock()
	c.expected = expected
	c.check()
	c.mu.Unlock()
	select {
	case <-c.complete:
	case <-ctx.Done():
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	acks := append([]any{}, c.acks...)
	if !c.done {
		c.done = true
		return acks, fmt.Errorf("%w: %d of %d nodes reported, %d of %d clients answered: %w",
			ErrAckTimeout, c.servers, max(c.expected, c.servers), len(c.acks), c.clients, ctx.Err())
	}
	if countErr != nil {
		return acks, fmt.Errorf("socketio: counting the nodes: %w", countErr)
	}
	return acks, nil
}
