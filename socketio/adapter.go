package socketio

import (
	"context"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/rpsio/rpsio/socketio/engineio"
	"github.com/rpsio/rpsio/socketio/parser"
)

// BroadcastFlags modify a broadcast.
type BroadcastFlags struct {
	// Local: this node only, even with a multi-node adapter.
	Local bool
	// Volatile: skip clients that cannot take the packet right away.
	Volatile bool
	// Timeout bounds a broadcast with acknowledgements (EmitWithAck): how
	// long the clients' answers are awaited, on every node.
	Timeout time.Duration
}

// BroadcastOptions select the sockets of an operation: those in any of
// Rooms (every socket when empty), minus those in any of Except.
type BroadcastOptions struct {
	Rooms  []string
	Except []string
	Flags  BroadcastFlags
	// Offset is the connection state recovery offset of the packet (its
	// text form; empty when it is not kept). The packet's data never
	// holds it: the local delivery appends it. A multi-node adapter
	// carries it to the other nodes beside the packet and sets it on what
	// it receives (see Options.Recovery).
	Offset string
}

// SocketInfo describes a socket, possibly on another node.
type SocketInfo struct {
	ID        string
	Namespace string
	// Rooms the socket is in, its own id among them.
	Rooms []string
	// Data is the socket's data (Socket.Set), as JSON values when it
	// comes from another node.
	Data      map[string]any
	Handshake HandshakeInfo
}

// HandshakeInfo is the part of a Handshake that travels between nodes.
type HandshakeInfo struct {
	Headers map[string][]string
	Query   map[string][]string
	Auth    map[string]any
	Address string
	// Time of the handshake, in milliseconds since the Unix epoch.
	Time   int64
	Secure bool
	URL    string
}

// Adapter keeps a namespace's rooms and carries broadcasts and socket
// operations to the sockets they select. The in-memory adapter serves one
// node; a multi-node adapter (Redis) forwards to the other nodes and applies
// what they send to its local sockets.
//
// The server makes one adapter per namespace with Options.Adapter: that
// constructor must not block, do I/O or start goroutines (the server may
// make one and drop it unused when two goroutines create a namespace at
// once). Run starts it (connect, subscribe) and Close stops it; the server
// calls each at most once, outside its own locks. Every other method may be
// called before Run, after Close and concurrently with anything: operations
// on local sockets always work, and an adapter that cannot reach the other
// nodes must not block them.
type Adapter interface {
	// Run starts the adapter. The server calls it from Server.Run, or when
	// a namespace is created after that.
	Run(ctx context.Context) error
	// Close releases the adapter's resources, waiting until ctx is done for
	// its goroutines.
	Close(ctx context.Context) error

	// AddAll, Del and DelAll change the rooms of a local socket.
	AddAll(id string, rooms []string)
	Del(id, room string)
	DelAll(id string)
	// SocketRooms lists the rooms of a local socket.
	SocketRooms(id string) []string
	// Rooms lists the rooms that have local sockets.
	Rooms() []string

	// Broadcast sends p to the selected sockets. It must not block.
	Broadcast(p *parser.Packet, opts BroadcastOptions) error
	// BroadcastWithAck sends p to the selected sockets and asks each for an
	// acknowledgement. Every node that delivered it (this one included)
	// reports its number of recipients through onClientCount, before any of
	// its acknowledgements; then onAck gets the first argument of each
	// client's acknowledgement. Callbacks may come from any goroutine, until
	// opts.Flags.Timeout after the call. It must not block.
	BroadcastWithAck(p *parser.Packet, opts BroadcastOptions, onClientCount func(n int), onAck func(arg any)) error
	// ServerCount is the number of nodes serving the namespace, this one
	// included.
	ServerCount(ctx context.Context) (int, error)
	// AllRooms lists the rooms that have sockets on any node.
	AllRooms(ctx context.Context) ([]string, error)

	// FetchSockets, AddSockets, DelSockets and DisconnectSockets act on
	// the selected sockets, on every node unless opts.Flags.Local.
	FetchSockets(ctx context.Context, opts BroadcastOptions) ([]SocketInfo, error)
	AddSockets(ctx context.Context, opts BroadcastOptions, rooms []string) error
	DelSockets(ctx context.Context, opts BroadcastOptions, rooms []string) error
	DisconnectSockets(ctx context.Context, opts BroadcastOptions, close bool) error

	// ServerSideEmit sends an event to the namespace on the other nodes.
	ServerSideEmit(ctx context.Context, event string, args []any) error
	// ServerSideEmitWithAck does the same and waits, until ctx is done, for
	// one answer from each other node. On a timeout it returns the answers
	// that came with an error.
	ServerSideEmitWithAck(ctx context.Context, event string, args []any) ([]any, error)
}

var _ Adapter = (*InMemoryAdapter)(nil)

// InMemoryAdapter is the single-node Adapter. Multi-node adapters embed it
// to reach their local sockets.
type InMemoryAdapter struct {
	nsp   *Namespace
	hooks RoomHooks
	mu    sync.RWMutex
	rooms map[string]map[string]struct{} // room -> socket ids
	sids  map[string]map[string]struct{} // socket id -> rooms
}

