package socketio

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Environment of the client process of BenchmarkIdleConnections.
const (
	helperURLEnv   = "SOCKETIO_BENCH_HELPER_URL"
	helperConnsEnv = "SOCKETIO_BENCH_HELPER_CONNS"
	// benchConnsEnv overrides the number of idle connections (default 5000).
	benchConnsEnv = "SOCKETIO_BENCH_CONNS"
)

// benchServer serves srv on a loopback port; stop ends both.
func benchServer(b *testing.B, srv *Server) (wsURL string, stop func()) {
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", srv)
	hs := httptest.NewServer(mux)
	return "ws" + strings.TrimPrefix(hs.URL, "http") + "/socket.io/?EIO=4&transport=websocket", func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			b.Errorf("Shutdown: %v", err)
		}
		hs.Close()
	}
}

// dialSocketIO opens a raw WebSocket and joins "/": it reads the open
// packet, sends "40" and reads the CONNECT reply.
func dialSocketIO(d *websocket.Dialer, url string) (*websocket.Conn, error) {
	ws, resp, err := d.Dial(url, nil)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		return nil, err
	}
	_ = ws.SetReadDeadline(time.Now().Add(30 * time.Second))
	if _, open, err := ws.ReadMessage(); err != nil || len(open) == 0 || open[0] != '0' {
		ws.Close()
		return nil, fmt.Errorf("open packet %q: %v", open, err)
	}
	if err := ws.WriteMessage(websocket.TextMessage, []byte("40")); err != nil {
		ws.Close()
		return nil, err
	}
	if _, reply, err := ws.ReadMessage(); err != nil || !strings.HasPrefix(string(reply), `40{"sid":`) {
		ws.Close()
		return nil, fmt.Errorf("CONNECT reply %q: %v", reply, err)
	}
	_ = ws.SetReadDeadline(time.Time{})
	return ws, nil
}

// memInUse is the heap and the stack memory in use after a full
// collection.
func memInUse() (heap, stack int64) {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse), int64(m.StackInuse)
}

// BenchmarkIdleConnections measures the server's memory per idle WebSocket
// connection joined to "/". The clients run in a child process (this test
// binary again, running TestHelperClients) so that their memory is not
// counted. Each run opens the connections once, whatever b.N.
func BenchmarkIdleConnections(b *testing.B) {
	n := 5000
	if v, err := strconv.Atoi(os.Getenv(benchConnsEnv)); err == nil && v > 0 {
		n = v
	}
	srv := NewServer(Options{Logger: quietLogger})
	nsp := srv.Of("/")
	url, stop := benchServer(b, srv)
	defer stop()

	goroutinesBefore := runtime.NumGoroutine()
	heapBefore, stackBefore := memInUse()
	start := time.Now()

	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperClients$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperURLEnv+"="+url, helperConnsEnv+"="+strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		stdin.Close() // the helper closes its connections and exits
		if err := cmd.Wait(); err != nil {
			b.Errorf("helper: %v", err)
		}
	}()
	lines := bufio.NewScanner(stdout)
	ready := false
	for !ready && lines.Scan() {
		ready = lines.Text() == "ready"
	}
	if !ready {
		b.Fatal("the helper process ended before its clients were connected")
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	deadline := time.Now().Add(time.Minute)
	for len(nsp.LocalSockets()) < n {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d sockets connected", len(nsp.LocalSockets()), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	connectTime := time.Since(start)
	heapAfter, stackAfter := memInUse()
	goroutines := runtime.NumGoroutine() - goroutinesBefore

	heap, stack := heapAfter-heapBefore, stackAfter-stackBefore
	b.ReportMetric(float64(heap+stack)/float64(n), "bytes/conn")
	b.ReportMetric(float64(heap)/float64(n), "heap-bytes/conn")
	b.ReportMetric(float64(stack)/float64(n), "stack-bytes/conn")
	b.ReportMetric(float64(goroutines)/float64(n), "goroutines/conn")
	b.ReportMetric(float64(connectTime.Nanoseconds())/float64(n), "ns/conn")
	b.ReportMetric(float64(n), "conns")
}

// TestHelperClients is the client process of BenchmarkIdleConnections; it
// skips unless started by it. It opens the connections, prints "ready",
// answers pings until its stdin closes, then closes them.
func TestHelperClients(t *testing.T) {
	url := os.Getenv(helperURLEnv)
	if url == "" {
		t.Skip("client process of BenchmarkIdleConnections")
	}
	n, err := strconv.Atoi(os.Getenv(helperConnsEnv))
	if err != nil {
		t.Fatal(err)
	}
	d := &websocket.Dialer{HandshakeTimeout: 30 * time.Second, ReadBufferSize: 256, WriteBufferSize: 256}
	conns := make([]*websocket.Conn, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				ws, err := dialSocketIO(d, url)
				if err != nil {
					select {
					case errs <- err:
					default:
					}
					return
				}
				conns[i] = ws
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("dial: %v", err)
	}
	var readers sync.WaitGroup
	for _, ws := range conns {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				_, msg, err := ws.ReadMessage()
				if err != nil {
					return
				}
				if string(msg) == "2" {
					_ = ws.WriteMessage(websocket.TextMessage, []byte("3"))
				}
			}
		}()
	}
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
	for _, ws := range conns {
		ws.Close()
	}
	readers.Wait()
}

