package engineio

import (
	"net"
	"sync"
	"syscall"
	"time"
)

// wsOut is the outbound side of a session's active WebSocket. Frames are
// built by the caller of Send straight into out and written by that same
// caller when nobody else is writing: one non-blocking write(2) for
// everything pending, so an ack answered from the reader goroutine goes
// out from there, and frames queued meanwhile by others are coalesced into
// the next write. Whatever the socket does not take at once is finished by
// a flusher goroutine with blocking writes under Options.WriteTimeout;
// callers never wait for a client. All fields are guarded by Session.mu.
type wsOut struct {
	wsActive   bool            // the WebSocket is the transport: Send appends to out
	nc         net.Conn        // the connection under the WebSocket
	rc         syscall.RawConn // for non-blocking writes; nil: the flusher writes everything
	out        []byte          // frames not yet written
	spare      []byte          // a small buffer kept for the next swap with out
	outPackets int             // packets in out (bounded by MaxQueuedPackets)
	writing    bool            // a caller or the flusher is writing: append only
	pingInOut  bool            // out holds a ping (its pong timeout starts when written)
	connClosed bool            // nc has been closed
	closeCode  uint16          // status of the close frame, 0 for 1000
	drainRead  bool            // the reader discards what the client still sends before the connection closes
}

// closeFrame is a WebSocket close frame with status 1000 (normal closure).
var closeFrame = []byte{0x88, 0x02, 0x03, 0xe8}

// maxSpare is the largest buffer kept between writes; a burst's bigger
// buffer is left to the collector, so idle sessions stay small.
const maxSpare = 4096

