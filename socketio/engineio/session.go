package engineio

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Session is one Engine.IO connection, whatever its transport. Send and
// Close may be called from any goroutine.
type Session struct {
	srv            *Server
	id             string
	protocol       int
	req            *http.Request
	supportsBinary bool
	handler        SessionHandler

	mu           sync.Mutex
	queue        []Packet // outbound while polling (or upgrading), drained by a GET or the WebSocket
	transport    string
	wsOut                      // the active WebSocket's outbound frames (wsout.go)
	upgrading    bool          // a WebSocket is being probed
	probeDone    chan struct{} // closed when that probe ends
	probing      net.Conn      // that WebSocket's connection, closed by Close
	probed       bool          // 3probe sent: waiting polls are released at once
	pollPending  bool          // a GET is waiting for packets
	postPending  bool
	closed       bool
	closeReason  string
	finalSent    bool      // a poll has carried the session's end (1 or 6)
	awaitingPong bool      // a ping is out (protocol 4)
	deadline     time.Time // the client must be heard from by then (heartbeat)
	hbGen        uint64    // invalidates stale heartbeat wheel entries
	hbKind       uint8     // what the next heartbeat does: hbPing or hbExpire
	hbAt         time.Time // when it is due (the wheel may run it a tick later)
	hbScheduled  bool      // counted as live by the server's wheel
	hbRef        *hbRef    // what the wheel's entries point to; cleared on close

	wake chan struct{} // cap 1: the queue or the state changed
	done chan struct{} // closed when the session closes

	inMu sync.Mutex // serialises delivery to handler
}

// ID is the session id (sid).
func (s *Session) ID() string { return s.id }

// Protocol is the Engine.IO protocol version, 3 or 4.
func (s *Session) Protocol() int { return s.protocol }

// Request is the handshake request (headers, query, remote address); its
// body is not available.
func (s *Session) Request() *http.Request { return s.req }

// Transport is the current transport name.
func (s *Session) Transport() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.transport
}

// Done is closed when the session has closed.
func (s *Session) Done() <-chan struct{} { return s.done }

func (s *Session) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Send queues packets to go out together and in order. It never blocks: a
// session whose queue is full is closed and ErrQueueFull returned.
func (s *Session) Send(packets ...Packet) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrSessionClosed
	}
	if s.wsActive {
		if s.outPackets+len(packets) > s.srv.opts.MaxQueuedPackets {
			s.mu.Unlock()
			s.Close(ReasonSlowClient)
			return ErrQueueFull
		}
		for _, p := range packets {
			s.appendFrameLocked(p)
		}
		s.flushLocked() // unlocks
		return nil
	}
	if len(s.queue)+len(packets) > s.srv.opts.MaxQueuedPackets {
		s.mu.Unlock()
		s.Close(ReasonSlowClient)
		return ErrQueueFull
	}
	s.queue = append(s.queue, packets...)
	s.mu.Unlock()
	s.signal()
	return nil
}

// SendPrepared sends packets prepared once for many sessions (a
// broadcast): a WebSocket session gets the frames built once by p. With
// volatile, as SendVolatile; otherwise as Send.
func (s *Session) SendPrepared(p *Prepared, volatile bool) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrSessionClosed
	}
	if !s.wsActive {
		s.mu.Unlock()
		if volatile {
			s.SendVolatile(p.packets...)
			return nil
		}
		return s.Send(p.packets...)
	}
	if volatile && (len(s.out) > 0 || s.writing) {
		s.mu.Unlock()
		return nil
	}
	if s.outPackets+len(p.packets) > s.srv.opts.MaxQueuedPackets {
		s.mu.Unlock()
		s.Close(ReasonSlowClient)
		return ErrQueueFull
	}
	s.out = append(s.out, p.frames(s.protocol)...)
	s.outPackets += len(p.packets)
	s.flushLocked() // unlocks
	return nil
}