// NewInMemoryAdapter returns the in-memory adapter of nsp.
func NewInMemoryAdapter(nsp *Namespace) *InMemoryAdapter {
	return &InMemoryAdapter{nsp: nsp, rooms: map[string]map[string]struct{}{}, sids: map[string]map[string]struct{}{}}
}

// RoomHooks are told when a room gets its first local socket (Created) or
// loses its last (Deleted), after the change, outside the adapter's lock;
// calls for one room may overlap, so a hook should read the current state
// (HasRoom) rather than trust the order of calls. A multi-node adapter
// uses them to subscribe to per-room channels.
type RoomHooks struct {
	Created func(room string)
	Deleted func(room string)
}

// SetRoomHooks installs hooks; call it before the adapter is used.
func (a *InMemoryAdapter) SetRoomHooks(h RoomHooks) { a.hooks = h }

// HasRoom tells whether a room has local sockets.
func (a *InMemoryAdapter) HasRoom(room string) bool {
	a.mu.RLock()
	defer a.mu.RUnlock()
	_, ok := a.rooms[room]
	return ok
}

// Namespace is the adapter's namespace.
func (a *InMemoryAdapter) Namespace() *Namespace { return a.nsp }

// AddAll implements Adapter.
func (a *InMemoryAdapter) AddAll(id string, rooms []string) {
	var created []string
	defer func() { a.notify(a.hooks.Created, created) }()
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
			if a.hooks.Created != nil {
				created = append(created, r)
			}
		}
		m[id] = struct{}{}
	}
}

// Del implements Adapter.
func (a *InMemoryAdapter) Del(id, room string) {
	var deleted []string
	defer func() { a.notify(a.hooks.Deleted, deleted) }()
	a.mu.Lock()
	defer a.mu.Unlock()
	a.delLocked(id, room, &deleted)
}

func (a *InMemoryAdapter) delLocked(id, room string, deleted *[]string) {
	if rs := a.sids[id]; rs != nil {
		delete(rs, room)
	}
	if m := a.rooms[room]; m != nil {
		delete(m, id)
		if len(m) == 0 {
			delete(a.rooms, room)
			if a.hooks.Deleted != nil {
				*deleted = append(*deleted, room)
			}
		}
	}
}

// DelAll implements Adapter.
func (a *InMemoryAdapter) DelAll(id string) {
	var deleted []string
	defer func() { a.notify(a.hooks.Deleted, deleted) }()
	a.mu.Lock()
	defer a.mu.Unlock()
	for r := range a.sids[id] {
		a.delLocked(id, r, &deleted)
	}
	delete(a.sids, id)
}

