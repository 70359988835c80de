package socketio

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/rpsio/rpsio/socketio/engineio"
	"github.com/rpsio/rpsio/socketio/parser"
)

// Handshake is what a client sent when it connected.
type Handshake struct {
	Headers http.Header
	Query   url.Values
	// Auth is the CONNECT payload (protocol 5) or the namespace query
	// (protocol 4); never nil.
	Auth    map[string]any
	Address string
	Time    time.Time
	Secure  bool
	URL     string
}

// Event is one event received from a client.
type Event struct {
	Socket *Socket
	Name   string
	// Args are JSON values (map[string]any, []any, string, float64, bool,
	// nil) with binary attachments as []byte.
	Args   []any
	ackID  uint64
	hasAck bool
	acked  bool
}

// HasAck tells whether the client waits for an acknowledgement.
func (e *Event) HasAck() bool { return e.hasAck }

// Ack answers the client's acknowledgement callback with args; only the
// first call sends. []byte values are sent as binary.
func (e *Event) Ack(args ...any) error {
	if !e.hasAck {
		return ErrNoAck
	}
	if e.acked {
		return ErrAlreadyAcked
	}
	e.acked = true
	e.Socket.nsp.stats.acksSent.Add(1)
	if args == nil {
		args = []any{}
	}
	return e.Socket.conn.send(&parser.Packet{Type: parser.Ack, Namespace: e.Socket.nsp.name, ID: e.ackID, HasID: true, Data: args})
}

// Bind decodes argument i into v (as encoding/json would from the JSON the
// client sent). It fails if there is no such argument.
func (e *Event) Bind(i int, v any) error {
	if i < 0 || i >= len(e.Args) {
		return fmt.Errorf("socketio: event %q has no argument %d", e.Name, i)
	}
	return bind(e.Args[i], v)
}

func bind(arg, v any) error {
	js, err := json.Marshal(arg)
	if err != nil {
		return err
	}
	return json.Unmarshal(js, v)
}

// EventHandler handles one event. It runs on the connection's reader
// goroutine, so events of one client are handled one at a time and in
// order; a handler that needs to wait (for example for an ack with
// EmitWithAck) must do so on another goroutine.
type EventHandler func(e *Event)

// Socket is one client's connection to one namespace. All methods are safe
// for concurrent use.
type Socket struct {
	id        string
	nsp       *Namespace
	conn      *conn
	handshake *Handshake
	pid       string        // private session id; recovery on, protocol 5 only
	recovered bool          // restored by connection state recovery
	rec       *sockRecovery // nil unless pid is set

	mu            sync.Mutex
	connected     bool
	handlers      map[string]EventHandler
	anyHandlers   []EventHandler
	disconnecting []func(reason string)
	disconnect    []func(reason string)
	acks          map[uint64]ackFunc
	data          map[string]any
}

func newSocket(nsp *Namespace, c *conn, auth map[string]any) *Socket {
	r := c.eio.Request()
	s := &Socket{
		id:   engineio.NewID(),
		nsp:  nsp,
		conn: c,
		handshake: &Handshake{
			Headers: r.Header,
			Query:   r.URL.Query(),
			Auth:    auth,
			Address: r.RemoteAddr,
			Time:    time.Now(),
			Secure:  r.TLS != nil,
			URL:     r.URL.RequestURI(),
		},
		connected: true,
		handlers:  map[string]EventHandler{},
		acks:      map[uint64]ackFunc{},
		data:      map[string]any{},
	}
	if nsp.rec != nil && c.protocol() == 5 {
		s.pid, s.rec = engineio.NewID(), &sockRecovery{saved: make(chan struct{})}
	}
	return s
}

// Recovered tells whether connection state recovery restored this socket
// (Options.Recovery): its id, rooms and data are those it had before the
// disconnection, and the events it missed have been sent again.
func (s *Socket) Recovered() bool { return s.recovered }

// ID is the socket id: random, URL-safe, 128 bits.
func (s *Socket) ID() string { return s.id }

