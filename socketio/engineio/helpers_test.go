package engineio

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// waitTimeout bounds every wait for an event in these tests; tests never
// sleep a fixed time, they wait for what they expect and fail after this.
const waitTimeout = 5 * time.Second

var quietLogger = slog.New(slog.NewTextHandler(io.Discard, nil))

// closeEvent is a session's OnClose call.
type closeEvent struct {
	sid, reason string
}

// recorder is the echo handler used by most tests: it sends every message
// back and reports sessions, messages and closes on channels.
type recorder struct {
	sessions chan *Session
	messages chan Packet
	closes   chan closeEvent
	echo     bool
}

func newRecorder() *recorder {
	return &recorder{
		sessions: make(chan *Session, 1000),
		messages: make(chan Packet, 1000),
		closes:   make(chan closeEvent, 1000),
		echo:     true,
	}
}

type recordHandler struct {
	r *recorder
	s *Session
}

func (h recordHandler) OnMessage(p Packet) {
	// The packet's data may alias a transport buffer; keep a copy.
	p.Data = append([]byte(nil), p.Data...)
	select {
	case h.r.messages <- p:
	default:
	}
	if h.r.echo {
		_ = h.s.Send(p)
	}
}

func (h recordHandler) OnClose(reason string) { h.r.closes <- closeEvent{h.s.ID(), reason} }

func (r *recorder) onConnection(s *Session) SessionHandler {
	r.sessions <- s
	return recordHandler{r, s}
}

func (r *recorder) session(t *testing.T) *Session {
	t.Helper()
	select {
	case s := <-r.sessions:
		return s
	case <-time.After(waitTimeout):
		t.Fatal("no session was opened")
		return nil
	}
}

func (r *recorder) closed(t *testing.T) closeEvent {
	t.Helper()
	select {
	case c := <-r.closes:
		return c
	case <-time.After(waitTimeout):
		t.Fatal("no session was closed")
		return closeEvent{}
	}
}

func (r *recorder) message(t *testing.T) Packet {
	t.Helper()
	select {
	case p := <-r.messages:
		return p
	case <-time.After(waitTimeout):
		t.Fatal("no message arrived")
		return Packet{}
	}
}

// testServer is an Engine.IO server on a loopback port at /engine.io/.
type testServer struct {
	t      *testing.T
	eng    *Server
	hs     *httptest.Server
	rec    *recorder
	base   string // http://127.0.0.1:port/engine.io/
	client *http.Client
}

func newTestServer(t *testing.T, opts Options) *testServer {
	t.Helper()
	rec := newRecorder()
	if opts.OnConnection == nil {
		opts.OnConnection = rec.onConnection
	}
	if opts.Logger == nil {
		opts.Logger = quietLogger
	}
	eng := NewServer(opts)
	mux := http.NewServeMux()
	mux.Handle("/engine.io/", eng)
	hs := httptest.NewServer(mux)
	ts := &testServer{
		t: t, eng: eng, hs: hs, rec: rec,
		base:   hs.URL + "/engine.io/",
		client: &http.Client{Transport: &http.Transport{}, Timeout: waitTimeout},
	}
	t.Cleanup(ts.close)
	return ts
}

func (ts *testServer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := ts.eng.Shutdown(ctx); err != nil {
		ts.t.Errorf("Shutdown: %v", err)
	}
	ts.client.CloseIdleConnections()
	ts.hs.Close()
}

func (ts *testServer) url(query string) string { return ts.base + "?" + query }

type response struct {
	status      int
	contentType string
	body        []byte
}

func (ts *testServer) do(method, query string, body []byte, header http.Header) response {
	ts.t.Helper()
	return ts.doCtx(context.Background(), method, query, body, header)
}

func (ts *testServer) doCtx(ctx context.Context, method, query string, body []byte, header http.Header) response {
	ts.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, ts.url(query), rd)
	if err != nil {
		ts.t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := ts.client.Do(req)
	if err != nil {
		// Called from helper goroutines too: report without FailNow.
		ts.t.Errorf("%s %s: %v", method, query, err)
		return response{}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		ts.t.Errorf("%s %s: reading body: %v", method, query, err)
	}
	return response{resp.StatusCode, resp.Header.Get("Content-Type"), b}
}

