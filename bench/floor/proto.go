package main

import (
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
)

// The protocol part, shared by both network layers: the HTTP upgrade, the
// server side of RFC 6455 framing, and just enough Engine.IO 4 / Socket.IO 5
// for bench/load's contract. Both layers call (*sess).onData with the bytes
// read and give it a sink to write to, so that the only difference between
// the two variants is how bytes get in and out.

// sink is where a session's bytes go: a *net.TCPConn (goroutine variant) or
// an *nbio.Conn (event-driven variant). Both are safe for concurrent use and
// write each call's bytes contiguously.
type sink interface {
	Write([]byte) (int, error)
	Close() error
}

const maxPayload = 1_000_000

var (
	errProtocol = errors.New("protocol error")
	errClosed   = errors.New("closed by the peer")
	errTooBig   = errors.New("message over maxPayload")
)

type sess struct {
	hub  *hub
	w    sink
	sid  string
	in   []byte // bytes of an incomplete request or frame, kept between reads
	open bool   // WebSocket upgraded
	// Socket.IO CONNECT done on "/".
	connected bool
	rooms     []string
	// A ping was sent and its pong has not come back.
	awaitingPong atomic.Bool
	closed       atomic.Bool
	idx          int // position in hub.all, under hub.mu

	// --io nbio-handoff: bytes read by the poller, waiting for the drainer.
	hmu      sync.Mutex
	inbox    []byte
	draining bool
}

type hub struct {
	openPacket []byte // Engine.IO open packet minus the sid, see handshake

	mu    sync.Mutex
	all   []*sess
	rooms map[string]map[*sess]struct{}
}

func newHub(pingIntervalMs, pingTimeoutMs int64) *hub {
	return &hub{
		openPacket: []byte(`","upgrades":[],"pingInterval":` + strconv.FormatInt(pingIntervalMs, 10) +
			`,"pingTimeout":` + strconv.FormatInt(pingTimeoutMs, 10) + `,"maxPayload":1000000}`),
		rooms: make(map[string]map[*sess]struct{}),
	}
}

func (h *hub) newSess(w sink) *sess {
	var b [15]byte
	for i := range b {
		b[i] = byte(rand.Uint32())
	}
	s := &sess{hub: h, w: w, sid: base64.RawURLEncoding.EncodeToString(b[:])}
	return s
}

func (h *hub) add(s *sess) {
	h.mu.Lock()
	s.idx = len(h.all)
	h.all = append(h.all, s)
	h.mu.Unlock()
}

// remove forgets a closed session (idempotent).
func (h *hub) remove(s *sess) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if s.idx < 0 || s.idx >= len(h.all) || h.all[s.idx] != s {
		return
	}
	last := h.all[len(h.all)-1]
	h.all[s.idx] = last
	last.idx = s.idx
	h.all = h.all[:len(h.all)-1]
	s.idx = -1
	for _, r := range s.rooms {
		if m := h.rooms[r]; m != nil {
			delete(m, s)
			if len(m) == 0 {
				delete(h.rooms, r)
			}
		}
	}
	s.rooms = nil
}

func (h *hub) join(s *sess, room string) {
	h.mu.Lock()
	m := h.rooms[room]
	if m == nil {
		m = make(map[*sess]struct{})
		h.rooms[room] = m
	}
	if _, ok := m[s]; !ok {
		m[s] = struct{}{}
		s.rooms = append(s.rooms, room)
	}
	h.mu.Unlock()
}

func (h *hub) leave(s *sess, room string) {
	h.mu.Lock()
	if m := h.rooms[room]; m != nil {
		if _, ok := m[s]; ok {
			delete(m, s)
			for i, r := range s.rooms {
				if r == room {
					s.rooms = append(s.rooms[:i], s.rooms[i+1:]...)
					break
				}
			}
		}
	}
	h.mu.Unlock()
}

var recvPool = sync.Pool{New: func() any { s := make([]*sess, 0, 256); return &s }}

// broadcast writes one frame, built once, to every member of room: copy the
// members under the lock, write outside it.
func (h *hub) broadcast(room string, frame []byte) {
	p := recvPool.Get().(*[]*sess)
	rs := (*p)[:0]
	h.mu.Lock()
	for s := range h.rooms[room] {
		rs = append(rs, s)
	}
	h.mu.Unlock()
	for _, s := range rs {
		s.write(frame)
	}
	clear(rs)
	*p = rs[:0]
	recvPool.Put(p)
}

// pingFrame is the Engine.IO ping "2" in a WebSocket text frame.
var pingFrame = []byte{0x81, 1, '2'}

// heartbeat is one pass of the shared heartbeat: a session whose previous
// ping is unanswered is closed, every other one gets a ping.
func (h *hub) heartbeat(buf []*sess) []*sess {
	h.mu.Lock()
	buf = append(buf[:0], h.all...)
	h.mu.Unlock()
	for _, s := range buf {
		if s.awaitingPong.Swap(true) {
			s.close()
			continue
		}
		s.write(pingFrame)
	}
	clear(buf)
	return buf[:0]
}