// Namespace the socket belongs to.
func (s *Socket) Namespace() *Namespace { return s.nsp }

// Handshake the client connected with.
func (s *Socket) Handshake() *Handshake { return s.handshake }

// Transport is the Engine.IO transport in use ("polling" or "websocket").
func (s *Socket) Transport() string { return s.conn.eio.Transport() }

// Connected tells whether the socket is still connected.
func (s *Socket) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connected
}

// Set stores a value on the socket.
func (s *Socket) Set(key string, v any) {
	s.mu.Lock()
	s.data[key] = v
	s.mu.Unlock()
}

// Get returns a value stored with Set.
func (s *Socket) Get(key string) (any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.data[key]
	return v, ok
}

// Data returns a copy of the stored values.
func (s *Socket) Data() map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]any, len(s.data))
	for k, v := range s.data {
		out[k] = v
	}
	return out
}

// On registers the handler of an event, replacing any earlier one.
func (s *Socket) On(event string, h EventHandler) {
	s.mu.Lock()
	s.handlers[event] = h
	s.mu.Unlock()
}

// OnAny registers a handler called for every event, before its own handler.
func (s *Socket) OnAny(h EventHandler) {
	s.mu.Lock()
	s.anyHandlers = append(s.anyHandlers, h)
	s.mu.Unlock()
}

// OnDisconnecting registers a handler called when the socket is about to
// leave, while its rooms are still known.
func (s *Socket) OnDisconnecting(fn func(reason string)) {
	s.mu.Lock()
	s.disconnecting = append(s.disconnecting, fn)
	s.mu.Unlock()
}

// OnDisconnect registers a handler called once the socket has left.
func (s *Socket) OnDisconnect(fn func(reason string)) {
	s.mu.Lock()
	s.disconnect = append(s.disconnect, fn)
	s.mu.Unlock()
}

// Join adds the socket to rooms. A disconnected socket joins nothing, so
// that a late join (say, from another node's request) leaves no room entry
// behind it.
func (s *Socket) Join(rooms ...string) {
	if !s.Connected() {
		return
	}
	s.nsp.adapter.AddAll(s.id, rooms)
}

// Leave removes the socket from a room.
func (s *Socket) Leave(room string) { s.nsp.adapter.Del(s.id, room) }

// Rooms the socket is in (its own id among them).
func (s *Socket) Rooms() []string { return s.nsp.adapter.SocketRooms(s.id) }

// To broadcasts to rooms, leaving this socket out.
func (s *Socket) To(rooms ...string) BroadcastOperator {
	return s.nsp.op().To(rooms...).Except(s.id)
}

// Broadcast broadcasts to the whole namespace but this socket.
func (s *Socket) Broadcast() BroadcastOperator { return s.nsp.op().Except(s.id) }

// Emit sends an event to the client. []byte values (also nested in []any
// and map[string]any) are sent as binary attachments. It never blocks; a
// client whose queue is full is disconnected.
func (s *Socket) Emit(event string, args ...any) error {
	p, err := s.nsp.eventPacket(event, args)
	if err != nil {
		return err
	}
	if r := s.nsp.rec; r != nil {
		return r.emit(s, p)
	}
	if !s.Connected() {
		return ErrDisconnected
	}
	return s.conn.send(p)
}

// EmitWithAck sends an event and waits for the client's acknowledgement,
// until ctx is done (ErrAckTimeout wrapping ctx's error) or the socket
// disconnects (ErrDisconnected).
func (s *Socket) EmitWithAck(ctx context.Context, event string, args ...any) ([]any, error) {
	p, err := s.nsp.eventPacket(event, args)
	if err != nil {
		return nil, err
	}
	ch := make(chan []any, 1)
	id := s.nsp.nextAckID()
	if !s.addAck(id, func(args []any, ok bool) {
		if ok {
			ch <- args
		} else {
			close(ch)
		}
	}) {
		return nil, ErrDisconnected
	}
	p.ID, p.HasID = id, true
	if err := s.conn.send(p); err != nil {
		s.dropAck(id)
		return nil, err
	}
	select {
	case args, ok := <-ch:
		if !ok {
			return nil, ErrDisconnected
		}
		return args, nil
	case <-ctx.Done():
		s.dropAck(id)
		return nil, fmt.Errorf("%w: %w", ErrAckTimeout, ctx.Err())
	}
}

