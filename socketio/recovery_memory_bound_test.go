package socketio

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// heap is the live heap after a full collection.
func heap() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// disconnectedSessions connects n clients, each in room "all" and given
// one event, then drops them all, and waits until their sessions are
// saved. It returns the sessions' socket ids, pids and last offsets.
func disconnectedSessions(tb testing.TB, ts *testServer, n int) (sids, pids, offsets []string) {
	tb.Helper()
	url := ts.wsURL("EIO=4")
	for i := 0; i < n; i++ {
		ws, resp, err := websocket.DefaultDialer.Dial(url, nil)
		if resp != nil && resp.Body != nil {
			resp.Body.Close()
		}
		if err != nil {
			tb.Fatal(err)
		}
		read := func() string {
			_ = ws.SetReadDeadline(time.Now().Add(waitTimeout))
			for {
				_, b, err := ws.ReadMessage()
				if err != nil {
					tb.Fatal(err)
				}
				if s := string(b); s != "2" && s[0] != '0' {
					return s
				}
			}
		}
		_ = ws.WriteMessage(websocket.TextMessage, []byte("40"))
		m := connectPIDReply.FindStringSubmatch(read()[1:])
		if m == nil {
			tb.Fatal("no CONNECT")
		}
		sids, pids = append(sids, m[2]), append(pids, m[3])
		// The handler joins "all" and emits "hello"; its last argument is
		// the offset.
		ev := read()
		offsets = append(offsets, ev[strings.LastIndex(ev[:len(ev)-2], `"`)+1:len(ev)-2])
		ws.Close()
	}
	deadline := time.Now().Add(30 * time.Second)
	for ts.srv.RecoveryStats().Saved < uint64(n) {
		if time.Now().After(deadline) {
			tb.Fatalf("%d of %d sessions saved", ts.srv.RecoveryStats().Saved, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return sids, pids, offsets
}

// newMemoryServer serves a Server with recovery in store; its connection
// handler puts sockets in "all" and emits them "hello".
func newMemoryServer(tb testing.TB, store *MemoryRecoveryStore) *testServer {
	tb.Helper()
	setup := func(srv *Server) {
		srv.Of("/").OnConnection(func(s *Socket) {
			s.Join("all")
			_ = s.Emit("hello")
		})
	}
	opts := Options{Recovery: &RecoveryOptions{Store: store}}
	if t, ok := tb.(*testing.T); ok {
		return newTestServer(t, opts, setup)
	}
	opts.Logger = quietLogger
	srv := NewServer(opts)
	setup(srv)
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", srv)
	ts := &testServer{srv: srv, hs: httptest.NewServer(mux)}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		_ = srv.Shutdown(ctx)
		ts.hs.Close()
	})
	return ts
}

// TestRecoveryMemoryBounded: 1,000 disconnected sessions each missing
// 1,000 packets. Broadcast to their room, the packets are kept once for
// all; sent to each socket alone (a million), the store keeps its
// MaxPackets newest and memory stops growing there.
func TestRecoveryMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("connects 1,000 clients")
	}
	const sessions, missed = 1000, 1000
	store := NewMemoryRecoveryStore(MemoryRecoveryStoreOptions{MaxPackets: 100_000})
	ts := newMemoryServer(t, store)
	nsp := ts.srv.Of("/")
	base := heap()
	sids, pids, offsets := disconnectedSessions(t, ts, sessions)
	withSessions := heap()
	for i := 0; i < missed; i++ {
		_ = nsp.To("all").Emit("m", i, "a payload of some thirty bytes")
	}
	shared := heap()
	t.Logf("%d sessions: %.0f B each; %d broadcasts they all missed: %.0f B each",
		sessions, float64(withSessions-base)/sessions, missed, float64(shared-withSessions)/missed)

	// One of them comes back: exactly at the cap, it gets all 1,000.
	c := ts.dial(t, "EIO=4")
	c.send(fmt.Sprintf(`0{"pid":%q,"offset":%q}`, pids[0], offsets[0]))
	for i := 0; i < missed; i++ {
		if name, args := c.event(); name != "m" || args[0] != float64(i) {
			t.Fatalf("replay %d: %s %v", i, name, args)
		}
	}
	if reply := c.text(); !strings.Contains(reply, sids[0]) {
		t.Fatalf("CONNECT %q, want %s", reply, sids[0])
	}
	c.close()

	// Now a thousand packets to each socket alone: a million in all, past
	// the store's bound of 100,000. Memory grows up to the bound, then no
	// more.
	flood := func(from, to int) {
		for i := from; i < to; i++ {
			for _, sid := range sids[1:] {
				_ = nsp.To(sid).Emit("p", i)
			}
		}
	}
	flood(0, 200)
	atBound := heap()
	flood(200, missed)
	after := heap()
	t.Logf("per-socket packets: %.1f MB at the bound (%d kept), %.1f MB after %d more",
		float64(atBound-shared)/1e6, store.packets.len(), float64(after-shared)/1e6, (missed-200)*(sessions-1))
	if n := store.packets.len(); n != 100_000 {
		t.Fatalf("store holds %d packets, want its bound 100,000", n)
	}
	// Past the bound the heap stays (within 10% and 4 MB of noise).
	if after > atBound+atBound/10+4<<20 {
		t.Fatalf("heap went from %d to %d bytes past the bound", atBound, after)
	}
	if growth := after - base; growth > 200<<20 {
		t.Fatalf("heap grew %d MB", growth>>20)
	}
}

// BenchmarkRecoveryMemory reports the memory of 1,000 disconnected
// sessions each missing 1,000 packets: broadcast to their room (kept once)
// and sent to each alone (kept up to the store's bound).
func BenchmarkRecoveryMemory(b *testing.B) {
	for _, mode := range []string{"room", "each"} {
		b.Run(mode, func(b *testing.B) {
			for n := 0; n < b.N; n++ {
				store := NewMemoryRecoveryStore(MemoryRecoveryStoreOptions{})
				ts := newMemoryServer(b, store)
				nsp := ts.srv.Of("/")
				base := heap()
				sids, _, _ := disconnectedSessions(b, ts, 1000)
				for i := 0; i < 1000; i++ {
					if mode == "room" {
						_ = nsp.To("all").Emit("m", i, "a payload of some thirty bytes")
						continue
					}
					for _, sid := range sids {
						_ = nsp.To(sid).Emit("m", i, "a payload of some thirty bytes")
					}
				}
				used := heap() - base
				b.ReportMetric(float64(used)/1e6, "MB")
				b.ReportMetric(float64(used)/1000, "B/session")
				b.ReportMetric(float64(store.packets.len()), "kept")
			}
		})
	}
}
