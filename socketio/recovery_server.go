package socketio

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rpsio/rpsio/socketio/engineio"
	"github.com/rpsio/rpsio/socketio/parser"
)

// Lock order of recovery: nspRecovery.mu, then nspRecovery.pubMu, then
// sockRecovery.mu; adapter and namespace locks are taken under any of
// them, never the other way round.

// serverRecovery is the Server's recovery setup, shared by its namespaces.
type serverRecovery struct {
	opts RecoveryOptions
	node string
	// inFlight: a packet queued this long ago to a socket that is still
	// connected has reached its client (a ping queued after it was
	// answered); the socket only remembers younger ones.
	inFlight time.Duration

	stats recoveryCounters
	// handlers: goroutines answering other nodes' close requests
	// (onCloseRequest); Shutdown waits for them. asking and answering
	// count the requests in flight, each bounded by maxCloseRequests.
	handlers          sync.WaitGroup
	asking, answering atomic.Int64
}

// maxCloseRequests bounds the close requests a node has in flight, asked
// and answered: clients sending made-up pids cost the cluster no more.
// Beyond it a restore gives up on the other nodes (a new session) and an
// answer waits for nothing (false at once).
const maxCloseRequests = 128

type recoveryCounters struct {
	saved, recovered, expired, tooMany, failed atomic.Uint64
}

// RecoveryStats are the connection state recovery figures of a Server.
type RecoveryStats struct {
	// Saved sessions (sockets that left for a recoverable reason).
	Saved uint64
	// Recovered sessions.
	Recovered uint64
	// Unknown: clients that came back with a session that was not kept
	// (never saved, expired, dropped, or taken already) or an offset it did
	// not know; they got a new session.
	Unknown uint64
	// TooMany: clients that missed more than RecoveryOptions.MaxPackets,
	// or packets the store had to drop; they got a new session.
	TooMany uint64
	// Failed: restores the store failed (error or RestoreTimeout); the
	// client got a new session.
	Failed uint64
}

// RecoveryStats returns the recovery figures; all zero when recovery is off.
func (s *Server) RecoveryStats() RecoveryStats {
	if s.rec == nil {
		return RecoveryStats{}
	}
	c := &s.rec.stats
	return RecoveryStats{Saved: c.saved.Load(), Recovered: c.recovered.Load(), Unknown: c.expired.Load(), TooMany: c.tooMany.Load(), Failed: c.failed.Load()}
}

func newServerRecovery(o Options) *serverRecovery {
	if o.Recovery == nil {
		return nil
	}
	ro := o.Recovery.withDefaults()
	interval, timeout := o.PingInterval, o.PingTimeout
	if interval <= 0 {
		interval = 25 * time.Second
	}
	if timeout <= 0 {
		timeout = 20 * time.Second
	}
	// After a packet is queued, the next ping goes out within an interval
	// and its pong is due a timeout later; a margin for the write and the
	// scheduling.
	return &serverRecovery{opts: ro, node: newNodeID(), inFlight: interval + 2*timeout + 5*time.Second}
}

// retention is how long packets are kept: a session can ask for them
// until MaxDisconnectionDuration after it left, and a packet may have been
// emitted slightly before (in transit between nodes).
func (r *serverRecovery) retention() time.Duration {
	return r.opts.MaxDisconnectionDuration + 10*time.Second
}

// nspRecovery is one namespace's recovery state on this node.
type nspRecovery struct {
	srv *serverRecovery
	nsp *Namespace

	// mu is held for reading by every delivery of a kept packet (from
	// its numbering, or its arrival from another node, until it is queued
	// to the local sockets), and for writing while a leaving socket's
	// state is read, so that this reads a state where every delivery is
	// either done or will not see the socket.
	mu sync.RWMutex
	// pubMu orders this node's packets: numbering, keeping and publishing
	// to the other nodes happen in Seq order.
	pubMu   sync.Mutex
	seq     atomic.Uint64 // last Seq numbered here
	lastMs  int64         // under pubMu
	pending *KeptPacket   // under pubMu: the packet being broadcast

	seenMu sync.Mutex
	seen   map[string]Offset // other nodes: highest Seq delivered here

	liveMu sync.Mutex
	live   map[string]*Socket // connected sockets by pid
}

