package socketio

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/rpsio/rpsio/socketio/parser"
)

// waitTimeout bounds every wait in these tests: they wait for the event
// they expect, never a fixed time, and fail after this.
const waitTimeout = 5 * time.Second

var quietLogger = slog.New(slog.NewTextHandler(io.Discard, nil))

var connectReply = regexp.MustCompile(`^0(/[^,]*,)?\{"sid":"([A-Za-z0-9_-]{22})"\}$`)

// testServer is a Socket.IO server on a loopback port at /socket.io/.
type testServer struct {
	t   *testing.T
	srv *Server
	hs  *httptest.Server
}

func newTestServer(t *testing.T, opts Options, setup func(srv *Server)) *testServer {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = quietLogger
	}
	srv := NewServer(opts)
	if setup != nil {
		setup(srv)
	}
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", srv)
	ts := &testServer{t: t, srv: srv, hs: httptest.NewServer(mux)}
	t.Cleanup(ts.close)
	return ts
}

func (ts *testServer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := ts.srv.Shutdown(ctx); err != nil {
		ts.t.Errorf("Shutdown: %v", err)
	}
	ts.hs.Close()
}

func (ts *testServer) wsURL(query string) string {
	return "ws" + strings.TrimPrefix(ts.hs.URL, "http") + "/socket.io/?transport=websocket&" + query
}

// frame is one WebSocket message.
type frame struct {
	data   []byte
	binary bool
}

// client is a raw Socket.IO client over one WebSocket: it answers the
// server's pings itself and hands every other frame to the test.
type client struct {
	t        *testing.T
	ws       *websocket.Conn
	eio      int
	open     map[string]any
	frames   chan frame
	done     chan struct{} // closed when the reader ends
	readErr  error         // valid once done is closed
	dec      parser.Decoder
	wmu      sync.Mutex
	noPong   bool
	quit     chan struct{} // closed by close: the reader stops handing frames
	closeOne sync.Once
}

// dial opens a WebSocket ("EIO=4" or "EIO=3" in query) and reads the open
// packet.
func (ts *testServer) dial(t *testing.T, query string) *client {
	t.Helper()
	return ts.dialWith(t, query, false)
}

func (ts *testServer) dialWith(t *testing.T, query string, noPong bool) *client {
	t.Helper()
	d := websocket.Dialer{HandshakeTimeout: waitTimeout}
	ws, resp, err := d.Dial(ts.wsURL(query), nil)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	c := &client{t: t, ws: ws, eio: 4, frames: make(chan frame, 4096), done: make(chan struct{}), quit: make(chan struct{}), noPong: noPong}
	if strings.Contains(query, "EIO=3") {
		c.eio = 3
	}
	t.Cleanup(c.close)
	go c.read()
	open := c.next()
	if open.binary || len(open.data) == 0 || open.data[0] != '0' {
		t.Fatalf("first frame %q, want the open packet", open.data)
	}
	if err := json.Unmarshal(open.data[1:], &c.open); err != nil {
		t.Fatalf("open packet %q: %v", open.data, err)
	}
	return c
}

func (c *client) read() {
	defer close(c.done)
	for {
		mt, data, err := c.ws.ReadMessage()
		if err != nil {
			c.readErr = err
			return
		}
		if mt == websocket.TextMessage && string(data) == "2" {
			if !c.noPong {
				c.writeRaw(websocket.TextMessage, []byte("3"))
			}
			continue
		}
		select {
		case c.frames <- frame{data, mt == websocket.BinaryMessage}:
		case <-c.quit:
			return
		}
	}
}

func (c *client) close() {
	c.closeOne.Do(func() {
		close(c.quit)
		c.ws.Close()
	})
}

func (c *client) writeRaw(mt int, data []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.ws.WriteMessage(mt, data)
}

// send sends a Socket.IO packet's text ("4" is prepended).
func (c *client) send(text string) {
	c.t.Helper()
	if err := c.writeRaw(websocket.TextMessage, []byte("4"+text)); err != nil {
		c.t.Fatalf("send %q: %v", text, err)
	}
}

// sendBinary sends a binary attachment.
func (c *client) sendBinary(b []byte) {
	c.t.Helper()
	if c.eio == 3 {
		b = append([]byte{4}, b...)
	}
	if err := c.writeRaw(websocket.BinaryMessage, b); err != nil {
		c.t.Fatalf("send binary: %v", err)
	}
}

// next returns the next frame other than a ping.
func (c *client) next() frame {
	c.t.Helper()
	select {
	case f := <-c.frames:
		return f
	case <-c.done:
		// Frames read before the end are still there.
		select {
		case f := <-c.frames:
			return f
		default:
		}
		c.t.Fatalf("connection ended (%v) while waiting for a frame", c.readErr)
	case <-time.After(waitTimeout):
		c.t.Fatal("timed out waiting for a frame")
	}
	return frame{}
}