// ackFunc receives a client's acknowledgement (ok) or learns that the
// socket disconnected first (!ok). It is called at most once.
type ackFunc func(args []any, ok bool)

// addAck registers fn for ack id; false if the socket is disconnected.
func (s *Socket) addAck(id uint64, fn ackFunc) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.connected {
		return false
	}
	s.acks[id] = fn
	return true
}

func (s *Socket) dropAck(id uint64) {
	s.mu.Lock()
	delete(s.acks, id)
	s.mu.Unlock()
}

// Disconnect removes the socket from its namespace, telling the client
// (reason "server namespace disconnect"); with close, every socket of the
// client's connection is disconnected that way, then the connection is
// closed.
func (s *Socket) Disconnect(close bool) {
	if !s.Connected() {
		return
	}
	if close {
		// As the reference server does: a DISCONNECT for each namespace, so
		// that the client knows it was the server's doing and does not
		// reconnect, then the close.
		for _, o := range s.conn.allSockets() {
			o.Disconnect(false)
		}
		s.conn.eio.Close(ReasonForcedServerClose)
		return
	}
	_ = s.conn.send(&parser.Packet{Type: parser.Disconnect, Namespace: s.nsp.name})
	s.onClose(ReasonServerNamespaceDisconnect)
}

// onClose runs the disconnect sequence once.
func (s *Socket) onClose(reason string) {
	s.mu.Lock()
	if !s.connected {
		s.mu.Unlock()
		return
	}
	s.connected = false
	disconnecting := s.disconnecting
	disconnect := s.disconnect
	acks := s.acks
	s.acks = map[uint64]ackFunc{}
	s.mu.Unlock()
	for _, h := range disconnecting {
		s.call(func() { h(reason) })
	}
	if s.rec != nil {
		s.nsp.rec.leave(s, reason) // leaves the rooms and saves the session
	} else {
		s.nsp.adapter.DelAll(s.id)
	}
	s.nsp.remove(s)
	s.conn.removeSocket(s)
	for _, fn := range acks {
		fn(nil, false)
	}
	for _, h := range disconnect {
		s.call(func() { h(reason) })
	}
}

// call runs application code; a panic is logged and disconnects this
// socket only. It reports whether fn returned normally.
func (s *Socket) call(fn func()) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			s.nsp.srv.log.Error("socketio: handler panicked; disconnecting the socket",
				"nsp", s.nsp.name, "socket", s.id, "panic", r, "stack", string(debug.Stack()))
			ok = false
			go s.Disconnect(false)
		}
	}()
	fn()
	return true
}

func (s *Socket) onEvent(p *parser.Packet) {
	args := p.Data.([]any) // the parser guarantees a non-empty array
	var name string
	switch v := args[0].(type) {
	case string:
		name = v
	case float64:
		name = strconv.FormatFloat(v, 'f', -1, 64)
	}
	e := &Event{Socket: s, Name: name, Args: args[1:], ackID: p.ID, hasAck: p.HasID}
	s.nsp.stats.events.Add(1)
	s.mu.Lock()
	h := s.handlers[name]
	anys := s.anyHandlers
	s.mu.Unlock()
	for _, a := range anys {
		if !s.call(func() { a(e) }) {
			return
		}
	}
	if h != nil {
		s.call(func() { h(e) })
	}
}

func (s *Socket) onAck(p *parser.Packet) {
	if !p.HasID {
		return
	}
	s.mu.Lock()
	fn := s.acks[p.ID]
	delete(s.acks, p.ID)
	s.mu.Unlock()
	if fn != nil {
		s.nsp.stats.acksReceived.Add(1)
		args, _ := p.Data.([]any)
		fn(args, true)
	}
}
