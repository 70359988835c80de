package wslib

import (
	"context"
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"sort"
	"sync"

	coder "github.com/coder/websocket"
	gorilla "github.com/gorilla/websocket"
	"github.com/lxzan/gws"
)

// Adapter is one library configuration under test.
type Adapter struct {
	Name string
	// Desc says how the library is configured and used.
	Desc string
	// New returns the handler that upgrades and serves connections on h.
	New func(h *Hub) http.Handler
	// NoEcho marks a memory-only reference that does not speak WebSocket
	// beyond the handshake.
	NoEcho bool
}

// Adapters lists every configuration, in report order.
var Adapters = []Adapter{
	{
		Name:   "floor",
		Desc:   "no WebSocket library: raw hijack + 101, reader blocked in net.Conn.Read(1 byte), writer blocked on the queue",
		New:    func(h *Hub) http.Handler { return &floorServer{hub: h} },
		NoEcho: true,
	},
	{
		Name: "gorilla",
		Desc: "gorilla/websocket v1.5.3, Upgrader defaults (reuses net/http's 4 KiB hijack buffers)",
		New: func(h *Hub) http.Handler {
			return &gorillaServer{hub: h, up: gorilla.Upgrader{}}
		},
	},
	{
		Name: "gorilla-small",
		Desc: "gorilla/websocket v1.5.3, ReadBufferSize 1024, WriteBufferSize 1024, WriteBufferPool &sync.Pool{}",
		New: func(h *Hub) http.Handler {
			return &gorillaServer{hub: h, up: gorilla.Upgrader{
				ReadBufferSize:  1024,
				WriteBufferSize: 1024,
				WriteBufferPool: &sync.Pool{},
			}}
		},
	},
	{
		Name: "coder",
		Desc: "coder/websocket, Accept defaults (compression off), per-connection context for Read/Write",
		New:  func(h *Hub) http.Handler { return &coderServer{hub: h} },
	},
	{
		Name: "gws",
		Desc: "lxzan/gws, ServerOption defaults (ParallelEnabled false, 4 KiB read buffer), ReadLoop + our writer goroutine",
		New: func(h *Hub) http.Handler {
			return newGwsServer(h, false, &gws.ServerOption{})
		},
	},
	{
		Name: "gws-small",
		Desc: "lxzan/gws, ReadBufferSize 1024, ReadLoop + our writer goroutine",
		New: func(h *Hub) http.Handler {
			return newGwsServer(h, false, &gws.ServerOption{ReadBufferSize: 1024})
		},
	},
	{
		Name: "gws-writeasync",
		Desc: "lxzan/gws defaults, ReadLoop only; writes via WriteAsync (gws's own unbounded per-conn queue, goroutine only while busy)",
		New: func(h *Hub) http.Handler {
			return newGwsServer(h, true, &gws.ServerOption{})
		},
	},
}

// AdapterByName returns the adapter called name.
func AdapterByName(name string) (Adapter, bool) {
	for _, a := range Adapters {
		if a.Name == name {
			return a, true
		}
	}
	return Adapter{}, false
}

// AdapterNames lists the adapter names, sorted.
func AdapterNames() []string {
	var ns []string
	for _, a := range Adapters {
		ns = append(ns, a.Name)
	}
	sort.Strings(ns)
	return ns
}

// ---- gorilla/websocket ----

type gorillaServer struct {
	hub *Hub
	up  gorilla.Upgrader
}

func (s *gorillaServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ws, err := s.up.Upgrade(w, r, nil) // writes the error response itself
	if err != nil {
		return
	}
	ws.SetReadLimit(readLimit)
	c := s.hub.newConn(func() { ws.Close() }, true)
	s.hub.startWriter(c, func(m outMsg) error {
		typ := gorilla.TextMessage
		if m.binary {
			typ = gorilla.BinaryMessage
		}
		return ws.WriteMessage(typ, m.data)
	})
	s.hub.runReader(c, func() {
		for {
			typ, p, err := ws.ReadMessage()
			if err != nil {
				return
			}
			if !c.enqueue(outMsg{data: p, binary: typ == gorilla.BinaryMessage}) {
				return
			}
		}
	})
}

// ---- coder/websocket ----

type coderServer struct{ hub *Hub }