// text returns the next Socket.IO packet's text (without the "4").
func (c *client) text() string {
	c.t.Helper()
	f := c.next()
	if f.binary || len(f.data) == 0 || f.data[0] != '4' {
		c.t.Fatalf("got frame %q (binary %v), want a message", f.data, f.binary)
	}
	return string(f.data[1:])
}

// expect reads the next packet's text and compares it.
func (c *client) expect(want string) {
	c.t.Helper()
	if got := c.text(); got != want {
		c.t.Fatalf("got %q, want %q", got, want)
	}
}

// binary returns the next frame, which must be an attachment.
func (c *client) binary() []byte {
	c.t.Helper()
	f := c.next()
	if !f.binary {
		c.t.Fatalf("got text %q, want a binary frame", f.data)
	}
	if c.eio == 3 {
		if len(f.data) == 0 || f.data[0] != 4 {
			c.t.Fatalf("protocol 3 binary frame %q without its type byte", f.data)
		}
		return f.data[1:]
	}
	return f.data
}

// packet decodes the next complete Socket.IO packet.
func (c *client) packet() *parser.Packet {
	c.t.Helper()
	for {
		f := c.next()
		var p *parser.Packet
		var err error
		if f.binary {
			data := f.data
			if c.eio == 3 {
				data = data[1:]
			}
			p, err = c.dec.AddBinary(data)
		} else {
			if len(f.data) == 0 || f.data[0] != '4' {
				c.t.Fatalf("got engine packet %q, want a message", f.data)
			}
			p, err = c.dec.AddText(f.data[1:])
		}
		if err != nil {
			c.t.Fatalf("decoding %q: %v", f.data, err)
		}
		if p != nil {
			return p
		}
	}
}

// event reads the next packet, which must be an EVENT, and returns its
// name and arguments.
func (c *client) event() (string, []any) {
	c.t.Helper()
	p := c.packet()
	if p.Type != parser.Event {
		c.t.Fatalf("got %v %#v, want an event", p.Type, p.Data)
	}
	args := p.Data.([]any)
	name, _ := args[0].(string)
	return name, args[1:]
}

// connect joins a namespace ("/" or "/name") with an auth JSON object (or
// "") and returns the socket id from the CONNECT reply.
func (c *client) connect(nsp, auth string) string {
	c.t.Helper()
	prefix := ""
	if nsp != "/" {
		prefix = nsp + ","
	}
	c.send("0" + prefix + auth)
	reply := c.text()
	m := connectReply.FindStringSubmatch(reply)
	if m == nil || m[1] != prefix {
		c.t.Fatalf("CONNECT to %s: got %q", nsp, reply)
	}
	return m[2]
}

// waitClosed waits until the server ends the connection, skipping frames.
func (c *client) waitClosed() error {
	c.t.Helper()
	timeout := time.After(waitTimeout)
	for {
		select {
		case <-c.frames:
		case <-c.done:
			return c.readErr
		case <-timeout:
			c.t.Fatal("the server did not close the connection")
		}
	}
}

// dialSocket dials and joins "/" with auth; it returns the client and the
// server's socket, received from sockets.
func (ts *testServer) dialSocket(t *testing.T, auth string, sockets <-chan *Socket) (*client, *Socket) {
	t.Helper()
	c := ts.dial(t, "EIO=4")
	id := c.connect("/", auth)
	s := recv(t, sockets)
	if s.ID() != id {
		t.Fatalf("socket %s connected, reply says %s", s.ID(), id)
	}
	return c, s
}

// recv receives from ch or fails after waitTimeout.
func recv[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitTimeout):
		t.Fatalf("timed out waiting on a %T channel", *new(T))
		panic("unreachable")
	}
}

// waitFor polls cond until it holds, failing the test after waitTimeout: for
// state that changes without an event to wait on (counters read by scrapes).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// goroutineBaseline returns a check that the goroutine count comes back to
// what it is now.
func goroutineBaseline(t *testing.T) func() {
	before := runtime.NumGoroutine()
	return func() {
		t.Helper()
		deadline := time.Now().Add(waitTimeout)
		for {
			n := runtime.NumGoroutine()
			if n <= before {
				return
			}
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				buf = buf[:runtime.Stack(buf, true)]
				t.Fatalf("%d goroutines, %d before:\n%s", n, before, buf)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// smallBufferDialer dials WebSockets whose socket receive buffer is tiny,
// so that a client that stops reading stalls the server's writes quickly.
func smallBufferDialer() *websocket.Dialer {
	return &websocket.Dialer{
		HandshakeTimeout: waitTimeout,
		ReadBufferSize:   1024,
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			var d net.Dialer
			c, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			if tcp, ok := c.(*net.TCPConn); ok {
				_ = tcp.SetReadBuffer(4096)
			}
			return c, nil
		},
	}
}