func (ts *testServer) get(query string) response { return ts.do(http.MethodGet, query, nil, nil) }

func (ts *testServer) post(query, body string) response {
	return ts.do(http.MethodPost, query, []byte(body), http.Header{"Content-Type": {"text/plain;charset=UTF-8"}})
}

// handshakeData is the open packet's JSON.
type handshakeData struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int64    `json:"pingInterval"`
	PingTimeout  int64    `json:"pingTimeout"`
	MaxPayload   *int64   `json:"maxPayload"`
}

func parseOpen(t *testing.T, p Packet) handshakeData {
	t.Helper()
	if p.Type != Open {
		t.Fatalf("first packet is %v %q, want open", p.Type, p.Data)
	}
	var hs handshakeData
	if err := json.Unmarshal(p.Data, &hs); err != nil {
		t.Fatalf("open packet %q: %v", p.Data, err)
	}
	return hs
}

// handshake opens a polling session and returns its handshake data.
func (ts *testServer) handshake(query string) handshakeData {
	ts.t.Helper()
	r := ts.get("transport=polling&" + query)
	if r.status != http.StatusOK {
		ts.t.Fatalf("handshake: status %d %s", r.status, r.body)
	}
	protocol := 4
	if strings.Contains(query, "EIO=3") {
		protocol = 3
	}
	packets, err := DecodePayload(r.body, protocol, r.contentType == "application/octet-stream")
	if err != nil || len(packets) != 1 {
		ts.t.Fatalf("handshake body %q: %v", r.body, err)
	}
	return parseOpen(ts.t, packets[0])
}

// poll is one polling GET decoded.
func (ts *testServer) poll(sid string, protocol int) []Packet {
	ts.t.Helper()
	r := ts.get("EIO=" + string(rune('0'+protocol)) + "&transport=polling&sid=" + sid)
	if r.status != http.StatusOK {
		ts.t.Errorf("poll: status %d %s", r.status, r.body)
		return nil
	}
	packets, err := DecodePayload(r.body, protocol, r.contentType == "application/octet-stream")
	if err != nil {
		ts.t.Errorf("poll body %q: %v", r.body, err)
	}
	return packets
}

// dial opens a WebSocket; query without the transport.
func (ts *testServer) dial(query string) *websocket.Conn {
	ts.t.Helper()
	c, err := ts.tryDial(query)
	if err != nil {
		ts.t.Fatalf("dial %s: %v", query, err)
	}
	return c
}

func (ts *testServer) tryDial(query string) (*websocket.Conn, error) {
	u := "ws" + strings.TrimPrefix(ts.base, "http") + "?transport=websocket&" + query
	d := websocket.Dialer{HandshakeTimeout: waitTimeout}
	c, resp, err := d.Dial(u, nil)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		return nil, err
	}
	ts.t.Cleanup(func() { c.Close() })
	return c, nil
}

// readWS reads one frame with a deadline.
func readWS(t *testing.T, c *websocket.Conn) (int, []byte) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(waitTimeout))
	mt, data, err := c.ReadMessage()
	if err != nil {
		t.Fatalf("reading the WebSocket: %v", err)
	}
	return mt, data
}

func readWSText(t *testing.T, c *websocket.Conn) string {
	t.Helper()
	mt, data := readWS(t, c)
	if mt != websocket.TextMessage {
		t.Fatalf("got a binary frame %q, want text", data)
	}
	return string(data)
}

func writeWS(t *testing.T, c *websocket.Conn, s string) {
	t.Helper()
	if err := c.WriteMessage(websocket.TextMessage, []byte(s)); err != nil {
		t.Fatalf("writing %q: %v", s, err)
	}
}

// waitClosed reads until the server closes the WebSocket and returns the
// read error.
func waitClosed(t *testing.T, c *websocket.Conn) error {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(waitTimeout))
	for {
		if _, _, err := c.ReadMessage(); err != nil {
			var ne interface{ Timeout() bool }
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatal("the server did not close the WebSocket")
			}
			return err
		}
	}
}

// waitFor polls cond until it holds or the wait times out.
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

// pollPending tells whether a GET is waiting on the session.
func pollPending(s *Session) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pollPending
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
