package socketio

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/rpsio/rpsio/socketio/engineio"
)

// disconnectRecord is what a socket's disconnecting and disconnect handlers
// saw.
type disconnectRecord struct {
	reason             string
	roomsDisconnecting []string
	roomsDisconnect    []string
}

func TestDisconnectReasons(t *testing.T) {
	tests := []struct {
		name   string
		opts   Options
		noPong bool
		do     func(c *client, s *Socket, srv *Server)
		reason string
	}{
		{"client namespace disconnect", Options{}, false, func(c *client, _ *Socket, _ *Server) { c.send("1") }, ReasonClientNamespaceDisconnect},
		{"client closes", Options{}, false, func(c *client, _ *Socket, _ *Server) { c.close() }, engineio.ReasonTransportClose},
		{"client close packet", Options{}, false, func(c *client, _ *Socket, _ *Server) { c.writeRaw(websocket.TextMessage, []byte("1")) }, engineio.ReasonTransportClose},
		{"server namespace disconnect", Options{}, false, func(_ *client, s *Socket, _ *Server) { s.Disconnect(false) }, ReasonServerNamespaceDisconnect},
		{"server closes", Options{}, false, func(_ *client, s *Socket, _ *Server) { s.Disconnect(true) }, ReasonServerNamespaceDisconnect},
		{"ping timeout", Options{PingInterval: 50 * time.Millisecond, PingTimeout: 50 * time.Millisecond}, true, func(*client, *Socket, *Server) {}, engineio.ReasonPingTimeout},
		{"shutdown", Options{}, false, func(_ *client, _ *Socket, srv *Server) {
			ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
			defer cancel()
			_ = srv.Shutdown(ctx)
		}, engineio.ReasonServerShutdown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sockets := make(chan *Socket, 1)
			records := make(chan disconnectRecord, 1)
			ts := newTestServer(t, tt.opts, func(srv *Server) {
				srv.Of("/").OnConnection(func(s *Socket) {
					s.Join("room")
					var rec disconnectRecord
					s.OnDisconnecting(func(reason string) {
						rec.roomsDisconnecting = s.Rooms()
					})
					s.OnDisconnect(func(reason string) {
						rec.reason = reason
						rec.roomsDisconnect = s.Rooms()
						records <- rec
					})
					sockets <- s
				})
			})
			c := ts.dialWith(t, "EIO=4", tt.noPong)
			c.connect("/", "")
			s := recv(t, sockets)
			tt.do(c, s, ts.srv)
			rec := recv(t, records)
			if rec.reason != tt.reason {
				t.Fatalf("disconnect reason %q, want %q", rec.reason, tt.reason)
			}
			if !slices.Contains(rec.roomsDisconnecting, "room") || !slices.Contains(rec.roomsDisconnecting, s.ID()) {
				t.Fatalf("rooms while disconnecting %v", rec.roomsDisconnecting)
			}
			if len(rec.roomsDisconnect) != 0 {
				t.Fatalf("rooms after disconnect %v", rec.roomsDisconnect)
			}
			if s.Connected() || slices.Contains(ts.srv.Of("/").Adapter().Rooms(), "room") {
				t.Fatal("socket still connected or its room still there")
			}
		})
	}
}

func TestServerDisconnect(t *testing.T) {
	sockets := make(chan *Socket, 10)
	ts := newTestServer(t, Options{}, func(srv *Server) {
		for _, name := range []string{"/", "/custom"} {
			srv.Of(name).OnConnection(func(s *Socket) {
				s.On("echo", func(e *Event) { _ = s.Emit("echo", e.Args...) })
				sockets <- s
			})
		}
	})
	t.Run("namespace only", func(t *testing.T) {
		c := ts.dial(t, "EIO=4")
		c.connect("/", "")
		s := recv(t, sockets)
		c.connect("/custom", "")
		custom := recv(t, sockets)
		custom.Disconnect(false)
		c.expect("1/custom,")
		s.Disconnect(false)
		c.expect("1")
		s.Disconnect(false) // no effect
		// The connection stays: the client may join again.
		id := c.connect("/", "")
		if id == s.ID() {
			t.Fatal("a new socket has the old id")
		}
		recv(t, sockets)
		c.send(`2["echo",1]`)
		c.expect(`2["echo",1]`)
	})
	t.Run("close", func(t *testing.T) {
		c := ts.dial(t, "EIO=4")
		c.connect("/", "")
		s := recv(t, sockets)
		c.connect("/custom", "")
		custom := recv(t, sockets)
		s.Disconnect(true)
		// Every namespace is told, then the connection closes.
		got := []string{c.text(), c.text()}
		slices.Sort(got)
		if !reflect.DeepEqual(got, []string{"1", "1/custom,"}) {
			t.Fatalf("got %q, want a DISCONNECT for each namespace", got)
		}
		if s.Connected() || custom.Connected() {
			t.Fatal("sockets still connected")
		}
		err := c.waitClosed()
		if !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
			t.Fatalf("read error %v, want a normal close", err)
		}
	})
}

