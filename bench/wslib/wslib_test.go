package wslib

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"

	coder "github.com/coder/websocket"
	gorilla "github.com/gorilla/websocket"
)

// testServer is an adapter served in this process on 127.0.0.1.
type testServer struct {
	addr    string
	hub     *Hub
	clients []*RawClient
}

// startTestServer serves a and registers a cleanup that closes the clients
// opened with dial, then checks that every reader and writer goroutine
// returned by itself and that no goroutine is left behind.
func startTestServer(tb testing.TB, a Adapter, readerInHandler bool) *testServer {
	tb.Helper()
	base := runtime.NumGoroutine()
	hub := NewHub(readerInHandler)
	srv, addr, err := startHTTP(a.New(hub))
	if err != nil {
		tb.Fatal(err)
	}
	ts := &testServer{addr: addr, hub: hub}
	tb.Cleanup(func() {
		for _, c := range ts.clients {
			c.Close()
		}
		if err := hub.Wait(10 * time.Second); err != nil {
			tb.Errorf("after the clients closed: %v", err)
			hub.Shutdown(5 * time.Second)
		}
		srv.Close()
		if err := waitGoroutines(base, 10*time.Second); err != nil {
			tb.Error(err)
		}
	})
	return ts
}

func (ts *testServer) dial(tb testing.TB) *RawClient {
	tb.Helper()
	c, err := DialRaw(ts.addr, 4096, 5*time.Second)
	if err != nil {
		tb.Fatal(err)
	}
	ts.clients = append(ts.clients, c)
	return c
}

func (ts *testServer) url() string { return "ws://" + ts.addr + "/ws" }

// forEachEcho runs f for every echoing adapter, with the reader in a new
// goroutine and in the handler goroutine.
func forEachEcho(t *testing.T, f func(t *testing.T, a Adapter, inHandler bool)) {
	for _, a := range Adapters {
		if a.NoEcho {
			continue
		}
		for _, inh := range []bool{false, true} {
			name := a.Name
			if inh {
				name += "/inhandler"
			}
			t.Run(name, func(t *testing.T) { f(t, a, inh) })
		}
	}
}

func roundTrip(t *testing.T, c *RawClient, binaryMsg bool, p []byte) {
	t.Helper()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if err := c.WriteMessage(binaryMsg, p); err != nil {
		t.Fatal(err)
	}
	op, got, err := c.ReadMessage()
	if err != nil {
		t.Fatalf("echo of %d bytes: %v", len(p), err)
	}
	want := byte(OpText)
	if binaryMsg {
		want = OpBinary
	}
	if op != want || !bytes.Equal(got, p) {
		t.Fatalf("echo of %d bytes (op %d): got op %d, %d bytes", len(p), want, op, len(got))
	}
}

func pattern(n, seed int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte('a' + (i+seed)%26)
	}
	return p
}

func TestEcho(t *testing.T) {
	forEachEcho(t, func(t *testing.T, a Adapter, inh bool) {
		ts := startTestServer(t, a, inh)
		c := ts.dial(t)
		roundTrip(t, c, false, []byte("hello"))
		roundTrip(t, c, false, []byte{})
		roundTrip(t, c, false, []byte(strings.Repeat("héllo wörld ", 400)))
		for i, n := range []int{0, 1, 125, 126, 127, 4096, 65535, 65536, 200000} {
			roundTrip(t, c, true, pattern(n, i))
		}
		// A second connection on the same server.
		roundTrip(t, ts.dial(t), true, pattern(1000, 7))
	})
}

// TestProtocol checks pings and a fragmented client message.
func TestProtocol(t *testing.T) {
	forEachEcho(t, func(t *testing.T, a Adapter, inh bool) {
		ts := startTestServer(t, a, inh)
		c := ts.dial(t)
		c.SetDeadline(time.Now().Add(10 * time.Second))
		if err := c.WriteFrame(OpPing, true, []byte("ping-1")); err != nil {
			t.Fatal(err)
		}
		op, p, err := c.ReadMessage()
		if err != nil || op != OpPong || string(p) != "ping-1" {
			t.Fatalf("ping: got op %d %q, err %v; want pong %q", op, p, err, "ping-1")
		}
		for _, f := range []struct {
			op  byte
			fin bool
			p   string
		}{{OpText, false, "hel"}, {OpContinuation, false, "lo, "}, {OpContinuation, true, "world"}} {
			if err := c.WriteFrame(f.op, f.fin, []byte(f.p)); err != nil {
				t.Fatal(err)
			}
		}
		op, p, err = c.ReadMessage()
		if err != nil || op != OpText || string(p) != "hello, world" {
			t.Fatalf("fragmented: got op %d %q, err %v", op, p, err)
		}
		roundTrip(t, c, true, []byte("after"))
	})
}