// SendVolatile sends packets only if the transport can take them now (the
// queue is empty and, for polling, a GET is waiting); otherwise they are
// dropped and false returned.
func (s *Session) SendVolatile(packets ...Packet) bool {
	s.mu.Lock()
	if s.wsActive {
		if s.closed || len(s.out) > 0 || s.writing {
			s.mu.Unlock()
			return false
		}
		for _, p := range packets {
			s.appendFrameLocked(p)
		}
		s.flushLocked() // unlocks
		return true
	}
	if s.closed || len(s.queue) > 0 || (s.transport == TransportPolling && !s.pollPending) {
		s.mu.Unlock()
		return false
	}
	s.queue = append(s.queue, packets...)
	s.mu.Unlock()
	s.signal()
	return true
}

// Close closes the session: what is queued is still flushed to a waiting
// poll or the WebSocket, then the transport is closed. The handler's OnClose
// is called once with reason.
func (s *Session) Close(reason string) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.closeReason = reason
	s.hbGen++
	if s.hbScheduled {
		s.hbScheduled = false
		s.srv.wheel.remove()
	}
	if s.hbRef != nil {
		s.hbRef.s.Store(nil)
	}
	// Counted while s.mu is held: a Shutdown closing this session at the
	// same time finds it closed only after this, so before its Wait.
	s.srv.wg.Add(1)
	if s.probing != nil {
		_ = s.probing.Close() // ends the probe's read
	}
	// A polling client with no GET waiting learns of the end from its next
	// GET, so the session stays known until then (at most PingTimeout).
	// A client that timed out or broke the protocol gets nothing more.
	linger := s.transport == TransportPolling && !s.pollPending && lingers(reason)
	s.srv.stats.closedWith(reason)
	if s.wsActive {
		// What is queued goes out, then a close frame, then the
		// connection is closed (by whoever finishes the flush).
		if s.closeCode != 0 {
			s.out = append(s.out, closeFrameWith(s.closeCode)...)
		} else {
			s.out = append(s.out, closeFrame...)
		}
		s.flushLocked() // unlocks
	} else {
		s.mu.Unlock()
	}
	if linger {
		time.AfterFunc(s.srv.opts.PingTimeout, func() { s.srv.remove(s) })
	} else {
		s.srv.remove(s)
	}
	close(s.done)
	s.signal()
	if s.srv.log.Enabled(context.Background(), slog.LevelDebug) {
		s.srv.log.Debug("engineio: session closed", "sid", s.id, "reason", reason)
	}
	// OnClose runs after any message being delivered has been handled; on
	// its own goroutine because Close may be called from inside OnMessage.
	go func() {
		defer s.srv.wg.Done()
		s.inMu.Lock()
		defer s.inMu.Unlock()
		s.handler.OnClose(reason)
	}()
}

// start arms the heartbeat once the session is registered.
func (s *Session) start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	if s.protocol == 3 {
		s.armTimeoutLocked(s.srv.opts.PingInterval + s.srv.opts.PingTimeout)
	} else {
		s.schedulePingLocked()
	}
}

// Heartbeat kinds: what the session's next wheel entry does.
const (
	hbPing   = 1 // send a ping (protocol 4)
	hbExpire = 2 // close: the client was not heard from in time
)

func (s *Session) scheduleLocked(kind uint8, at time.Time) {
	s.hbGen++
	s.hbKind = kind
	s.hbAt = at
	s.srv.wheel.schedule(s, s.hbGen, at, !s.hbScheduled)
	s.hbScheduled = true
}

func (s *Session) schedulePingLocked() {
	now := time.Now()
	s.deadline = now.Add(s.srv.opts.PingInterval + s.srv.opts.PingTimeout)
	s.scheduleLocked(hbPing, now.Add(s.srv.opts.PingInterval))
}

