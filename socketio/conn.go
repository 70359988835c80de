package socketio

import (
	"context"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/rpsio/rpsio/socketio/engineio"
	"github.com/rpsio/rpsio/socketio/parser"
)

// conn is one Engine.IO session seen by Socket.IO: it decodes packets and
// routes them to the socket of each namespace the client joined. OnMessage
// and OnClose calls never overlap (the engine serialises them).
type conn struct {
	srv *Server
	eio *engineio.Session
	dec parser.Decoder

	mu           sync.Mutex
	sockets      map[string]*Socket // by namespace name
	connectTimer *time.Timer
	closed       bool
}

func newConn(s *Server, es *engineio.Session) *conn {
	c := &conn{srv: s, eio: es, sockets: map[string]*Socket{}}
	if es.Protocol() == 3 {
		// Protocol 4 clients are in the default namespace from the start.
		c.connect("/", url.Values{}, nil)
	} else {
		c.connectTimer = time.AfterFunc(s.opts.ConnectTimeout, func() {
			c.mu.Lock()
			idle := len(c.sockets) == 0 && !c.closed
			c.mu.Unlock()
			if idle {
				es.Close(engineio.ReasonForcedClose)
			}
		})
	}
	return c
}

// protocol is the Socket.IO protocol: 5, or 4 over Engine.IO 3.
func (c *conn) protocol() int {
	if c.eio.Protocol() == 3 {
		return 4
	}
	return 5
}

// send encodes p and queues it with its attachments in one go.
func (c *conn) send(p *parser.Packet) error {
	text, atts, err := parser.Encode(p)
	if err != nil {
		return err
	}
	if len(atts) == 0 {
		return c.eio.Send(engineio.Packet{Type: engineio.Message, Data: text})
	}
	return c.eio.Send(enginePackets(text, atts)...)
}

func enginePackets(text []byte, atts [][]byte) []engineio.Packet {
	out := make([]engineio.Packet, 0, 1+len(atts))
	out = append(out, engineio.Packet{Type: engineio.Message, Data: text})
	for _, a := range atts {
		out = append(out, engineio.Packet{Type: engineio.Message, Data: a, Binary: true})
	}
	return out
}

// OnMessage implements engineio.SessionHandler.
func (c *conn) OnMessage(m engineio.Packet) {
	var p *parser.Packet
	var err error
	if m.Binary {
		p, err = c.dec.AddBinary(m.Data)
	} else {
		p, err = c.dec.AddText(m.Data)
	}
	if err != nil {
		if c.srv.log.Enabled(context.Background(), slog.LevelDebug) {
			c.srv.log.Debug("socketio: closing on invalid packet", "sid", c.eio.ID(), "err", err)
		}
		c.closeAll(ReasonParseError)
		c.eio.Close(ReasonParseError)
		return
	}
	if p == nil {
		return // waiting for attachments
	}
	switch p.Type {
	case parser.Connect:
		if c.protocol() == 4 {
			name, query, _ := strings.Cut(p.Namespace, "?")
			q, _ := url.ParseQuery(query)
			c.connect(name, q, nil)
			return
		}
		auth, _ := p.Data.(map[string]any)
		c.connect(p.Namespace, nil, auth)
	default:
		s := c.socket(p.Namespace)
		if s == nil {
			// A packet for a namespace the client has not joined is a
			// protocol error: the reference closes the connection too.
			c.closeAll(ReasonParseError)
			c.eio.Close(ReasonParseError)
			return
		}
		switch p.Type {
		case parser.Disconnect:
			s.onClose(ReasonClientNamespaceDisconnect)
		case parser.Event:
			s.onEvent(p)
		case parser.Ack:
			s.onAck(p)
		}
	}
}

// OnClose implements engineio.SessionHandler.
func (c *conn) OnClose(reason string) {
	c.closeAll(reason)
}

func (c *conn) closeAll(reason string) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	if c.connectTimer != nil {
		c.connectTimer.Stop()
	}
	socks := make([]*Socket, 0, len(c.sockets))
	for _, s := range c.sockets {
		socks = append(socks, s)
	}
	c.mu.Unlock()
	for _, s := range socks {
		s.onClose(reason)
	}
}

func (c *conn) socket(nsp string) *Socket {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sockets[nsp]
}

// allSockets lists the connection's sockets, one per namespace joined.
func (c *conn) allSockets() []*Socket {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]*Socket, 0, len(c.sockets))
	for _, s := range c.sockets {
		out = append(out, s)
	}
	return out
}

func (c *conn) removeSocket(s *Socket) {
	c.mu.Lock()
	if c.sockets[s.nsp.name] == s {
		delete(c.sockets, s.nsp.name)
	}
	c.mu.Unlock()
}

// connect joins the client to a namespace: middleware, then CONNECT and the
// connection handlers. query is set for protocol 4 (auth travels there).
func (c *conn) connect(name string, query url.Values, auth map[string]any) {
	if c.socket(name) != nil {
		return // already connected: ignore, as the reference does
	}
	if query != nil {
		auth = map[string]any{}
		for k, v := range query {
			if len(v) > 0 {
				auth[k] = v[0]
			}
		}
	}
	if auth == nil {
		auth = map[string]any{}
	}
	nsp := c.srv.lookup(name, auth)
	if nsp == nil {
		c.connectError(name, errInvalidNamespace)
		return
	}
	if nsp.rec != nil && c.protocol() == 5 {
		// A client coming back sends its pid and last offset (strings).
		pid, _ := auth["pid"].(string)
		offset, _ := auth["offset"].(string)
		if pid != "" && offset != "" && nsp.rec.restore(c, name, auth, pid, offset) {
			return
		}
	}
	s := newSocket(nsp, c, auth)
	if err := nsp.runMiddleware(s); err != nil {
		ce, ok := err.(*ConnectError)
		if !ok {
			ce = &ConnectError{Message: err.Error()}
		}
		c.connectError(name, ce)
		return
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.sockets[name] = s
	if c.connectTimer != nil {
		c.connectTimer.Stop()
	}
	c.mu.Unlock()
	nsp.add(s)
	var data any
	if c.protocol() == 5 {
		data = connectData(s)
	}
	_ = c.send(&parser.Packet{Type: parser.Connect, Namespace: name, Data: data})
	if nsp.rec != nil {
		nsp.rec.track(s)
	}
	nsp.connected(s)
}

// errInvalidNamespace is sent as {"message"} in both protocols, as the
// reference does.
var errInvalidNamespace = &ConnectError{Message: "Invalid namespace"}

func (c *conn) connectError(name string, e *ConnectError) {
	var data any
	if c.protocol() == 4 && e != errInvalidNamespace {
		// Protocol 4 carries one value: the data if any, else the message.
		if e.Data != nil {
			data = e.Data
		} else {
			data = e.Message
		}
	} else {
		m := map[string]any{"message": e.Message}
		if e.Data != nil {
			m["data"] = e.Data
		}
		data = m
	}
	_ = c.send(&parser.Packet{Type: parser.ConnectError, Namespace: name, Data: data})
}
