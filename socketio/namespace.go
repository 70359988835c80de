package socketio

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rpsio/rpsio/socketio/parser"
)

// Middleware vets a socket before it joins a namespace. It sees the
// handshake (s.Handshake()) and may set data (s.Set). Returning an error
// refuses the connection: a *ConnectError gives the client its message and
// data. Middleware runs on the connection's reader goroutine.
type Middleware func(s *Socket) error

// Namespace is a communication channel that multiplexes sockets over one
// connection. All methods are safe for concurrent use.
type Namespace struct {
	srv     *Server
	name    string
	adapter Adapter
	rec     *nspRecovery                                // nil: recovery off, or a dynamic parent
	match   func(name string, auth map[string]any) bool // dynamic parents only
	parent  *Namespace

	// ackIDs numbers the packets that wait for an acknowledgement, the
	// sockets' own and the broadcasts', so that they never collide.
	ackIDs atomic.Uint64

	// life orders the adapter's Run and Close; it is never held with mu.
	life struct {
		sync.Mutex
		started, closed bool
	}

	mu           sync.RWMutex
	sockets      map[string]*Socket
	middleware   []Middleware
	onConnection []func(*Socket)
	serverSide   map[string][]ServerSideHandler
	children     []*Namespace

	stats nspCounters // for Server.Stats (stats.go)
}

// ServerSideHandler handles an event sent by ServerSideEmit or
// ServerSideEmitWithAck on another node. ack answers the sender: only its
// first call counts, and it does nothing when the sender waits for no
// answer. It may be called later, from any goroutine.
type ServerSideHandler func(args []any, ack func(v any))

func newNamespace(s *Server, name string, match func(string, map[string]any) bool) *Namespace {
	n := &Namespace{srv: s, name: name, match: match, sockets: map[string]*Socket{}, serverSide: map[string][]ServerSideHandler{}}
	if match == nil {
		n.adapter = s.opts.Adapter(n)
		n.rec = newNspRecovery(s.rec, n)
		if n.rec != nil {
			n.serverSide[recoveryCloseEvent] = []ServerSideHandler{n.rec.onCloseRequest}
		}
	}
	return n
}

func (n *Namespace) nextAckID() uint64 { return n.ackIDs.Add(1) - 1 }

// runAdapter starts the adapter once; a closed namespace starts nothing.
func (n *Namespace) runAdapter(ctx context.Context) error {
	if n.adapter == nil {
		return nil
	}
	n.life.Lock()
	defer n.life.Unlock()
	if n.life.started || n.life.closed {
		return nil
	}
	n.life.started = true
	return n.adapter.Run(ctx)
}

// closeAdapter closes the adapter once, after any Run in progress.
func (n *Namespace) closeAdapter(ctx context.Context) error {
	if n.adapter == nil {
		return nil
	}
	n.life.Lock()
	defer n.life.Unlock()
	if n.life.closed {
		return nil
	}
	n.life.closed = true
	return n.adapter.Close(ctx)
}

// Name is the namespace's name, such as "/" or "/rps"; "" for a dynamic
// parent.
func (n *Namespace) Name() string { return n.name }

// Server is the server the namespace belongs to.
func (n *Namespace) Server() *Server { return n.srv }

// Adapter is the namespace's adapter (nil for a dynamic parent).
func (n *Namespace) Adapter() Adapter { return n.adapter }

// Use adds middleware, run in order for every connecting socket.
func (n *Namespace) Use(m Middleware) {
	n.mu.Lock()
	n.middleware = append(n.middleware, m)
	n.mu.Unlock()
}

// OnConnection registers a handler called for every socket that joins, on
// the connection's reader goroutine, after the client has been told it is
// connected. Register the socket's event handlers there.
func (n *Namespace) OnConnection(fn func(s *Socket)) {
	n.mu.Lock()
	n.onConnection = append(n.onConnection, fn)
	n.mu.Unlock()
}