func (s *coderServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ws, err := coder.Accept(w, r, &coder.AcceptOptions{CompressionMode: coder.CompressionDisabled})
	if err != nil {
		return
	}
	ws.SetReadLimit(readLimit)
	// Not r.Context(): net/http cancels it when the handler returns.
	ctx, cancel := context.WithCancel(context.Background())
	c := s.hub.newConn(func() { cancel(); ws.CloseNow() }, true)
	s.hub.startWriter(c, func(m outMsg) error {
		typ := coder.MessageText
		if m.binary {
			typ = coder.MessageBinary
		}
		return ws.Write(ctx, typ, m.data)
	})
	s.hub.runReader(c, func() {
		for {
			typ, p, err := ws.Read(ctx)
			if err != nil {
				return
			}
			if !c.enqueue(outMsg{data: p, binary: typ == coder.MessageBinary}) {
				return
			}
		}
	})
}

// ---- lxzan/gws ----

// gwsServer uses gws's event-driven mode: socket.ReadLoop() is the reader
// goroutine and calls OnMessage on it (ParallelEnabled is false, so messages
// are handled one at a time, in order, on that goroutine).
type gwsServer struct {
	hub   *Hub
	async bool
	up    *gws.Upgrader
}

// gwsSession is the per-connection SessionStorage: it carries our *conn to
// the callbacks without gws's default map-backed storage.
type gwsSession struct{ c *conn }

func (s *gwsSession) Len() int                         { return 0 }
func (s *gwsSession) Load(string) (any, bool)          { return nil, false }
func (s *gwsSession) Delete(string)                    {}
func (s *gwsSession) Store(string, any)                {}
func (s *gwsSession) Range(func(string, any) bool)     {}
func sessionConn(socket *gws.Conn) *conn               { return socket.Session().(*gwsSession).c }
func newGwsSession() gws.SessionStorage                { return &gwsSession{} }
func (s *gwsServer) OnOpen(*gws.Conn)                  {}
func (s *gwsServer) OnClose(*gws.Conn, error)          {}
func (s *gwsServer) OnPong(*gws.Conn, []byte)          {}
func (s *gwsServer) OnPing(socket *gws.Conn, p []byte) { _ = socket.WritePong(p) }

func newGwsServer(h *Hub, async bool, opt *gws.ServerOption) *gwsServer {
	opt.ParallelEnabled = false
	opt.PermessageDeflate.Enabled = false
	opt.ReadMaxPayloadSize = readLimit
	opt.NewSession = newGwsSession
	s := &gwsServer{hub: h, async: async}
	s.up = gws.NewUpgrader(s, opt)
	return s
}

func (s *gwsServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	socket, err := s.up.Upgrade(w, r)
	if err != nil {
		return
	}
	c := s.hub.newConn(func() { socket.NetConn().Close() }, !s.async)
	socket.Session().(*gwsSession).c = c
	if !s.async {
		s.hub.startWriter(c, func(m outMsg) error {
			op := gws.OpcodeText
			if m.binary {
				op = gws.OpcodeBinary
			}
			return socket.WriteMessage(op, m.data)
		})
	}
	s.hub.runReader(c, socket.ReadLoop)
}

func (s *gwsServer) OnMessage(socket *gws.Conn, msg *gws.Message) {
	if s.async {
		socket.WriteAsync(msg.Opcode, msg.Bytes(), func(error) { msg.Close() })
		return
	}
	c := sessionConn(socket)
	if !c.enqueue(outMsg{data: msg.Bytes(), release: msg, binary: msg.Opcode == gws.OpcodeBinary}) {
		msg.Close()
		c.close()
	}
}

// ---- floor: no library ----

// floorServer is the cost of the shape without any WebSocket library: the
// hijacked connection, the two goroutines, the queue and the Hub entry.
type floorServer struct{ hub *Hub }

func (s *floorServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get("Sec-WebSocket-Key")
	if key == "" {
		http.Error(w, "not a WebSocket handshake", http.StatusBadRequest)
		return
	}
	nc, brw, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	if brw.Reader.Buffered() > 0 {
		nc.Close()
		return
	}
	resp := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
		acceptKey(key) + "\r\n\r\n"
	if _, err := nc.Write([]byte(resp)); err != nil {
		nc.Close()
		return
	}
	c := s.hub.newConn(func() { nc.Close() }, true)
	s.hub.startWriter(c, func(outMsg) error { return errNoWrite })
	s.hub.runReader(c, func() {
		var b [1]byte
		for {
			if _, err := nc.Read(b[:]); err != nil {
				return
			}
		}
	})
}

// acceptKey computes Sec-WebSocket-Accept for a Sec-WebSocket-Key.
func acceptKey(key string) string {
	h := sha1.New()
	h.Write([]byte(key))
	h.Write([]byte("258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}