func (s *sess) write(b []byte) {
	if s.closed.Load() {
		return
	}
	if _, err := s.w.Write(b); err != nil {
		s.close()
	}
}

func (s *sess) close() {
	if s.closed.Swap(true) {
		return
	}
	_ = s.w.Close()
	s.hub.remove(s)
}

var outPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// onData takes the bytes read from the connection (which it may modify: the
// masked payloads are unmasked in place), handles every complete request or
// frame and writes what they produce in one write. It returns an error when
// the connection is to be closed.
func (s *sess) onData(data []byte) error {
	if len(s.in) > 0 {
		s.in = append(s.in, data...)
		data = s.in
	}
	op := outPool.Get().(*[]byte)
	out := (*op)[:0]
	n, out, err := s.process(data, out)
	if len(out) > 0 && err == nil {
		s.write(out)
	}
	if cap(out) <= 64<<10 {
		*op = out[:0]
		outPool.Put(op)
	}
	if err != nil {
		return err
	}
	rest := data[n:]
	switch {
	case len(rest) == 0:
		s.in = s.in[:0]
		if cap(s.in) > 4096 {
			s.in = nil
		}
	case len(s.in) > 0: // data aliases s.in
		s.in = s.in[:copy(s.in, rest)]
	default:
		s.in = append(s.in[:0], rest...)
	}
	if len(s.in) > maxPayload+14 {
		return errTooBig
	}
	return nil
}

// process handles complete units in data and returns how many bytes it used.
func (s *sess) process(data []byte, out []byte) (int, []byte, error) {
	used := 0
	if !s.open {
		end := bytes.Index(data, []byte("\r\n\r\n"))
		if end < 0 {
			if len(data) > 8192 {
				return 0, out, errProtocol
			}
			return 0, out, nil
		}
		var err error
		out, err = s.handshake(data[:end], out)
		if err != nil {
			return 0, out, err
		}
		s.open = true
		used = end + 4
	}
	for {
		f := data[used:]
		if len(f) < 2 {
			return used, out, nil
		}
		fin, opcode := f[0]&0x80 != 0, f[0]&0x0f
		if f[1]&0x80 == 0 || f[0]&0x70 != 0 {
			return used, out, errProtocol // client frames are masked; no extensions
		}
		plen, hl := int(f[1]&0x7f), 2
		switch plen {
		case 126:
			if len(f) < 4 {
				return used, out, nil
			}
			plen, hl = int(f[2])<<8|int(f[3]), 4
		case 127:
			if len(f) < 10 {
				return used, out, nil
			}
			var l uint64
			for i := 2; i < 10; i++ {
				l = l<<8 | uint64(f[i])
			}
			if l > maxPayload {
				return used, out, errTooBig
			}
			plen, hl = int(l), 10
		}
		if plen > maxPayload {
			return used, out, errTooBig
		}
		if len(f) < hl+4+plen {
			return used, out, nil
		}
		mask := f[hl : hl+4]
		p := f[hl+4 : hl+4+plen]
		for i := range p {
			p[i] ^= mask[i&3]
		}
		used += hl + 4 + plen
		if !fin || opcode == 0 {
			return used, out, errProtocol // Engine.IO packets are never fragmented by our clients
		}
		var err error
		switch opcode {
		case 1, 2:
			out, err = s.packet(p, out)
		case 8:
			out = append(out, 0x88, 0)
			s.write(out)
			return used, out[:0], errClosed
		case 9:
			out = appendFrame(out, 0xA, p)
		case 10:
		default:
			err = errProtocol
		}
		if err != nil {
			return used, out, err
		}
	}
}

const wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