func newNspRecovery(srv *serverRecovery, n *Namespace) *nspRecovery {
	if srv == nil {
		return nil
	}
	return &nspRecovery{srv: srv, nsp: n, seen: map[string]Offset{}, live: map[string]*Socket{}}
}

// nextLocked numbers a packet of this node; pubMu is held.
func (r *nspRecovery) nextLocked() Offset {
	ms := time.Now().UnixMilli()
	if ms < r.lastMs {
		ms = r.lastMs // the clock went back: Time never decreases
	}
	r.lastMs = ms
	return Offset{Node: r.srv.node, Time: ms, Seq: r.seq.Add(1)}
}

// withOffset appends ,"<offset>" to an encoded EVENT's JSON array: the
// same bytes as encoding the data with the offset as its last element.
func withOffset(text []byte, off string) []byte {
	out := make([]byte, 0, len(text)+len(off)+3)
	out = append(out, text[:len(text)-1]...)
	out = append(out, ',', '"')
	out = append(out, off...)
	return append(out, '"', ']')
}

// encodeEvent encodes an EVENT packet without its offset; the text ends
// with the JSON array's ']'.
func encodeEvent(p *parser.Packet) ([]byte, [][]byte, error) {
	text, atts, err := parser.Encode(p)
	if err != nil {
		return nil, nil, err
	}
	if len(text) == 0 || text[len(text)-1] != ']' {
		return nil, nil, fmt.Errorf("socketio: encoded event %.32q does not end its array", text)
	}
	return text, atts, nil
}

