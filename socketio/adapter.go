package socketio

import (
	"context"
	"sort"
	"sync"

	"github.com/rpsio/rpsio/socketio/engineio"
	"github.com/rpsio/rpsio/socketio/parser"
)

// BroadcastFlags modify a broadcast.
type BroadcastFlags struct {
	// Local: this node only, even with a multi-node adapter.
	Local bool
	// Volatile: skip clients that cannot take the packet right away.
	Volatile bool
}

// BroadcastOptions select the sockets of an operation: those in any of
// Rooms (every socket when empty), minus those in any of Except.
type BroadcastOptions struct {
	Rooms  []string       `json:"rooms,omitempty"`
	Except []string       `json:"except,omitempty"`
	Flags  BroadcastFlags `json:"flags"`
}

// SocketInfo describes a socket, possibly on another node.
type SocketInfo struct {
	ID        string         `json:"id"`
	Namespace string         `json:"nsp"`
	Rooms     []string       `json:"rooms"`
	Data      map[string]any `json:"data"`
	Handshake HandshakeInfo  `json:"handshake"`
}

// HandshakeInfo is the part of a Handshake that travels between nodes.
type HandshakeInfo struct {
	Auth    map[string]any      `json:"auth"`
	Query   map[string][]string `json:"query"`
	Address string              `json:"address"`
	Time    int64               `json:"time"`
}

// Adapter keeps a namespace's rooms and carries broadcasts and socket
// operations to the sockets they select. The in-memory adapter serves one
// node; a multi-node adapter (Redis) forwards to the other nodes and applies
// what they send to its local sockets. Every method is safe for concurrent
// use and must not block on a slow client.
type Adapter interface {
	// AddAll, Del and DelAll change the rooms of a local socket.
	AddAll(id string, rooms []string)
	Del(id, room string)
	DelAll(id string)
	// SocketRooms lists the rooms of a local socket.
	SocketRooms(id string) []string
	// Rooms lists the rooms that have local sockets.
	Rooms() []string
	// Broadcast sends p to the selected sockets.
	Broadcast(p *parser.Packet, opts BroadcastOptions) error
	// FetchSockets, AddSockets, DelSockets and DisconnectSockets act on
	// the selected sockets, on every node unless opts.Flags.Local.
	FetchSockets(ctx context.Context, opts BroadcastOptions) ([]SocketInfo, error)
	AddSockets(ctx context.Context, opts BroadcastOptions, rooms []string) error
	DelSockets(ctx context.Context, opts BroadcastOptions, rooms []string) error
	DisconnectSockets(ctx context.Context, opts BroadcastOptions, close bool) error
	// ServerSideEmit sends an event to the namespace on the other nodes.
	ServerSideEmit(ctx context.Context, event string, args []any) error
	// Close releases the adapter's resources.
	Close() error
}

// InMemoryAdapter is the single-node Adapter. Multi-node adapters embed it
// to reach their local sockets.
type InMemoryAdapter struct {
	nsp   *Namespace
	mu    sync.RWMutex
	rooms map[string]map[string]struct{} // room -> socket ids
	sids  map[string]map[string]struct{} // socket id -> rooms
}

// NewInMemoryAdapter returns the in-memory adapter of nsp.
func NewInMemoryAdapter(nsp *Namespace) *InMemoryAdapter {
	return &InMemoryAdapter{nsp: nsp, rooms: map[string]map[string]struct{}{}, sids: map[string]map[string]struct{}{}}
}

// Namespace is the adapter's namespace.
func (a *InMemoryAdapter) Namespace() *Namespace { return a.nsp }

// AddAll implements Adapter.
func (a *InMemoryAdapter) AddAll(id string, rooms []string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	rs := a.sids[id]
	if rs == nil {
		rs = map[string]struct{}{}
		a.sids[id] = rs
	}
	for _, r := range rooms {
		rs[r] = struct{}{}
		m := a.rooms[r]
		if m == nil {
			m = map[string]struct{}{}
			a.rooms[r] = m
		}
		m[id] = struct{}{}
	}
}

// Del implements Adapter.
func (a *InMemoryAdapter) Del(id, room string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.delLocked(id, room)
}