func (s *sess) handshake(req []byte, out []byte) ([]byte, error) {
	line, headers, _ := bytes.Cut(req, []byte("\n"))
	if !bytes.HasPrefix(line, []byte("GET /socket.io/?")) || !bytes.Contains(line, []byte("EIO=4")) ||
		!bytes.Contains(line, []byte("transport=websocket")) {
		return append(out, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"...), errProtocol
	}
	var key []byte
	for _, h := range bytes.Split(headers, []byte("\r\n")) {
		if i := bytes.IndexByte(h, ':'); i > 0 && bytes.EqualFold(bytes.TrimSpace(h[:i]), []byte("sec-websocket-key")) {
			key = bytes.TrimSpace(h[i+1:])
		}
	}
	if len(key) == 0 {
		return append(out, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"...), errProtocol
	}
	sum := sha1.Sum(append(append([]byte(nil), key...), wsGUID...))
	out = append(out, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "...)
	out = base64.StdEncoding.AppendEncode(out, sum[:])
	out = append(out, "\r\n\r\n"...)
	open := make([]byte, 0, 160)
	open = append(open, `0{"sid":"`...)
	open = append(open, s.sid...)
	open = append(open, s.hub.openPacket...)
	return appendFrame(out, 1, open), nil
}

// appendFrame appends an unmasked final frame with the given opcode.
func appendFrame(out []byte, opcode byte, p []byte) []byte {
	out = appendHeader(out, opcode, len(p))
	return append(out, p...)
}

func appendHeader(out []byte, opcode byte, n int) []byte {
	switch {
	case n < 126:
		return append(out, 0x80|opcode, byte(n))
	case n < 1<<16:
		return append(out, 0x80|opcode, 126, byte(n>>8), byte(n))
	default:
		return append(out, 0x80|opcode, 127, 0, 0, 0, 0, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
}

// packet handles one Engine.IO packet.
func (s *sess) packet(p []byte, out []byte) ([]byte, error) {
	if len(p) == 0 {
		return out, errProtocol
	}
	switch p[0] {
	case '3': // pong
		s.awaitingPong.Store(false)
		return out, nil
	case '1': // close
		return out, errClosed
	case '4':
		return s.socketPacket(p[1:], out)
	case '2', '6': // a client ping (not in EIO 4), noop
		return out, nil
	}
	return out, errProtocol
}

func (s *sess) socketPacket(p []byte, out []byte) ([]byte, error) {
	if len(p) == 0 {
		return out, errProtocol
	}
	switch p[0] {
	case '0': // CONNECT "/" (an auth payload, if any, is not used)
		if len(p) > 1 && p[1] == '/' {
			return out, errProtocol // only the main namespace here
		}
		if s.connected {
			return out, errProtocol
		}
		s.connected = true
		s.hub.add(s)
		var b [64]byte
		m := append(append(append(b[:0], `40{"sid":"`...), s.sid...), `"}`...)
		out = appendFrame(out, 1, m)
		// As the reference does on connection: emit("auth", handshake.auth).
		return appendFrame(out, 1, []byte(`42["auth",{}]`)), nil
	case '1':
		return out, errClosed
	case '2':
		if !s.connected {
			return out, errProtocol
		}
		return s.event(p[1:], out)
	}
	return out, errProtocol
}

// event handles `[id]["name",args...]`. The arguments are passed through as
// bytes, not decoded: this server is a floor, it does the least work the
// contract allows.
func (s *sess) event(p []byte, out []byte) ([]byte, error) {
	i := 0
	for i < len(p) && p[i] >= '0' && p[i] <= '9' {
		i++
	}
	id := p[:i]
	if len(id) > 15 {
		return out, errProtocol
	}
	p = p[i:]
	if len(p) < 4 || p[0] != '[' || p[len(p)-1] != ']' {
		return out, errProtocol
	}
	name, rest, ok := jsonString(p[1 : len(p)-1])
	if !ok {
		return out, errProtocol
	}
	if len(rest) > 0 {
		if rest[0] != ',' {
			return out, errProtocol
		}
		rest = rest[1:]
	}
	switch string(name) {
	case "message-with-ack":
		if len(id) == 0 {
			return out, nil
		}
		out = appendHeader(out, 1, 4+len(id)+len(rest))
		out = append(out, '4', '3')
		out = append(out, id...)
		out = append(out, '[')
		out = append(out, rest...)
		return append(out, ']'), nil
	case "message":
		m := append(append(append(make([]byte, 0, 32+len(rest)), `42["message-back"`...), sep(rest)...), rest...)
		return appendFrame(out, 1, append(m, ']')), nil
	case "join", "leave":
		room, _, ok := jsonString(rest)
		if !ok {
			return out, errProtocol
		}
		if string(name) == "join" {
			s.hub.join(s, string(room))
		} else {
			s.hub.leave(s, string(room))
		}
		if len(id) > 0 {
			out = appendHeader(out, 1, 4+len(id))
			out = append(append(append(out, '4', '3'), id...), '[', ']')
		}
		return out, nil
	case "to-room":
		room, ev, ok := jsonString(rest)
		if !ok || len(ev) < 3 || ev[0] != ',' {
			return out, errProtocol
		}
		ev = ev[1:]
		// One frame for every receiver: 42[<event and its args>].
		f := make([]byte, 0, 10+len(ev)+4)
		f = appendHeader(f, 1, 4+len(ev))
		f = append(append(append(f, '4', '2', '['), ev...), ']')
		s.hub.broadcast(string(room), f)
		return out, nil
	}
	return out, nil // other events: nothing to do
}

func sep(rest []byte) []byte {
	if len(rest) == 0 {
		return nil
	}
	return []byte{','}
}

// jsonString reads a JSON string without escapes at the start of p and
// returns its contents and what follows it.
func jsonString(p []byte) (s, rest []byte, ok bool) {
	if len(p) < 2 || p[0] != '"' {
		return nil, nil, false
	}
	for i := 1; i < len(p); i++ {
		switch p[i] {
		case '"':
			return p[1:i], p[i+1:], true
		case '\\':
			return nil, nil, false
		}
	}
	return nil, nil, false
}