// emit is Socket.Emit with recovery on: the packet is numbered, kept for
// the socket's id room and queued.
func (r *nspRecovery) emit(s *Socket, p *parser.Packet) error {
	text, atts, err := encodeEvent(p)
	if err != nil {
		return err
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if !s.Connected() {
		return ErrDisconnected
	}
	r.pubMu.Lock()
	off := r.nextLocked()
	kp := &KeptPacket{Offset: off, Rooms: []string{s.id}, Text: withOffset(text, off.String()), Attachments: atts}
	r.srv.opts.Store.Keep(r.nsp.name, kp, r.srv.retention())
	r.pubMu.Unlock()
	return s.deliver(kp, enginePackets(kp.Text, kp.Attachments), false)
}

// broadcast is a broadcast's Emit with recovery on, volatile excepted: the
// packet is numbered and kept, then handed to the adapter with its offset
// in opts.Offset (and the encoding in r.pending, which the local delivery
// takes instead of encoding again).
func (r *nspRecovery) broadcast(p *parser.Packet, opts BroadcastOptions) error {
	text, atts, err := encodeEvent(p)
	if err != nil {
		return err
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	r.pubMu.Lock()
	defer r.pubMu.Unlock()
	off := r.nextLocked()
	kp := &KeptPacket{Offset: off, Rooms: uniqueRooms(opts.Rooms), Except: uniqueRooms(opts.Except), Text: withOffset(text, off.String()), Attachments: atts}
	r.srv.opts.Store.Keep(r.nsp.name, kp, r.srv.retention())
	opts.Offset = off.String()
	r.pending = kp
	defer func() { r.pending = nil }()
	return r.nsp.adapter.Broadcast(p, opts)
}

func uniqueRooms(rooms []string) []string {
	if len(rooms) == 0 {
		return nil
	}
	out := make([]string, 0, len(rooms))
	for _, r := range rooms {
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// deliverLocal is InMemoryAdapter.Broadcast with recovery on: every
// broadcast to this node's sockets, kept (opts.Offset set, by this node or
// another) or not (volatile, or from a peer that keeps nothing).
func (r *nspRecovery) deliverLocal(a *InMemoryAdapter, p *parser.Packet, opts BroadcastOptions) error {
	var kp *KeptPacket
	if opts.Offset != "" {
		off, err := ParseOffset(opts.Offset)
		if err != nil {
			// From another node, or a peer that is no rpsio: delivered,
			// not kept.
			r.nsp.srv.log.Debug("socketio: dropping a malformed recovery offset", "nsp", r.nsp.name, "err", err)
			opts.Offset = ""
		} else if off.Node == r.srv.node {
			// Ours: broadcast holds mu and pubMu, and has the encoding.
			kp = r.pending
			if kp == nil || kp.Offset != off {
				return errors.New("socketio: a broadcast with this node's offset that it is not sending")
			}
		} else {
			text, atts, err := encodeEvent(p)
			if err != nil {
				return err
			}
			return r.deliverRemote(a, off, text, atts, opts)
		}
	}
	var packets []engineio.Packet
	if kp != nil {
		packets = enginePackets(kp.Text, kp.Attachments)
	} else {
		text, atts, err := parser.Encode(p)
		if err != nil {
			return err
		}
		packets = enginePackets(text, atts)
	}
	for _, s := range a.LocalSockets(opts) {
		_ = s.deliver(kp, packets, opts.Flags.Volatile)
	}
	return nil
}

// deliverEncoded is BroadcastEncoded of a packet that another node kept
// (opts.Offset), encoded already; one with a malformed offset, or this
// node's (which never comes back to it), is delivered without keeping.
func (r *nspRecovery) deliverEncoded(a *InMemoryAdapter, p EncodedPacket, opts BroadcastOptions) error {
	off, err := ParseOffset(opts.Offset)
	if err != nil || off.Node == r.srv.node || len(p.Text) == 0 || p.Text[len(p.Text)-1] != ']' {
		r.nsp.srv.log.Debug("socketio: dropping a malformed recovery offset", "nsp", r.nsp.name, "err", err)
		if socks := a.LocalSockets(opts); len(socks) > 0 {
			a.sendEncoded(socks, []EncodedPacket{p}, opts.Flags.Volatile)
		}
		return nil
	}
	return r.deliverRemote(a, off, p.Text, p.Attachments, opts)
}

// deliverRemote delivers a packet another node kept with offset off, text
// being its encoding without the offset, and records that this node
// delivered it (the session's cut).
func (r *nspRecovery) deliverRemote(a *InMemoryAdapter, off Offset, text []byte, atts [][]byte, opts BroadcastOptions) error {
	kp := &KeptPacket{Offset: off, Rooms: uniqueRooms(opts.Rooms), Except: uniqueRooms(opts.Except), Text: withOffset(text, opts.Offset), Attachments: atts}
	r.mu.RLock()
	defer func() {
		r.seenMu.Lock()
		if off.Seq > r.seen[off.Node].Seq {
			r.seen[off.Node] = off
		}
		r.seenMu.Unlock()
		r.mu.RUnlock()
	}()
	packets := enginePackets(kp.Text, kp.Attachments)
	for _, s := range a.LocalSockets(opts) {
		_ = s.deliver(kp, packets, opts.Flags.Volatile)
	}
	return nil
}

// sockRecovery is a socket's recovery state: the packets queued to it
// lately, and, while it is being restored, the replay and what arrived
// meanwhile.
type sockRecovery struct {
	mu     sync.Mutex
	state  sockRecState
	sent   queue[sentPacket]
	before Offset
	// While restoring: the missed packets and what arrived since (held).
	replay []*KeptPacket
	held   []buffered
	// floor, for a restored socket: per node, the highest Seq its client
	// has or gets from the replay. A kept packet at or below it that
	// arrives later (one numbered before the replay was read and
	// delivered late, or one another node sent before the disconnection
	// that reaches this node late) is dropped. Every node keeps its
	// packets in Seq order, so nothing above it was in the replay.
	floor map[string]uint64
	// saved is closed once the socket has left and its session, if any,
	// is saved.
	saved chan struct{}
}

type sockRecState int

const (
	recLive sockRecState = iota
	recRestoring
	recClosed
)

type sentPacket struct {
	p  *KeptPacket
	at time.Time
}

type buffered struct {
	p       *KeptPacket // nil: not kept
	packets []engineio.Packet
}

// deliver queues packets to the socket, remembering kp (nil: a packet not
// kept). While the socket is restored it holds them back (volatile ones are
// dropped), after it has left it drops them.
func (s *Socket) deliver(kp *KeptPacket, packets []engineio.Packet, volatile bool) error {
	r := s.rec
	if r == nil {
		// Protocol 4: no recovery.
		if volatile {
			s.conn.eio.SendVolatile(packets...)
			return nil
		}
		return s.conn.eio.Send(packets...)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if kp != nil && r.floor != nil && kp.Offset.Seq <= r.floor[kp.Offset.Node] {
		return nil
	}
	switch r.state {
	case recRestoring:
		if !volatile {
			r.held = append(r.held, buffered{kp, packets})
		}
		return nil
	case recClosed:
		return ErrDisconnected
	}
	if volatile {
		s.conn.eio.SendVolatile(packets...)
		return nil
	}
	if kp == nil {
		return s.conn.eio.Send(packets...)
	}
	// Remembered, it reaches the client: now, or on its recovery if the
	// transport is gone (a failed Send closes the session).
	r.rememberLocked(kp, s.nsp.rec.srv)
	_ = s.conn.eio.Send(packets...)
	return nil
}

func (r *sockRecovery) rememberLocked(kp *KeptPacket, srv *serverRecovery) {
	now := time.Now()
	r.sent.push(sentPacket{kp, now})
	for r.sent.len() > srv.opts.MaxPackets || (r.sent.len() > 0 && now.Sub(r.sent.peek().at) > srv.inFlight) {
		r.before = r.sent.pop().p.Offset
	}
}

// leave takes a leaving socket out of its rooms and, for a reason its
// client recovers from, saves its session.
func (r *nspRecovery) leave(s *Socket, reason string) {
	sr := s.rec
	// Unregistered once the session is saved: a restore that finds
	// neither would miss it.
	defer func() {
		r.liveMu.Lock()
		if r.live[s.pid] == s {
			delete(r.live, s.pid)
		}
		r.liveMu.Unlock()
		close(sr.saved)
	}()
	if !recoverableReasons[reason] {
		r.nsp.adapter.DelAll(s.id)
		sr.mu.Lock()
		sr.state, sr.sent, sr.replay, sr.held = recClosed, queue[sentPacket]{}, nil, nil
		sr.mu.Unlock()
		return
	}
	// Under the write lock, every delivery either was numbered (or, from
	// another node, handled) before and found the socket in its rooms, or
	// is numbered after the cut read here and does not find it.
	r.mu.Lock()
	rooms := r.nsp.adapter.SocketRooms(s.id)
	r.nsp.adapter.DelAll(s.id)
	sr.mu.Lock()
	sent := make([]*KeptPacket, 0, sr.sent.len())
	for i := 0; i < sr.sent.len(); i++ {
		p := sr.sent.at(i).p
		sent = append(sent, &KeptPacket{Offset: p.Offset, Text: p.Text, Attachments: p.Attachments})
	}
	before := sr.before
	sr.state, sr.sent, sr.replay, sr.held = recClosed, queue[sentPacket]{}, nil, nil
	sr.mu.Unlock()
	r.seenMu.Lock()
	seen := make(map[string]Offset, len(r.seen)+1)
	for k, v := range r.seen {
		seen[k] = v
	}
	r.seenMu.Unlock()
	// Nothing is numbered while the write lock is held.
	if seq := r.seq.Load(); seq > 0 {
		seen[r.srv.node] = Offset{Node: r.srv.node, Time: r.lastMs, Seq: seq}
	}
	r.mu.Unlock()

	sess := &RecoverySession{
		PID:            s.pid,
		SID:            s.id,
		Rooms:          rooms,
		Data:           s.Data(),
		ConnectedAt:    s.handshake.Time,
		DisconnectedAt: time.Now(),
		Sent:           sent,
		SentBefore:     before,
		Seen:           seen,
	}
	r.srv.opts.Store.SaveSession(r.nsp.name, sess, r.srv.opts.MaxDisconnectionDuration)
	r.srv.stats.saved.Add(1)
}

// errNotRecovered is why a restore fell back to a new session (logged at
// debug level).
var errNotRecovered = errors.New("socketio: not recovered")

// restore tries to recover the session pid on connection c for namespace
// name; false means the caller connects a new socket. It runs on the
// connection's reader goroutine and waits for the store.
func (r *nspRecovery) restore(c *conn, name string, auth map[string]any, pid, offset string) bool {
	s, err := r.restoreSocket(c, auth, pid, offset)
	if err != nil {
		if c.srv.log.Enabled(context.Background(), slog.LevelDebug) {
			c.srv.log.Debug("socketio: new session instead of a recovery", "nsp", name, "err", err)
		}
		return false
	}
	n := r.nsp
	if r.srv.opts.RunMiddlewares {
		if err := n.runMiddleware(s); err != nil {
			r.abandon(s)
			ce, ok := err.(*ConnectError)
			if !ok {
				ce = &ConnectError{Message: err.Error()}
			}
			c.connectError(name, ce)
			return true
		}
	}
	c.mu.Lock()
	if c.closed || c.sockets[name] != nil {
		c.mu.Unlock()
		r.abandon(s)
		return true
	}
	c.sockets[name] = s
	if c.connectTimer != nil {
		c.connectTimer.Stop()
	}
	c.mu.Unlock()
	// The missed packets first, then CONNECT, as the reference: the client
	// holds events until it is connected, then emits them in order.
	s.goLive(func() {
		_ = c.send(&parser.Packet{Type: parser.Connect, Namespace: name, Data: connectData(s)})
	})
	r.srv.stats.recovered.Add(1)
	r.track(s)
	n.connected(s)
	return true
}

// restoreSocket takes the session, puts a socket with its id in its rooms
// (holding back what arrives) and queues the missed packets into its hold.
func (r *nspRecovery) restoreSocket(c *conn, auth map[string]any, pid, offset string) (*Socket, error) {
	o := &r.srv.opts
	ctx, cancel := context.WithTimeout(c.srv.life, o.RestoreTimeout)
	defer cancel()
	last, err := ParseOffset(offset)
	if err != nil {
		r.srv.stats.expired.Add(1)
		return nil, fmt.Errorf("%w: %w", errNotRecovered, err)
	}
	sess, err := o.Store.TakeSession(ctx, r.nsp.name, pid)
	if err == nil && sess == nil {
		// Saved by this node a moment ago, and still queued?
		if err = o.Store.Sync(ctx); err == nil {
			sess, err = o.Store.TakeSession(ctx, r.nsp.name, pid)
		}
	}
	if err == nil && sess == nil {
		// The client may have found its connection dead before this
		// node did (no ping timeout yet): that connection is closed,
		// which saves the session.
		r.liveMu.Lock()
		old := r.live[pid]
		r.liveMu.Unlock()
		if old != nil && old.conn != c {
			old.conn.eio.Close(engineio.ReasonTransportClose)
			select {
			case <-old.rec.saved:
				sess, err = o.Store.TakeSession(ctx, r.nsp.name, pid)
			case <-ctx.Done():
			}
		} else if old == nil && r.askOthersToClose(ctx, pid) {
			// Or its connection is still open on another node (a phone
			// that changed networks: that node waits for a ping timeout),
			// which closed it and saved the session now; or that node was
			// saving it as the client came back.
			sess, err = o.Store.TakeSession(ctx, r.nsp.name, pid)
		}
	}
	if err != nil {
		r.srv.stats.failed.Add(1)
		return nil, fmt.Errorf("%w: taking the session: %w", errNotRecovered, err)
	}
	if sess == nil || time.Since(sess.DisconnectedAt) > o.MaxDisconnectionDuration || sess.SID == "" {
		r.srv.stats.expired.Add(1)
		return nil, fmt.Errorf("%w: no session %q", errNotRecovered, pid)
	}
	// Where the client stands among the packets sent last.
	k := -2
	if !sess.SentBefore.IsZero() && sess.SentBefore == last {
		k = -1
	}
	for i, p := range sess.Sent {
		if p.Offset == last {
			k = i
			break
		}
	}
	if k == -2 {
		r.srv.stats.expired.Add(1)
		return nil, fmt.Errorf("%w: offset %s is not among the session's last packets", errNotRecovered, offset)
	}
	replay := append([]*KeptPacket(nil), sess.Sent[k+1:]...)
	got := map[Offset]bool{}
	floor := make(map[string]uint64, len(sess.Seen))
	for node, o := range sess.Seen {
		floor[node] = o.Seq
	}
	for _, p := range sess.Sent {
		got[p.Offset] = true
	}

	n := r.nsp
	s := newSocket(n, c, auth)
	s.id, s.pid, s.recovered = sess.SID, sess.PID, true
	if sess.Data != nil {
		s.data = sess.Data
	}
	s.rec.state = recRestoring
	// The socket this session was saved from may still be finishing its
	// disconnection here: it has left its rooms, and Namespace.remove
	// leaves this one in place.
	// In the rooms before reading the store: a packet kept after the read
	// reaches the socket live (held back until the replay is queued). This
	// node's own packets from before are delivered nowhere: they must be
	// readable (Sync); those of other nodes are kept before they are
	// published, so one not read reaches this node after the join.
	n.add(s)
	n.adapter.AddAll(s.id, sess.Rooms)
	err = o.Store.Sync(ctx)
	if err != nil {
		r.abandon(s)
		r.srv.stats.failed.Add(1)
		return nil, fmt.Errorf("%w: syncing the store: %w", errNotRecovered, err)
	}
	missed, err := o.Store.Missed(ctx, n.name, MissedQuery{
		Rooms:     sess.Rooms,
		After:     sess.Seen,
		NotBefore: sess.ConnectedAt.UnixMilli(),
		Limit:     o.MaxPackets,
	})
	if err != nil {
		r.abandon(s)
		if errors.Is(err, ErrPacketsGone) {
			r.srv.stats.tooMany.Add(1)
		} else {
			r.srv.stats.failed.Add(1)
		}
		return nil, fmt.Errorf("%w: reading the missed packets: %w", errNotRecovered, err)
	}
	var more []*KeptPacket
	for _, p := range missed {
		if !got[p.Offset] {
			got[p.Offset] = true
			more = append(more, p)
			floor[p.Offset.Node] = max(floor[p.Offset.Node], p.Offset.Seq)
		}
	}
	// Each node's packets in Seq order; between nodes, by their clocks.
	sort.SliceStable(more, func(i, j int) bool {
		a, b := more[i].Offset, more[j].Offset
		if a.Node == b.Node {
			return a.Seq < b.Seq
		}
		if a.Time != b.Time {
			return a.Time < b.Time
		}
		return a.Node < b.Node
	})
	replay = append(replay, more...)
	if len(replay) > o.MaxPackets {
		r.abandon(s)
		r.srv.stats.tooMany.Add(1)
		return nil, fmt.Errorf("%w: %d missed packets, more than %d", errNotRecovered, len(replay), o.MaxPackets)
	}
	s.rec.mu.Lock()
	s.rec.replay, s.rec.floor = replay, floor
	held := s.rec.held
	s.rec.held = s.rec.held[:0]
	for _, b := range held {
		if b.p == nil || b.p.Offset.Seq > floor[b.p.Offset.Node] {
			s.rec.held = append(s.rec.held, b)
		}
	}
	s.rec.mu.Unlock()
	return s, nil
}

// goLive sends the replay, then connect() (the CONNECT of a recovery goes
// between the replay and the rest, as the reference sends it), then what
// arrived meanwhile that the replay did not have, and makes the socket
// live.
func (s *Socket) goLive(connect func()) {
	r := s.rec
	srv := s.nsp.rec.srv
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.replay {
		r.rememberLocked(p, srv)
		_ = s.conn.eio.Send(enginePackets(p.Text, p.Attachments)...)
	}
	connect()
	for _, b := range r.held {
		if b.p != nil {
			r.rememberLocked(b.p, srv)
		}
		_ = s.conn.eio.Send(b.packets...)
	}
	r.replay, r.held = nil, nil
	r.state = recLive
}

// recoveryCloseEvent is the server-side event by which a node asks the
// others about a session it was asked to recover and does not find saved:
// [pid]. A node that has a socket of that pid connected closes its
// connection (the client is elsewhere now), which saves the session; every
// node answers (true: it closed one) once what it saved before is readable
// by every node, so that a session saved a moment before the request is
// found too. Node peers have no handler for it and do not answer.
const recoveryCloseEvent = "rpsio:recovery:close"

// closeRequestWait bounds how long a restore waits for the other nodes'
// answers (a cluster with Node peers, which never answer, waits it out on
// every pid that no node knows).
const closeRequestWait = 2 * time.Second

// askOthersToClose sends recoveryCloseEvent for pid; true if a node
// answered (what it saved is readable now: worth reading the store again).
func (r *nspRecovery) askOthersToClose(ctx context.Context, pid string) bool {
	if n := r.srv.asking.Add(1); n > maxCloseRequests {
		r.srv.asking.Add(-1)
		return false
	}
	defer r.srv.asking.Add(-1)
	ctx, cancel := context.WithTimeout(ctx, closeRequestWait)
	defer cancel()
	answers, _ := r.nsp.adapter.ServerSideEmitWithAck(ctx, recoveryCloseEvent, []any{pid})
	return len(answers) > 0
}

// onCloseRequest answers another node's recoveryCloseEvent. It runs on the
// adapter's receiving goroutine: the waits go to a goroutine of their own.
func (r *nspRecovery) onCloseRequest(args []any, ack func(any)) {
	pid := ""
	if len(args) > 0 {
		pid, _ = args[0].(string)
	}
	if pid == "" {
		ack(false)
		return
	}
	r.liveMu.Lock()
	old := r.live[pid]
	r.liveMu.Unlock()
	if n := r.srv.answering.Add(1); n > maxCloseRequests && old == nil {
		r.srv.answering.Add(-1)
		ack(false)
		return
	}
	srv := r.nsp.srv
	r.srv.handlers.Add(1)
	go func() {
		defer r.srv.handlers.Done()
		defer r.srv.answering.Add(-1)
		ctx, cancel := context.WithTimeout(srv.life, r.srv.opts.RestoreTimeout)
		defer cancel()
		if old != nil {
			old.conn.eio.Close(engineio.ReasonTransportClose)
			select {
			case <-old.rec.saved:
			case <-ctx.Done():
				return // no answer: the asking node gives up at its deadline
			}
		}
		if r.srv.opts.Store.Sync(ctx) == nil {
			ack(old != nil)
		}
	}()
}

// track registers a connected socket by its pid.
func (r *nspRecovery) track(s *Socket) {
	if s.rec == nil {
		return
	}
	r.liveMu.Lock()
	// A socket that left already (its persist ran, or will find it gone)
	// is not registered.
	if s.Connected() {
		r.live[s.pid] = s
	}
	r.liveMu.Unlock()
}

// abandon undoes a restore that will not complete.
func (r *nspRecovery) abandon(s *Socket) {
	s.mu.Lock()
	s.connected = false
	s.mu.Unlock()
	s.nsp.adapter.DelAll(s.id)
	s.nsp.remove(s)
	s.rec.mu.Lock()
	s.rec.state, s.rec.replay, s.rec.held = recClosed, nil, nil
	s.rec.mu.Unlock()
}

// connectData is the CONNECT answer: {sid, pid} (pid with recovery on).
func connectData(s *Socket) any {
	if s.pid == "" {
		return map[string]any{"sid": s.id}
	}
	return connectAnswer{SID: s.id, PID: s.pid}
}

// connectAnswer keeps the reference's key order: {"sid","pid"}.
type connectAnswer struct {
	SID string `json:"sid"`
	PID string `json:"pid"`
}
