package main

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/rpsio/rpsio/server"
)

const waitTimeout = 5 * time.Second

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitReady polls /readyz until it answers 200.
func waitReady(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s/readyz never became ready (last: %v)", base, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// SIGTERM: the node closes its clients' Engine.IO sessions (no Socket.IO
// DISCONNECT, so they reconnect elsewhere), stops listening and returns well
// within --drain-timeout.
func TestSIGTERMDrains(t *testing.T) {
	addr := freeAddr(t)
	drain := 3 * time.Second
	cfg, err := server.ParseConfig([]string{"--addr", addr, "--drain-timeout", drain.String()}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	sig := make(chan os.Signal, 2)
	done := make(chan error, 1)
	go func() { done <- run(cfg, quietLog, sig) }()
	base := "http://" + addr
	waitReady(t, base)

	d := websocket.Dialer{HandshakeTimeout: waitTimeout}
	ws, resp, err := d.Dial("ws://"+addr+"/socket.io/?EIO=4&transport=websocket", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	defer ws.Close()
	_ = ws.SetReadDeadline(time.Now().Add(waitTimeout))
	if _, open, err := ws.ReadMessage(); err != nil || open[0] != '0' {
		t.Fatalf("open: %q %v", open, err)
	}
	_ = ws.WriteMessage(websocket.TextMessage, []byte("40/rps,{}"))
	if _, reply, err := ws.ReadMessage(); err != nil || !strings.HasPrefix(string(reply), "40/rps,") {
		t.Fatalf("connect: %q %v", reply, err)
	}

	start := time.Now()
	sig <- syscall.SIGTERM
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			if !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
				t.Fatalf("connection ended with %v, want a normal WebSocket close", err)
			}
			break
		}
		if strings.HasPrefix(string(data), "41") {
			t.Fatalf("got a Socket.IO DISCONNECT %q", data)
		}
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(drain + time.Second):
		t.Fatalf("still running %v after SIGTERM with --drain-timeout %v", time.Since(start), drain)
	}
	if el := time.Since(start); el > drain {
		t.Fatalf("drain took %v, over --drain-timeout %v", el, drain)
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Fatal("still listening after the drain")
	}
}

// --pprof-addr serves the profiles on its own address; the main port does
// not.
func TestPprof(t *testing.T) {
	ps, addr, err := startPprof("127.0.0.1:0", quietLog)
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/goroutine?debug=1", "/debug/pprof/heap", "/debug/pprof/cmdline"} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || len(b) == 0 {
			t.Fatalf("%s: %s (%d bytes)", path, resp.Status, len(b))
		}
	}

	mainAddr := freeAddr(t)
	cfg, err := server.ParseConfig([]string{"--addr", mainAddr, "--pprof-addr", freeAddr(t)}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	sig := make(chan os.Signal, 1)
	done := make(chan error, 1)
	go func() { done <- run(cfg, quietLog, sig) }()
	waitReady(t, "http://"+mainAddr)
	for _, target := range []string{mainAddr, cfg.PprofAddr} {
		resp, err := http.Get("http://" + target + "/debug/pprof/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		want := http.StatusOK
		if target == mainAddr {
			want = http.StatusNotFound
		}
		if resp.StatusCode != want {
			t.Fatalf("http://%s/debug/pprof/: %d, want %d", target, resp.StatusCode, want)
		}
	}
	sig <- syscall.SIGTERM
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// The pprof listener went with the process's run.
	if _, err := http.Get("http://" + cfg.PprofAddr + "/debug/pprof/"); err == nil {
		t.Fatal("pprof still served after run returned")
	}
}

// `rpsio healthcheck` exits 0 only when /readyz answers 200.
func TestHealthcheck(t *testing.T) {
	addr := freeAddr(t)
	env := func(k string) string {
		if k == "RPSIO_ADDR" {
			return addr
		}
		return ""
	}
	if code := healthcheck(nil, env); code != 1 {
		t.Fatalf("nothing listening: exit %d, want 1", code)
	}
	cfg, err := server.ParseConfig([]string{"--addr", addr}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	sig := make(chan os.Signal, 1)
	done := make(chan error, 1)
	go func() { done <- run(cfg, quietLog, sig) }()
	waitReady(t, "http://"+addr)
	if code := healthcheck(nil, env); code != 0 {
		t.Fatalf("ready node: exit %d, want 0", code)
	}
	if code := healthcheck([]string{"http://" + addr + "/nope"}, env); code != 1 {
		t.Fatalf("404: exit %d, want 1", code)
	}
	if code := healthcheck([]string{"a", "b"}, env); code != 2 {
		t.Fatalf("two arguments: exit %d, want 2", code)
	}
	sig <- syscall.SIGTERM
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