// OnServerSideEmit registers a handler for ServerSideEmit calls made on
// other nodes. It cannot answer an acknowledgement: see
// OnServerSideEmitWithAck.
func (n *Namespace) OnServerSideEmit(event string, fn func(args []any)) {
	n.OnServerSideEmitWithAck(event, func(args []any, _ func(any)) { fn(args) })
}

// OnServerSideEmitWithAck registers a handler for ServerSideEmit and
// ServerSideEmitWithAck calls made on other nodes; it may answer the
// latter. Handlers run on the adapter's receiving goroutine, one at a time
// in the order the events arrive: one that blocks holds up the node's
// traffic from the cluster, so start a goroutine for long work.
func (n *Namespace) OnServerSideEmitWithAck(event string, fn ServerSideHandler) {
	n.mu.Lock()
	n.serverSide[event] = append(n.serverSide[event], fn)
	n.mu.Unlock()
}

// ServerSideEmit sends an event to the same namespace on every other node
// (through the adapter); the in-memory adapter has no other node.
func (n *Namespace) ServerSideEmit(ctx context.Context, event string, args ...any) error {
	if n.adapter == nil {
		return nil
	}
	if reservedEvents[event] {
		return ErrReservedEvent
	}
	return n.adapter.ServerSideEmit(ctx, event, args)
}

// ServerSideEmitWithAck sends an event to the same namespace on every
// other node and returns their answers, one per node, in the order they
// came. It waits until every other node has answered or ctx is done; then
// it returns the answers that came and an error wrapping ErrAckTimeout.
// With the in-memory adapter there is no other node: no answer, no error.
func (n *Namespace) ServerSideEmitWithAck(ctx context.Context, event string, args ...any) ([]any, error) {
	if n.adapter == nil {
		return []any{}, nil
	}
	if reservedEvents[event] {
		return nil, ErrReservedEvent
	}
	return n.adapter.ServerSideEmitWithAck(ctx, event, args)
}

// AllRooms lists the rooms that have sockets on any node, socket id rooms
// included, sorted.
func (n *Namespace) AllRooms(ctx context.Context) ([]string, error) {
	if n.adapter == nil {
		return []string{}, nil
	}
	return n.adapter.AllRooms(ctx)
}

// DispatchServerSideEmit hands an event received from another node to the
// handlers registered with OnServerSideEmit(WithAck), with an ack that
// does nothing. Adapters call it.
func (n *Namespace) DispatchServerSideEmit(event string, args []any) {
	n.DispatchServerSideEmitWithAck(event, args, nil)
}

// DispatchServerSideEmitWithAck hands an event received from another node
// to the handlers; the first call any of them makes to its ack calls ack
// (nil: the sender waits for no answer). A handler that panics is logged.
// Adapters call it.
func (n *Namespace) DispatchServerSideEmitWithAck(event string, args []any, ack func(v any)) {
	n.mu.RLock()
	hs := append([]ServerSideHandler(nil), n.serverSide[event]...)
	n.mu.RUnlock()
	var once sync.Once
	answer := func(v any) {
		if ack != nil {
			once.Do(func() { ack(v) })
		}
	}
	for _, h := range hs {
		func() {
			defer func() {
				if r := recover(); r != nil {
					n.srv.log.Error("socketio: server-side handler panicked", "nsp", n.name, "event", event, "panic", r)
				}
			}()
			h(args, answer)
		}()
	}
}

func (n *Namespace) addChild(c *Namespace) {
	n.mu.Lock()
	n.children = append(n.children, c)
	n.mu.Unlock()
}

func (n *Namespace) runMiddleware(s *Socket) (err error) {
	var ms []Middleware
	if n.parent != nil {
		n.parent.mu.RLock()
		ms = append(ms, n.parent.middleware...)
		n.parent.mu.RUnlock()
	}
	n.mu.RLock()
	ms = append(ms, n.middleware...)
	n.mu.RUnlock()
	defer func() {
		if r := recover(); r != nil {
			n.srv.log.Error("socketio: middleware panicked", "nsp", n.name, "panic", r)
			err = &ConnectError{Message: "server error"}
		}
	}()
	for _, m := range ms {
		if err := m(s); err != nil {
			return err
		}
	}
	return nil
}