func TestHandlerPanicDisconnectsThatSocketOnly(t *testing.T) {
	reasons := make(chan string, 10)
	sockets := make(chan *Socket, 10)
	ts := newTestServer(t, Options{}, func(srv *Server) {
		srv.Of("/").OnConnection(func(s *Socket) {
			s.On("boom", func(*Event) { panic("handler bug") })
			s.On("echo", func(e *Event) { _ = s.Emit("echo", e.Args...) })
			s.OnDisconnect(func(r string) { reasons <- r })
			sockets <- s
		})
		srv.Of("/panics").OnConnection(func(s *Socket) { panic("connection handler bug") })
	})
	a, sa := ts.dialSocket(t, "", sockets)
	b, _ := ts.dialSocket(t, "", sockets)
	a.send(`2["boom"]`)
	a.expect("1")
	if r := recv(t, reasons); r != ReasonServerNamespaceDisconnect {
		t.Fatalf("reason %q", r)
	}
	if sa.Connected() {
		t.Fatal("the panicking socket is still connected")
	}
	b.send(`2["echo","still here"]`)
	b.expect(`2["echo","still here"]`)
	// a's connection survives too, and may join again.
	a.connect("/", "")
	recv(t, sockets)
	a.send(`2["echo","back"]`)
	a.expect(`2["echo","back"]`)
	// A panic in a connection handler disconnects the new socket.
	a.connect("/panics", "")
	a.expect("1/panics,")
}

func TestConnectTimeout(t *testing.T) {
	const timeout = 250 * time.Millisecond
	ts := newTestServer(t, Options{ConnectTimeout: timeout}, nil)
	start := time.Now()
	idle := ts.dial(t, "EIO=4")
	joined := ts.dial(t, "EIO=4")
	joined.connect("/", "")
	idle.waitClosed()
	if d := time.Since(start); d < timeout {
		t.Fatalf("closed after %v, before ConnectTimeout", d)
	}
	// The client that joined a namespace in time stays; a round trip after
	// the idle one was dropped shows it.
	joined.send("0/nope,")
	joined.expect(`4/nope,{"message":"Invalid namespace"}`)
	if n := ts.srv.Engine().Count(); n != 1 {
		t.Fatalf("%d sessions, want 1", n)
	}
}