// appendWSHeader appends the header of an unmasked (server) frame with
// FIN set.
func appendWSHeader(dst []byte, op byte, n int) []byte {
	switch {
	case n < 126:
		return append(dst, op, byte(n))
	case n < 1<<16:
		return append(dst, op, 126, byte(n>>8), byte(n))
	default:
		return append(dst, op, 127, byte(uint64(n)>>56), byte(uint64(n)>>48), byte(uint64(n)>>40), byte(uint64(n)>>32),
			byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
}

// AppendFrame appends the WebSocket frame (header included) carrying p in
// protocol: a text frame with the type digit and the data, or a binary
// frame with the raw bytes (protocol 4) or a type byte and the bytes
// (protocol 3). It is EncodeFrame plus the framing.
func AppendFrame(dst []byte, p Packet, protocol int) []byte {
	if p.Binary {
		if protocol == 3 {
			dst = appendWSHeader(dst, 0x82, len(p.Data)+1)
			dst = append(dst, byte(Message))
			return append(dst, p.Data...)
		}
		dst = appendWSHeader(dst, 0x82, len(p.Data))
		return append(dst, p.Data...)
	}
	dst = appendWSHeader(dst, 0x81, len(p.Data)+1)
	dst = append(dst, byte('0'+p.Type))
	return append(dst, p.Data...)
}

// Prepared is a group of packets whose WebSocket frames are built once
// and then handed to every session that sends them (SendPrepared): a
// broadcast frames its packet once, not once per receiver. Safe for
// concurrent use.
type Prepared struct {
	packets []Packet
	once    [2]sync.Once
	frames_ [2][]byte // protocol 4, protocol 3
}

// Prepare groups packets for SendPrepared. The packets' data must not
// change afterwards.
func Prepare(packets ...Packet) *Prepared { return &Prepared{packets: packets} }

func (p *Prepared) frames(protocol int) []byte {
	i := 0
	if protocol == 3 {
		i = 1
	}
	p.once[i].Do(func() {
		n := 0
		for _, q := range p.packets {
			n += len(q.Data) + 11
		}
		b := make([]byte, 0, n)
		for _, q := range p.packets {
			b = AppendFrame(b, q, protocol)
		}
		p.frames_[i] = b
	})
	return p.frames_[i]
}

func (s *Session) appendFrameLocked(p Packet) {
	s.out = AppendFrame(s.out, p, s.protocol)
	s.outPackets++
	if p.Type == Ping {
		s.pingInOut = true
	}
}

// activateWebSocketLocked makes nc the transport: what was queued for
// polling becomes frames, and from now on Send writes frames. The caller
// then calls flushLocked.
func (s *Session) activateWebSocketLocked(nc net.Conn) {
	s.nc = nc
	if sc, ok := nc.(syscall.Conn); ok && tryWriteSupported {
		if rc, err := sc.SyscallConn(); err == nil {
			s.rc = rc
		}
	}
	s.wsActive = true
	for _, p := range s.queue {
		s.appendFrameLocked(p)
	}
	s.queue = nil
}

// pong answers a WebSocket ping from the client.
func (s *Session) pong(data []byte) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.out = appendWSHeader(s.out, 0x8a, len(data))
	s.out = append(s.out, data...)
	s.flushLocked() // unlocks
}

// closeOnReadError closes the session, from its reader, with a close frame
// of that status (1002 protocol error, 1009 message too big) rather than
// 1000, then discards what the client still sends until it closes too
// (at most a second) and closes the connection.
func (s *Session) closeOnReadError(rd *wsReader, reason string, code uint16) {
	s.mu.Lock()
	if s.closeCode == 0 {
		s.closeCode = code
	}
	s.drainRead = true
	s.mu.Unlock()
	s.Close(reason)
	s.mu.Lock()
	half := s.connClosed
	s.mu.Unlock()
	if !half {
		return // a flusher is still writing; it closes the connection
	}
	for rd.discard() == nil {
	}
	_ = s.nc.Close()
}

// flushLocked writes what is pending, from the calling goroutine, unless
// someone is writing already. It is called with s.mu held and returns with
// it released. A socket that does not take everything at once is left to
// the flusher goroutine.
func (s *Session) flushLocked() {
	if s.writing || s.connClosed {
		s.mu.Unlock()
		return
	}
	if len(s.out) == 0 {
		s.closeConnIfDoneLocked() // unlocks
		return
	}
	s.writing = true
	if s.rc == nil {
		s.startFlusherLocked() // unlocks
		return
	}
	// A few rounds at most: frames appended while this caller wrote go
	// out with it, but a caller is never kept writing for others for long.
	for round := 0; round < 4 && len(s.out) > 0; round++ {
		buf := s.out
		packets := s.outPackets
		s.out, s.spare = s.spare, nil
		s.outPackets = 0
		pinged := s.pingInOut
		s.pingInOut = false
		s.mu.Unlock()
		n, err := tryWrite(s.rc, buf)
		s.mu.Lock()
		if err != nil {
			s.writing = false
			s.out, s.outPackets = nil, 0
			s.closeConnLocked()
			s.mu.Unlock()
			s.Close(ReasonTransportError)
			return
		}
		if n < len(buf) {
			// The socket is full: the rest, then what came meanwhile,
			// for the flusher.
			rest := append(buf[:0], buf[n:]...)
			s.out = append(rest, s.out...)
			s.outPackets += packets
			s.pingInOut = s.pingInOut || pinged
			s.startFlusherLocked() // unlocks
			return
		}
		if s.spare == nil && cap(buf) <= maxSpare {
			s.spare = buf[:0]
		}
	}
	if len(s.out) > 0 {
		s.startFlusherLocked() // unlocks
		return
	}
	s.writing = false
	s.closeConnIfDoneLocked() // unlocks
}

// closeConnIfDoneLocked closes the connection of a closed session whose
// frames, the close frame last, have all been written. Unlocks s.mu.
func (s *Session) closeConnIfDoneLocked() {
	if s.closed && !s.writing && len(s.out) == 0 {
		s.closeConnLocked()
	}
	s.mu.Unlock()
}

func (s *Session) closeConnLocked() {
	if s.connClosed {
		return
	}
	s.connClosed = true
	if s.drainRead {
		// The client is still sending (a message too big, or garbage):
		// closing now would reset the connection before it reads our
		// close frame. Half-close instead; the reader discards the rest
		// for a while and then closes (drainAndClose).
		if cw, ok := s.nc.(interface{ CloseWrite() error }); ok {
			_ = s.nc.SetReadDeadline(time.Now().Add(time.Second))
			_ = cw.CloseWrite()
			return
		}
	}
	_ = s.nc.Close() // ends the reader
}

// startFlusherLocked hands the rest of the writing to a goroutine of its
// own, counted for Shutdown (under s.mu, so before any Shutdown that
// closes this session waits). Unlocks s.mu.
func (s *Session) startFlusherLocked() {
	s.srv.wg.Add(1)
	s.mu.Unlock()
	go s.flusher()
}

// flusher writes with blocking writes until nothing is pending. A write
// that takes longer than WriteTimeout closes the session.
func (s *Session) flusher() {
	defer s.srv.wg.Done()
	deadlineSet := false
	for {
		s.mu.Lock()
		if len(s.out) == 0 || s.connClosed {
			s.writing = false
			s.out, s.outPackets = nil, 0
			if deadlineSet && !s.closed {
				// Non-blocking writes from callers must not meet an
				// expired deadline.
				_ = s.nc.SetWriteDeadline(time.Time{})
			}
			s.closeConnIfDoneLocked() // unlocks
			return
		}
		buf := s.out
		s.out, s.outPackets = nil, 0
		pinged := s.pingInOut
		s.pingInOut = false
		s.mu.Unlock()
		_ = s.nc.SetWriteDeadline(time.Now().Add(s.srv.opts.WriteTimeout))
		deadlineSet = true
		if _, err := s.nc.Write(buf); err != nil {
			s.mu.Lock()
			s.writing = false
			s.out, s.outPackets = nil, 0
			s.closeConnLocked()
			s.mu.Unlock()
			s.Close(ReasonTransportError)
			return
		}
		if pinged {
			s.pingWritten()
		}
	}
}