func (n *Namespace) add(s *Socket) {
	n.mu.Lock()
	n.sockets[s.id] = s
	n.mu.Unlock()
	n.adapter.AddAll(s.id, []string{s.id})
}

func (n *Namespace) remove(s *Socket) {
	n.mu.Lock()
	// A recovered socket with the same id may have taken its place.
	if n.sockets[s.id] == s {
		delete(n.sockets, s.id)
	}
	n.mu.Unlock()
}

func (n *Namespace) connected(s *Socket) {
	var hs []func(*Socket)
	if n.parent != nil {
		n.parent.mu.RLock()
		hs = append(hs, n.parent.onConnection...)
		n.parent.mu.RUnlock()
	}
	n.mu.RLock()
	hs = append(hs, n.onConnection...)
	n.mu.RUnlock()
	for _, h := range hs {
		if !s.call(func() { h(s) }) {
			return
		}
	}
}

// LocalSocket returns the socket of that id connected to this node.
func (n *Namespace) LocalSocket(id string) *Socket {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.sockets[id]
}

// LocalSockets returns the sockets connected to this node.
func (n *Namespace) LocalSockets() []*Socket {
	n.mu.RLock()
	defer n.mu.RUnlock()
	out := make([]*Socket, 0, len(n.sockets))
	for _, s := range n.sockets {
		out = append(out, s)
	}
	return out
}

func (n *Namespace) op() BroadcastOperator {
	return BroadcastOperator{nsp: n}
}

// To selects the sockets in these rooms for a broadcast.
func (n *Namespace) To(rooms ...string) BroadcastOperator { return n.op().To(rooms...) }

// In is To.
func (n *Namespace) In(rooms ...string) BroadcastOperator { return n.op().To(rooms...) }

// Except leaves out the sockets in these rooms.
func (n *Namespace) Except(rooms ...string) BroadcastOperator { return n.op().Except(rooms...) }

// Local limits a broadcast to this node.
func (n *Namespace) Local() BroadcastOperator { return n.op().Local() }

// Volatile drops the packet for clients that cannot take it right away.
func (n *Namespace) Volatile() BroadcastOperator { return n.op().Volatile() }

// Timeout sets how long EmitWithAck waits for the clients' answers.
func (n *Namespace) Timeout(d time.Duration) BroadcastOperator { return n.op().Timeout(d) }

// EmitWithAck sends an event to every socket of the namespace (on every
// node) and returns their acknowledgements; see BroadcastOperator.
func (n *Namespace) EmitWithAck(ctx context.Context, event string, args ...any) ([]any, error) {
	return n.op().EmitWithAck(ctx, event, args...)
}

// Emit sends an event to every socket of the namespace (on every node).
func (n *Namespace) Emit(event string, args ...any) error { return n.op().Emit(event, args...) }

// FetchSockets lists the namespace's sockets on every node.
func (n *Namespace) FetchSockets(ctx context.Context) ([]SocketInfo, error) {
	return n.op().FetchSockets(ctx)
}

// SocketsJoin makes every socket of the namespace join rooms.
func (n *Namespace) SocketsJoin(ctx context.Context, rooms ...string) error {
	return n.op().SocketsJoin(ctx, rooms...)
}

// SocketsLeave makes every socket of the namespace leave rooms.
func (n *Namespace) SocketsLeave(ctx context.Context, rooms ...string) error {
	return n.op().SocketsLeave(ctx, rooms...)
}

// DisconnectSockets disconnects every socket of the namespace.
func (n *Namespace) DisconnectSockets(ctx context.Context, close bool) error {
	return n.op().DisconnectSockets(ctx, close)
}

// eventPacket builds the EVENT packet for event and args.
func (n *Namespace) eventPacket(event string, args []any) (*parser.Packet, error) {
	if reservedEvents[event] {
		return nil, ErrReservedEvent
	}
	data := make([]any, 0, len(args)+1)
	data = append(data, event)
	data = append(data, args...)
	return &parser.Packet{Type: parser.Event, Namespace: n.name, Data: data}, nil
}