func (a *InMemoryAdapter) delLocked(id, room string) {
	if rs := a.sids[id]; rs != nil {
		delete(rs, room)
	}
	if m := a.rooms[room]; m != nil {
		delete(m, id)
		if len(m) == 0 {
			delete(a.rooms, room)
		}
	}
}

// DelAll implements Adapter.
func (a *InMemoryAdapter) DelAll(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for r := range a.sids[id] {
		a.delLocked(id, r)
	}
	delete(a.sids, id)
}

// SocketRooms implements Adapter.
func (a *InMemoryAdapter) SocketRooms(id string) []string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	out := make([]string, 0, len(a.sids[id]))
	for r := range a.sids[id] {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// Rooms implements Adapter.
func (a *InMemoryAdapter) Rooms() []string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	out := make([]string, 0, len(a.rooms))
	for r := range a.rooms {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// LocalSockets returns the local sockets selected by opts. It copies the
// selection under the lock; callers do I/O after.
func (a *InMemoryAdapter) LocalSockets(opts BroadcastOptions) []*Socket {
	a.mu.RLock()
	var ids []string
	excluded := func(id string) bool {
		for _, r := range opts.Except {
			if _, ok := a.rooms[r][id]; ok {
				return true
			}
		}
		return false
	}
	if len(opts.Rooms) == 0 {
		for id := range a.sids {
			if !excluded(id) {
				ids = append(ids, id)
			}
		}
	} else {
		seen := map[string]struct{}{}
		for _, r := range opts.Rooms {
			for id := range a.rooms[r] {
				if _, dup := seen[id]; dup || excluded(id) {
					continue
				}
				seen[id] = struct{}{}
				ids = append(ids, id)
			}
		}
	}
	a.mu.RUnlock()
	out := make([]*Socket, 0, len(ids))
	for _, id := range ids {
		if s := a.nsp.LocalSocket(id); s != nil {
			out = append(out, s)
		}
	}
	return out
}

// Broadcast implements Adapter: the packet is encoded once and queued on
// each selected connection without waiting for any of them.
func (a *InMemoryAdapter) Broadcast(p *parser.Packet, opts BroadcastOptions) error {
	text, atts, err := parser.Encode(p)
	if err != nil {
		return err
	}
	// Framed once for every WebSocket receiver (engineio.Prepared).
	prepared := engineio.Prepare(enginePackets(text, atts)...)
	for _, s := range a.LocalSockets(opts) {
		_ = s.conn.eio.SendPrepared(prepared, opts.Flags.Volatile)
	}
	return nil
}

// FetchSockets implements Adapter.
func (a *InMemoryAdapter) FetchSockets(_ context.Context, opts BroadcastOptions) ([]SocketInfo, error) {
	socks := a.LocalSockets(opts)
	out := make([]SocketInfo, 0, len(socks))
	for _, s := range socks {
		out = append(out, s.Info())
	}
	return out, nil
}

// AddSockets implements Adapter.
func (a *InMemoryAdapter) AddSockets(_ context.Context, opts BroadcastOptions, rooms []string) error {
	for _, s := range a.LocalSockets(opts) {
		s.Join(rooms...)
	}
	return nil
}

// DelSockets implements Adapter.
func (a *InMemoryAdapter) DelSockets(_ context.Context, opts BroadcastOptions, rooms []string) error {
	for _, s := range a.LocalSockets(opts) {
		for _, r := range rooms {
			s.Leave(r)
		}
	}
	return nil
}

// DisconnectSockets implements Adapter.
func (a *InMemoryAdapter) DisconnectSockets(_ context.Context, opts BroadcastOptions, close bool) error {
	for _, s := range a.LocalSockets(opts) {
		s.Disconnect(close)
	}
	return nil
}

// ServerSideEmit implements Adapter: there is no other node.
func (a *InMemoryAdapter) ServerSideEmit(context.Context, string, []any) error { return nil }

// Close implements Adapter.
func (a *InMemoryAdapter) Close() error { return nil }

// Info describes the socket for FetchSockets.
func (s *Socket) Info() SocketInfo {
	h := s.handshake
	return SocketInfo{
		ID:        s.id,
		Namespace: s.nsp.name,
		Rooms:     s.Rooms(),
		Data:      s.Data(),
		Handshake: HandshakeInfo{Auth: h.Auth, Query: h.Query, Address: h.Address, Time: h.Time.UnixMilli()},
	}
}