// heartbeat runs the session's wheel entry of generation gen.
func (s *Session) heartbeat(gen uint64) {
	s.mu.Lock()
	if gen != s.hbGen || s.closed {
		s.mu.Unlock()
		return
	}
	if s.hbKind == hbExpire {
		s.mu.Unlock()
		s.Close(ReasonPingTimeout)
		return
	}
	// The pong is due PingTimeout after the ping goes out, as in the
	// reference: a ping that cannot be written at once rearms this when it
	// is (pingWritten), so a server running late never blames its clients.
	// A WebSocket ping is written right below: the pong budget counts from
	// now, as the reference counts from its write. A polling ping waits
	// for a GET: its budget counts from when it was due, not from the tick
	// that runs it (and is restarted by pingWritten when a GET takes it).
	s.awaitingPong = true
	if s.wsActive {
		s.armTimeoutLocked(s.srv.opts.PingTimeout)
	} else {
		s.armDeadlineLocked(s.hbAt.Add(s.srv.opts.PingTimeout))
	}
	s.mu.Unlock()
	_ = s.Send(Packet{Type: Ping})
}

// postponeExpiry moves the wheel's pending expiry of generation gen to at
// and reports whether it did (false: the entry is a ping or stale). The
// deadline itself stays: a request that finds it passed still ends the
// session (expire), only the wheel gives a stalled server's readers time.
func (s *Session) postponeExpiry(gen uint64, at time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if gen != s.hbGen || s.closed || s.hbKind != hbExpire {
		return false
	}
	s.scheduleLocked(hbExpire, at)
	return true
}

func (s *Session) armTimeoutLocked(d time.Duration) {
	s.armDeadlineLocked(time.Now().Add(d))
}

// armDeadlineLocked closes the session at deadline unless the heartbeat is
// rearmed before.
func (s *Session) armDeadlineLocked(deadline time.Time) {
	s.deadline = deadline
	s.scheduleLocked(hbExpire, deadline)
}

// expire closes the session if its heartbeat deadline has passed and
// reports whether it is closed. Requests call it so that a late timer never
// lets a dead session answer.
func (s *Session) expire() bool {
	s.mu.Lock()
	closed := s.closed
	late := !closed && !s.deadline.IsZero() && time.Now().After(s.deadline)
	s.mu.Unlock()
	if late {
		s.Close(ReasonPingTimeout)
	}
	return closed || late
}

// pingWritten restarts the pong timeout once a ping has left on the wire:
// with thousands of pings due at once, the writers may take a while.
func (s *Session) pingWritten() {
	s.mu.Lock()
	s.pingWrittenLocked()
	s.mu.Unlock()
}

func (s *Session) pingWrittenLocked() {
	if s.awaitingPong && !s.closed {
		s.armTimeoutLocked(s.srv.opts.PingTimeout)
	}
}

// receive handles one inbound packet from whichever transport.
func (s *Session) receive(p Packet) {
	switch p.Type {
	case Ping:
		if s.protocol == 3 {
			s.mu.Lock()
			if !s.closed {
				s.armTimeoutLocked(s.srv.opts.PingInterval + s.srv.opts.PingTimeout)
			}
			s.mu.Unlock()
			_ = s.Send(Packet{Type: Pong, Data: p.Data})
		}
	case Pong:
		if s.protocol == 4 {
			s.mu.Lock()
			if !s.closed {
				s.awaitingPong = false
				s.schedulePingLocked()
			}
			s.mu.Unlock()
		}
	case Close:
		s.Close(ReasonTransportClose)
	case Message:
		s.inMu.Lock()
		s.mu.Lock()
		closed := s.closed
		s.mu.Unlock()
		if !closed {
			s.deliver(p)
		}
		s.inMu.Unlock()
	}
}

func (s *Session) deliver(p Packet) {
	defer func() {
		if r := recover(); r != nil {
			s.srv.log.Error("engineio: message handler panicked", "sid", s.id, "panic", r)
			s.Close(ReasonTransportError)
		}
	}()
	s.handler.OnMessage(p)
}

// ---- polling ----

func (s *Session) servePolling(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		s.servePoll(w, r)
	case http.MethodPost:
		s.servePost(w, r)
	default:
		writeRequestError(w, requestError(CodeBadRequest))
	}
}