// TestSlowClient: a client that stops reading is disconnected once its
// queue is full, while a broadcast of large messages to the same room goes
// on to the other clients, all of them, in order.
func TestSlowClient(t *testing.T) {
	const (
		messages = 300
		size     = 64 << 10
		window   = 8 // broadcasts (2 packets each) ahead of the fast clients, well below MaxQueuedPackets
	)
	sockets := make(chan *Socket, 10)
	slowGone := make(chan string, 1)
	ts := newTestServer(t, Options{MaxQueuedPackets: 64, WriteTimeout: 2 * time.Second}, func(srv *Server) {
		srv.Of("/").OnConnection(func(s *Socket) {
			s.Join("all")
			if s.Handshake().Auth["slow"] == true {
				s.OnDisconnect(func(r string) { slowGone <- r })
			}
			sockets <- s
		})
	})

	// The slow client: tiny receive buffer, reads its handshake, then never
	// reads again.
	ws, resp, err := smallBufferDialer().Dial(ts.wsURL("EIO=4"), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	defer ws.Close()
	_ = ws.SetReadDeadline(time.Now().Add(waitTimeout))
	if _, open, err := ws.ReadMessage(); err != nil || open[0] != '0' {
		t.Fatalf("open: %q %v", open, err)
	}
	_ = ws.WriteMessage(websocket.TextMessage, []byte(`40{"slow":true}`))
	if _, reply, err := ws.ReadMessage(); err != nil || !strings.HasPrefix(string(reply), `40{"sid"`) {
		t.Fatalf("connect: %q %v", reply, err)
	}
	slow := recv(t, sockets)

	// Two fast clients, each reading on its own goroutine and reporting the
	// number carried by every broadcast.
	type fast struct {
		c   *client
		got chan int
	}
	var fasts []fast
	for range 2 {
		c := ts.dial(t, "EIO=4")
		c.connect("/", "")
		recv(t, sockets)
		f := fast{c, make(chan int, messages)}
		fasts = append(fasts, f)
		go func() {
			// Each broadcast is 451-["m",N,{"_placeholder":true,"num":0}]
			// and the attachment.
			for range 2 * messages {
				select {
				case fr := <-c.frames:
					if fr.binary {
						if len(fr.data) != size {
							t.Errorf("attachment of %d bytes", len(fr.data))
						}
						continue
					}
					num, ok := strings.CutPrefix(string(fr.data), `451-["m",`)
					num, _, ok2 := strings.Cut(num, ",")
					n, err := strconv.Atoi(num)
					if !ok || !ok2 || err != nil {
						t.Errorf("frame %q", fr.data)
						return
					}
					f.got <- n
				case <-c.done:
					return
				}
			}
		}()
	}

	payload := make([]byte, size) // sent as an attachment: encoded once, shared by every queue
	nsp := ts.srv.Of("/")
	next := make([]int, len(fasts))
	expectUpTo := func(limit int) {
		t.Helper()
		for i, f := range fasts {
			for ; next[i] < limit; next[i]++ {
				if n := recv(t, f.got); n != next[i] {
					t.Fatalf("fast client %d got message %d, want %d", i, n, next[i])
				}
			}
		}
	}
	start := time.Now()
	goneAt, reason := -1, ""
	for i := range messages {
		expectUpTo(i - window)
		if err := nsp.To("all").Emit("m", i, payload); err != nil {
			t.Fatal(err)
		}
		if goneAt < 0 {
			select {
			case reason = <-slowGone:
				goneAt = i
			default:
			}
		}
	}
	expectUpTo(messages)
	elapsed := time.Since(start)
	if goneAt < 0 {
		reason = recv(t, slowGone)
	}
	if reason != engineio.ReasonSlowClient && reason != engineio.ReasonTransportError {
		t.Fatalf("slow client disconnected with %q", reason)
	}
	if slow.Connected() || len(nsp.LocalSockets()) != 2 {
		t.Fatalf("slow socket connected %v, %d sockets", slow.Connected(), len(nsp.LocalSockets()))
	}
	t.Logf("%d broadcasts of %d KiB to 3 clients in %v; the slow one was dropped (%s) after %d", messages, size>>10, elapsed, reason, goneAt)
}

func TestShutdown(t *testing.T) {
	checkGoroutines := goroutineBaseline(t)
	reasons := make(chan string, 10)
	sockets := make(chan *Socket, 10)
	ts := newTestServer(t, Options{}, func(srv *Server) {
		srv.Of("/").OnConnection(func(s *Socket) {
			s.OnDisconnect(func(r string) { reasons <- r })
			sockets <- s
		})
	})
	var clients []*client
	for range 3 {
		c, _ := ts.dialSocket(t, "", sockets)
		clients = append(clients, c)
	}
	v3 := ts.dial(t, "EIO=3")
	v3.expect("0")
	recv(t, sockets)
	clients = append(clients, v3)
	idle := ts.dial(t, "EIO=4") // no namespace
	clients = append(clients, idle)

	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := ts.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ts.srv.Shutdown(ctx); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
	for range 4 {
		if r := recv(t, reasons); r != engineio.ReasonServerShutdown {
			t.Fatalf("reason %q", r)
		}
	}
	for _, c := range clients {
		c.waitClosed()
		c.close()
	}
	ts.hs.Close()
	checkGoroutines()
}

func TestEmitOrder(t *testing.T) {
	// Emits from one goroutine arrive in order, also mixed with binary.
	sockets := make(chan *Socket, 1)
	ts := newTestServer(t, Options{}, func(srv *Server) {
		srv.Of("/").OnConnection(func(s *Socket) { sockets <- s })
	})
	c, s := ts.dialSocket(t, "", sockets)
	for i := range 200 {
		var arg any = i
		if i%3 == 0 {
			arg = []byte(fmt.Sprint(i))
		}
		if err := s.Emit("n", arg); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 200 {
		_, args := c.event()
		want := []any{float64(i)}
		if i%3 == 0 {
			want = []any{[]byte(fmt.Sprint(i))}
		}
		if !reflect.DeepEqual(args, want) {
			t.Fatalf("event %d: %#v", i, args)
		}
	}
}