// BenchmarkAckRoundTrip: one WebSocket client emits events with an ack id
// and waits for each ack (the handler acks at once), one at a time.
func BenchmarkAckRoundTrip(b *testing.B) {
	srv := NewServer(Options{Logger: quietLogger})
	srv.Of("/").OnConnection(func(s *Socket) {
		s.On("ping", func(e *Event) { _ = e.Ack(e.Args...) })
	})
	url, stop := benchServer(b, srv)
	defer stop()
	ws, err := dialSocketIO(&websocket.Dialer{}, url)
	if err != nil {
		b.Fatal(err)
	}
	defer ws.Close()

	var out, want []byte
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		id := strconv.AppendInt(nil, int64(i), 10)
		out = append(append(append(out[:0], "42"...), id...), `["ping","payload"]`...)
		want = append(append(append(want[:0], "43"...), id...), `["payload"]`...)
		if err := ws.WriteMessage(websocket.TextMessage, out); err != nil {
			b.Fatal(err)
		}
		for {
			_, msg, err := ws.ReadMessage()
			if err != nil {
				b.Fatal(err)
			}
			if string(msg) == "2" { // heartbeat
				_ = ws.WriteMessage(websocket.TextMessage, []byte("3"))
				continue
			}
			if string(msg) != string(want) {
				b.Fatalf("got %q, want %q", msg, want)
			}
			break
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "acks/s")
}

// BenchmarkBroadcast: one op is one event broadcast to a room of 100
// sockets (each its own WebSocket connection), counted until every client
// has read it. The broadcaster stays at most 256 events ahead of the
// slowest client so no queue fills.
func BenchmarkBroadcast(b *testing.B) {
	const (
		clients = 100
		mark    = 16  // clients report every mark events
		ahead   = 256 // a multiple of mark
	)
	srv := NewServer(Options{Logger: quietLogger})
	srv.Of("/").OnConnection(func(s *Socket) { s.Join("room") })
	nsp := srv.Of("/")
	url, stop := benchServer(b, srv)
	defer stop()

	marks := make(chan int, clients*4)
	var readers sync.WaitGroup
	conns := make([]*websocket.Conn, clients)
	for i := range conns {
		ws, err := dialSocketIO(&websocket.Dialer{}, url)
		if err != nil {
			b.Fatal(err)
		}
		conns[i] = ws
		readers.Add(1)
		go func() {
			defer readers.Done()
			count := 0
			for {
				_, msg, err := ws.ReadMessage()
				if err != nil {
					return
				}
				if string(msg) == "2" {
					_ = ws.WriteMessage(websocket.TextMessage, []byte("3"))
					continue
				}
				if count++; count%mark == 0 {
					marks <- count
				}
			}
		}()
	}
	defer func() {
		for _, ws := range conns {
			ws.Close()
		}
		readers.Wait()
	}()
	// Every client in the room (OnConnection joins it after the CONNECT
	// reply has gone out, so being connected is not enough).
	for {
		in, err := nsp.In("room").FetchSockets(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if len(in) == clients {
			break
		}
		runtime.Gosched()
	}

	reached := map[int]int{} // mark -> clients that reached it
	waitMark := func(m int) {
		for reached[m] < clients {
			reached[<-marks]++
		}
		delete(reached, m)
	}
	payload := map[string]any{"round": 3, "moves": []any{"rock", "paper"}, "scores": map[string]any{"a": 1, "b": 2}}
	// Round the number of events up to a multiple of mark so that the
	// clients' last report is the end.
	total := (b.N + mark - 1) / mark * mark
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < total; i++ {
		if i%mark == 0 && i >= ahead {
			waitMark(i - ahead + mark)
		}
		if err := nsp.To("room").Emit("state", payload); err != nil {
			b.Fatal(err)
		}
	}
	for m := max(mark, total-ahead+mark); m <= total; m += mark {
		waitMark(m)
	}
	b.StopTimer()
	b.ReportMetric(float64(total*clients)/b.Elapsed().Seconds(), "deliveries/s")
}