func (s *Session) servePoll(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.closed {
		// Closed while no GET waited: this one carries the end, once.
		final := !s.finalSent && lingers(s.closeReason)
		s.finalSent = true
		packets := append(s.queue, s.finalPacketLocked())
		s.queue = nil
		s.mu.Unlock()
		s.srv.remove(s)
		if !final {
			writeRequestError(w, requestError(CodeUnknownSID))
			return
		}
		s.writePollResponse(w, packets)
		return
	}
	if s.transport != TransportPolling {
		s.mu.Unlock()
		writeRequestError(w, requestError(CodeBadRequest))
		return
	}
	if s.pollPending {
		// A second concurrent GET is a protocol error: it ends the session.
		s.mu.Unlock()
		s.Close(ReasonTransportError)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	s.pollPending = true
	for {
		if len(s.queue) > 0 || s.closed || s.probed || s.transport != TransportPolling {
			break
		}
		s.mu.Unlock()
		select {
		case <-s.wake:
		case <-r.Context().Done():
		}
		s.mu.Lock()
		if r.Context().Err() != nil {
			// The client went away: the queue stays for the next poll.
			s.pollPending = false
			s.mu.Unlock()
			return
		}
	}
	s.pollPending = false
	if s.transport != TransportPolling {
		// Upgraded while this poll waited. A real client sends 5 only once
		// its polls are done, so this GET is not one of its own: refuse it
		// as any poll after the upgrade. The queue is the WebSocket's now.
		s.mu.Unlock()
		s.signal()
		writeRequestError(w, requestError(CodeBadRequest))
		return
	}
	packets := s.queue
	s.queue = nil
	switch {
	case s.closed:
		s.finalSent = true
		packets = append(packets, s.finalPacketLocked())
	case len(packets) == 0:
		// Upgrading or upgraded: release the poll so the client can go on.
		packets = []Packet{{Type: Noop}}
	}
	s.mu.Unlock()
	s.writePollResponse(w, packets)
	for _, p := range packets {
		if p.Type == Ping {
			s.pingWritten()
			break
		}
	}
}

// finalPacketLocked is what a poll gets when the session has ended: a noop
// when the client closed it, the close packet when the server did.
func (s *Session) finalPacketLocked() Packet {
	if s.closeReason == ReasonTransportClose {
		return Packet{Type: Noop}
	}
	return Packet{Type: Close}
}

func (s *Session) writePollResponse(w http.ResponseWriter, packets []Packet) {
	body, binary := EncodePayload(packets, s.protocol, s.supportsBinary)
	if binary {
		w.Header().Set("Content-Type", "application/octet-stream")
	} else {
		w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

func (s *Session) servePost(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.transport != TransportPolling {
		s.mu.Unlock()
		writeRequestError(w, requestError(CodeBadRequest))
		return
	}
	if s.postPending {
		s.mu.Unlock()
		s.Close(ReasonTransportError)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	s.postPending = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.postPending = false
		s.mu.Unlock()
	}()

	if r.ContentLength > s.srv.opts.MaxPayload {
		s.Close(ReasonTransportError)
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.srv.opts.MaxPayload))
	if err != nil {
		s.Close(ReasonTransportError)
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			w.WriteHeader(http.StatusRequestEntityTooLarge)
		} else {
			w.WriteHeader(http.StatusBadRequest)
		}
		return
	}
	binaryBody := strings.HasPrefix(r.Header.Get("Content-Type"), "application/octet-stream")
	packets, err := DecodePayload(body, s.protocol, binaryBody)
	if err != nil {
		s.Close(ReasonTransportError)
		writeRequestError(w, requestError(CodeBadRequest))
		return
	}
	// Answer before delivering, as the reference does, so a slow handler
	// never holds the client's POST.
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte("ok"))
	for _, p := range packets {
		s.receive(p)
	}
}

// ---- websocket ----

// endProbeLocked records that the WebSocket probe is over, either way.
func (s *Session) endProbeLocked() {
	if s.upgrading {
		close(s.probeDone)
	}
	s.upgrading, s.probed, s.probing = false, false, nil
}

// probeRelease is how long after 3probe a waiting poll is released.
const probeRelease = 100 * time.Millisecond

