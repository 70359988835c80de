package socketio

import (
	"context"
	"errors"
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
		errs = append(errs, n.adapter.Broadcast(p, b.opts))
	}
	return errors.Join(errs...)
}

// FetchSockets lists the selected sockets.
func (b BroadcastOperator) FetchSockets(ctx context.Context) ([]SocketInfo, error) {
	var out []SocketInfo
	for _, n := range b.targets() {
		s, err := n.adapter.FetchSockets(ctx, b.opts)
		if err != nil {
			return out, err
		}
		out = append(out, s...)
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