func (a *InMemoryAdapter) notify(hook func(string), rooms []string) {
	for _, r := range rooms {
		hook(r)
	}
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
// each selected connection without waiting for any of them. It is not
// encoded at all when no local socket is selected (a multi-node adapter's
// node that only forwards a broadcast to the others), so an argument that
// cannot be encoded is reported only where the packet has a recipient.
func (a *InMemoryAdapter) Broadcast(p *parser.Packet, opts BroadcastOptions) error {
	if r := a.nsp.rec; r != nil {
		return r.deliverLocal(a, p, opts)
	}
	socks := a.LocalSockets(opts)
	if len(socks) == 0 {
		return nil
	}
	text, atts, err := parser.Encode(p)
	if err != nil {
		return err
	}
	a.sendEncoded(socks, []EncodedPacket{{Text: text, Attachments: atts}}, opts.Flags.Volatile)
	return nil
}

// EncodedPacket is a packet as parser.Encode returns it: its text and its
// binary attachments.
type EncodedPacket struct {
	Text        []byte
	Attachments [][]byte
}

// BroadcastEncoded sends EVENT packets that are already encoded to the
// selected local sockets, as Broadcast does, together and in order (one
// Send per socket, so that they can leave in one write). A multi-node
// adapter uses it to deliver what other nodes published without decoding
// it into Go values first. opts.Offset is the recovery offset another
// node gave the packet (then there is exactly one): with recovery on here,
// it is appended as the event's last argument and the packet kept for the
// sockets, as Broadcast does. The packets' bytes are kept by the
// connections' queues: the caller must not change them afterwards.
func (a *InMemoryAdapter) BroadcastEncoded(opts BroadcastOptions, packets ...EncodedPacket) {
	if len(packets) == 0 {
		return
	}
	if r := a.nsp.rec; r != nil && opts.Offset != "" && len(packets) == 1 {
		// Copies of what the packet keeps, so that opts does not escape
		// (the caller's room lists may stay on its stack).
		kept := BroadcastOptions{Rooms: copyRooms(opts.Rooms), Except: copyRooms(opts.Except), Flags: opts.Flags, Offset: strings.Clone(opts.Offset)}
		_ = r.deliverEncoded(a, packets[0], kept)
		return
	}
	if socks := a.LocalSockets(opts); len(socks) > 0 {
		a.sendEncoded(socks, packets, opts.Flags.Volatile)
	}
}

// copyRooms copies a room list (never aliasing it, unlike slices.Clone of
// an empty one).
func copyRooms(rooms []string) []string {
	if len(rooms) == 0 {
		return nil
	}
	out := make([]string, len(rooms))
	copy(out, rooms)
	return out
}

// sendEncoded frames the packets once for every WebSocket receiver
// (engineio.Prepared). With recovery on, each socket's deliver decides
// (a socket being restored holds them until its replay is out).
func (a *InMemoryAdapter) sendEncoded(socks []*Socket, packets []EncodedPacket, volatile bool) {
	n := 0
	for _, p := range packets {
		n += 1 + len(p.Attachments)
	}
	eps := make([]engineio.Packet, 0, n)
	for _, p := range packets {
		eps = append(eps, engineio.Packet{Type: engineio.Message, Data: p.Text})
		for _, b := range p.Attachments {
			eps = append(eps, engineio.Packet{Type: engineio.Message, Data: b, Binary: true})
		}
	}
	if a.nsp.rec != nil {
		for _, s := range socks {
			_ = s.deliver(nil, eps, volatile)
		}
		return
	}
	prepared := engineio.Prepare(eps...)
	for _, s := range socks {
		_ = s.conn.eio.SendPrepared(prepared, volatile)
	}
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

// ServerSideEmitWithAck implements Adapter: there is no other node, so no
// answer.
func (a *InMemoryAdapter) ServerSideEmitWithAck(context.Context, string, []any) ([]any, error) {
	return []any{}, nil
}

// ServerCount implements Adapter: this node.
func (a *InMemoryAdapter) ServerCount(context.Context) (int, error) { return 1, nil }

// AllRooms implements Adapter: the local rooms.
func (a *InMemoryAdapter) AllRooms(context.Context) ([]string, error) { return a.Rooms(), nil }

// Run implements Adapter: there is nothing to start.
func (a *InMemoryAdapter) Run(context.Context) error { return nil }

// Close implements Adapter.
func (a *InMemoryAdapter) Close(context.Context) error { return nil }

// DefaultAckTimeout bounds a broadcast with acknowledgements that has
// neither BroadcastFlags.Timeout nor a context deadline.
const DefaultAckTimeout = 5 * time.Second

// BroadcastWithAck implements Adapter for the local sockets. The packet
// gets an ack id from the namespace (so it cannot collide with a socket's
// own EmitWithAck), is encoded once and queued on each selected socket.
// onClientCount runs before any onAck: an acknowledgement that arrives
// first waits for it. The sockets forget the ack id after
// opts.Flags.Timeout (DefaultAckTimeout when zero).
func (a *InMemoryAdapter) BroadcastWithAck(p *parser.Packet, opts BroadcastOptions, onClientCount func(n int), onAck func(arg any)) error {
	q := *p
	q.ID, q.HasID = a.nsp.nextAckID(), true
	text, atts, err := parser.Encode(&q)
	if err != nil {
		return err
	}
	packets := enginePackets(text, atts)
	g := &ackGate{onAck: onAck}
	var registered []*Socket
	for _, s := range a.LocalSockets(opts) {
		if !s.addAck(q.ID, g.ack) {
			continue // disconnected meanwhile
		}
		registered = append(registered, s)
		if opts.Flags.Volatile {
			s.conn.eio.SendVolatile(packets...)
		} else {
			_ = s.conn.eio.Send(packets...)
		}
	}
	onClientCount(len(registered))
	g.open()
	if len(registered) > 0 {
		timeout := opts.Flags.Timeout
		if timeout <= 0 {
			timeout = DefaultAckTimeout
		}
		time.AfterFunc(timeout, func() {
			for _, s := range registered {
				s.dropAck(q.ID)
			}
		})
	}
	return nil
}

// ackGate holds the acknowledgements that arrive before the client count
// has been reported, and releases them after it.
type ackGate struct {
	mu      sync.Mutex
	opened  bool
	pending []any
	onAck   func(any)
}

func (g *ackGate) ack(args []any, ok bool) {
	if !ok {
		return // the socket disconnected: the broadcast times out
	}
	var arg any
	if len(args) > 0 {
		arg = args[0]
	}
	g.mu.Lock()
	if !g.opened {
		g.pending = append(g.pending, arg)
		g.mu.Unlock()
		return
	}
	g.mu.Unlock()
	g.onAck(arg)
}

func (g *ackGate) open() {
	for {
		g.mu.Lock()
		pending := g.pending
		g.pending = nil
		if len(pending) == 0 {
			g.opened = true
			g.mu.Unlock()
			return
		}
		g.mu.Unlock()
		for _, arg := range pending {
			g.onAck(arg)
		}
	}
}

// Info describes the socket for FetchSockets.
func (s *Socket) Info() SocketInfo {
	h := s.handshake
	return SocketInfo{
		ID:        s.id,
		Namespace: s.nsp.name,
		Rooms:     s.Rooms(),
		Data:      s.Data(),
		Handshake: HandshakeInfo{
			Headers: h.Headers,
			Query:   h.Query,
			Auth:    h.Auth,
			Address: h.Address,
			Time:    h.Time.UnixMilli(),
			Secure:  h.Secure,
			URL:     h.URL,
		},
	}
}