func (s *Server) serveUpgrade(w http.ResponseWriter, r *http.Request, sess *Session) {
	if s.opts.DisableUpgrades {
		writeRequestError(w, requestError(CodeBadRequest))
		return
	}
	sess.mu.Lock()
	if sess.upgrading {
		// Another WebSocket is being probed. Answer once that probe is
		// over, so that what it has received is handled first, as a
		// single-threaded server would.
		done := sess.probeDone
		sess.mu.Unlock()
		select {
		case <-done:
		case <-r.Context().Done():
			return
		}
		s.refuseWebSocket(w, r)
		return
	}
	ok := !sess.closed && sess.transport == TransportPolling
	if ok {
		sess.upgrading = true
		sess.probeDone = make(chan struct{})
	}
	sess.mu.Unlock()
	if !ok {
		s.refuseWebSocket(w, r)
		return
	}
	// The probe counts for Shutdown, which ends it by closing the session.
	if !s.track(1) {
		sess.mu.Lock()
		sess.endProbeLocked()
		sess.mu.Unlock()
		writeRequestError(w, requestError(CodeBadRequest))
		return
	}
	defer s.wg.Done()
	conn, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		sess.mu.Lock()
		sess.endProbeLocked()
		sess.mu.Unlock()
		return
	}
	// From here gorilla is done: the connection is read and written as
	// frames by wsReader and wsOut.
	nc := conn.NetConn()
	sess.mu.Lock()
	closed := sess.closed
	if !closed {
		sess.probing = nc
	}
	sess.mu.Unlock()
	rd := newWSReader(nc, s.opts.MaxPayload)
	if closed || !sess.probe(nc, rd) {
		sess.mu.Lock()
		sess.endProbeLocked()
		sess.mu.Unlock()
		_ = nc.Close()
		rd.drop()
		return
	}
	go sess.runWebSocket(rd) // see ServeHTTP: frees the handler
}

// refuseWebSocket turns away a WebSocket that cannot become its session's
// transport (the session is upgraded, being upgraded or closed) as the
// reference does: it accepts the WebSocket and closes it at once with a
// close frame, rather than answering the upgrade with an HTTP error, which
// WebSocket clients raise as an error event instead of a close.
func (s *Server) refuseWebSocket(w http.ResponseWriter, r *http.Request) {
	conn, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered
	}
	defer conn.Close()
	deadline := time.Now().Add(time.Second)
	// An empty close frame: the client sees 1005 (no status), as from the
	// reference's ws.close().
	if conn.WriteControl(websocket.CloseMessage, []byte{}, deadline) != nil {
		return
	}
	// Wait (briefly) for the client's close frame so that the client, not
	// us, ends the TCP connection, as the closing handshake wants.
	_ = conn.SetReadDeadline(deadline)
	conn.SetReadLimit(1024)
	for {
		if _, _, err := conn.NextReader(); err != nil {
			return
		}
	}
}