// TestPipelined sends many messages without waiting: the echoes must come
// back complete and in order through the bounded queue.
func TestPipelined(t *testing.T) {
	const n = 2000
	forEachEcho(t, func(t *testing.T, a Adapter, inh bool) {
		ts := startTestServer(t, a, inh)
		c := ts.dial(t)
		c.SetDeadline(time.Now().Add(30 * time.Second))
		msg := func(i int) []byte { return []byte(fmt.Sprintf("%06d:%s", i, pattern(i%700, i))) }
		errc := make(chan error, 1)
		go func() {
			for i := 0; i < n; i++ {
				if err := c.WriteMessage(i%2 == 1, msg(i)); err != nil {
					errc <- err
					return
				}
			}
			errc <- nil
		}()
		for i := 0; i < n; i++ {
			op, p, err := c.ReadMessage()
			if err != nil {
				t.Fatalf("message %d: %v", i, err)
			}
			want := byte(OpText)
			if i%2 == 1 {
				want = OpBinary
			}
			if op != want || !bytes.Equal(p, msg(i)) {
				t.Fatalf("message %d: got op %d %.20q", i, op, p)
			}
		}
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	})
}

// TestLibraryClients checks each server against two independent client
// implementations.
func TestLibraryClients(t *testing.T) {
	forEachEcho(t, func(t *testing.T, a Adapter, inh bool) {
		ts := startTestServer(t, a, inh)

		gc, _, err := gorilla.DefaultDialer.Dial(ts.url(), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer gc.Close()
		gc.SetReadDeadline(time.Now().Add(10 * time.Second))
		for i, m := range []struct {
			typ int
			p   []byte
		}{{gorilla.TextMessage, []byte("gorilla")}, {gorilla.BinaryMessage, pattern(70000, 3)}} {
			if err := gc.WriteMessage(m.typ, m.p); err != nil {
				t.Fatal(err)
			}
			typ, p, err := gc.ReadMessage()
			if err != nil || typ != m.typ || !bytes.Equal(p, m.p) {
				t.Fatalf("gorilla client message %d: type %d, %d bytes, err %v", i, typ, len(p), err)
			}
		}

		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		cc, _, err := coder.Dial(ctx, ts.url(), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer cc.CloseNow()
		cc.SetReadLimit(readLimit)
		for i, m := range []struct {
			typ coder.MessageType
			p   []byte
		}{{coder.MessageText, []byte("coder")}, {coder.MessageBinary, pattern(70000, 4)}} {
			if err := cc.Write(ctx, m.typ, m.p); err != nil {
				t.Fatal(err)
			}
			typ, p, err := cc.Read(ctx)
			if err != nil || typ != m.typ || !bytes.Equal(p, m.p) {
				t.Fatalf("coder client message %d: type %d, %d bytes, err %v", i, typ, len(p), err)
			}
		}
		// A proper closing handshake from a library client.
		if err := cc.Close(coder.StatusNormalClosure, "bye"); err != nil {
			t.Errorf("coder client close: %v", err)
		}
	})
}

// TestServerShutdown closes the connections from the server side: every
// client must see its connection end and every goroutine must return.
func TestServerShutdown(t *testing.T) {
	for _, a := range Adapters {
		t.Run(a.Name, func(t *testing.T) {
			ts := startTestServer(t, a, false)
			var cs []*RawClient
			for i := 0; i < 20; i++ {
				cs = append(cs, ts.dial(t))
			}
			deadline := time.Now().Add(5 * time.Second)
			for ts.hub.Active() != len(cs) && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			if err := ts.hub.Shutdown(5 * time.Second); err != nil {
				t.Fatal(err)
			}
			for i, c := range cs {
				c.SetDeadline(time.Now().Add(5 * time.Second))
				if op, _, err := c.ReadMessage(); err == nil && op != OpClose {
					t.Fatalf("client %d: read op %d after shutdown, want an error or a close frame", i, op)
				}
			}
		})
	}
}

// TestIdleHarness runs the memory measurement end to end with few
// connections: child processes, protocol, cleanup.
func TestIdleHarness(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	const n = 200
	for _, a := range Adapters {
		t.Run(a.Name, func(t *testing.T) {
			res, err := MeasureIdle(a.Name, n, false)
			if err != nil {
				t.Fatal(err)
			}
			hs, _, _, _, g := res.PerConn()
			want := 2.0 // reader + writer
			if a.Name == "gws-writeasync" {
				want = 1 // ReadLoop only
			}
			if res.Conns != n || math.Abs(g-want) > 0.05 {
				t.Errorf("%d conns, %.2f goroutines/conn; want %d, %.0f", res.Conns, g, n, want)
			}
			if hs <= 0 {
				t.Errorf("heap+stack per conn %.0f, want > 0", hs)
			}
			t.Logf("%s: %.0f B/conn heap+stack, %.2f goroutines/conn", a.Name, hs, g)
		})
	}
}