// probe runs the upgrade handshake on a new WebSocket: 2probe, 3probe, then
// 5. Meanwhile the polling transport goes on; a waiting poll is released
// with a noop so the client can pause polling.
func (s *Session) probe(nc net.Conn, rd *wsReader) bool {
	deadline := time.Now().Add(s.srv.opts.UpgradeTimeout)
	_ = nc.SetReadDeadline(deadline)
	write := func(frame []byte) bool {
		_ = nc.SetWriteDeadline(time.Now().Add(s.srv.opts.WriteTimeout))
		_, err := nc.Write(frame)
		_ = nc.SetWriteDeadline(time.Time{})
		return err == nil
	}
	for {
		op, data, err := rd.next()
		if err != nil {
			return false
		}
		switch op {
		case 9: // ping: nobody else writes yet
			if !write(append(appendWSHeader(nil, 0x8a, len(data)), data...)) {
				return false
			}
			continue
		case 10:
			continue
		case 1:
		default:
			return false
		}
		p, err := DecodeText(data, s.protocol)
		if err != nil {
			return false
		}
		switch {
		case p.Type == Ping && string(p.Data) == "probe":
			if !write(AppendFrame(nil, Packet{Type: Pong, Data: []byte("probe")}, s.protocol)) {
				return false
			}
			// Release a waiting poll with a noop so the client can pause
			// polling and send 5, after a short delay as the reference
			// does (it checks every 100 ms): a 5 already on its way then
			// finds no poll to release.
			time.AfterFunc(probeRelease, func() {
				s.mu.Lock()
				if s.upgrading {
					s.probed = true
				}
				s.mu.Unlock()
				s.signal()
			})
		case p.Type == Upgrade:
			// The reader (runWebSocket) counts from here.
			if !s.srv.track(1) {
				return false
			}
			_ = nc.SetReadDeadline(time.Time{})
			s.mu.Lock()
			if s.closed {
				s.mu.Unlock()
				s.srv.wg.Done()
				return false
			}
			s.endProbeLocked()
			s.transport = TransportWebSocket
			s.srv.stats.upgraded()
			s.activateWebSocketLocked(nc)
			s.flushLocked() // unlocks
			s.signal()      // a waiting poll is refused now
			return true
		default:
			return false
		}
	}
}

// attachWebSocket makes the upgraded conn the transport of a
// websocket-only session, writes the open packet (and whatever the handler
// queued) and returns the connection's reader.
func (s *Session) attachWebSocket(conn *websocket.Conn) *wsReader {
	nc := conn.NetConn() // gorilla is done: see serveUpgrade
	s.mu.Lock()
	s.activateWebSocketLocked(nc)
	s.flushLocked() // unlocks
	return newWSReader(nc, s.srv.opts.MaxPayload)
}

// runWebSocket is the connection's reader; it runs on its own goroutine
// until the connection ends. Its caller has counted it in the
// server's WaitGroup (newSession or probe).
func (s *Session) runWebSocket(rd *wsReader) {
	handedOver := false
	defer func() {
		if !handedOver {
			rd.drop()
			s.srv.wg.Done()
		}
	}()
	for {
		if rd.handled && rd.buffered() == 0 && rd.handOverDue() {
			// This goroutine's stack has grown handling a message, and a
			// parked stack is never shrunk below 4 KB: the wait for the
			// next one (whose first read also tells whether it is there
			// already) goes on a fresh goroutine's 2 KB stack, and the
			// count in the server's WaitGroup goes with it.
			rd.handled = false
			rd.handedOverAt = nanotime()
			handedOver = true
			go s.runWebSocket(rd)
			return
		}
		op, data, err := rd.next()
		if err != nil {
			switch {
			case errors.Is(err, errWSTooBig):
				s.closeOnReadError(rd, ReasonTransportError, 1009)
			case errors.Is(err, errWSProtocol):
				s.closeOnReadError(rd, ReasonTransportError, 1002)
			case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
				s.Close(ReasonTransportClose)
			default:
				s.Close(ReasonTransportError)
			}
			return
		}
		var p Packet
		switch op {
		case 1:
			p, err = DecodeText(data, s.protocol)
		case 2:
			p, err = DecodeBinaryFrame(data, s.protocol)
		case 8: // the client's close frame: Close answers it
			s.Close(ReasonTransportClose)
			return
		case 9:
			s.pong(data)
			continue
		default: // 10: an unsolicited pong
			continue
		}
		if err != nil {
			s.Close(ReasonTransportError)
			return
		}
		s.receive(p)
		if p.Type == Close {
			return
		}
		// Pings and pongs are handled in a shallow call: only messages,
		// which run the application's handlers, grow the stack.
		rd.handled = rd.handled || p.Type == Message
		rd.heartbeat = p.Type != Message
		rd.release() // nothing pending: wait without a buffer
	}
}

// lingers tells whether a polling session closed for reason waits for a
// last GET to tell the client: yes when the client or the server chose to
// close, no after a timeout or a protocol error.
func lingers(reason string) bool {
	return reason != ReasonPingTimeout && reason != ReasonTransportError
}
