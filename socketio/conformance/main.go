// Command conformance serves what the official Engine.IO and Socket.IO
// protocol test suites expect, plus a few events this repository's interop
// and SDK tests use. test/reference/server.js is its twin on the official
// Node server.
//
//	go run ./socketio/conformance --mode engine --addr 127.0.0.1:3000
//	go run ./socketio/conformance --mode socket --addr 127.0.0.1:3000
//
// It prints "listening <port>" on stdout once it accepts connections. Pings
// go every 300 ms with a 200 ms timeout, as the suites expect, unless
// --ping-interval and --ping-timeout say otherwise. SIGUSR2 runs a full
// collection and prints "gc done" (bench/load reads memory after it).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/rpsio/rpsio/socketio"
	"github.com/rpsio/rpsio/socketio/engineio"
)

func main() {
	mode := flag.String("mode", "socket", "engine (bare Engine.IO echo at /engine.io/) or socket (Socket.IO at /socket.io/)")
	addr := flag.String("addr", "127.0.0.1:3000", "listen address")
	pingInterval := flag.Duration("ping-interval", 300*time.Millisecond, "Engine.IO ping interval (the suites want 300ms)")
	pingTimeout := flag.Duration("ping-timeout", 200*time.Millisecond, "Engine.IO ping timeout (the suites want 200ms)")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	var handler http.Handler
	var shutdown func(context.Context) error
	switch *mode {
	case "engine":
		var eng *engineio.Server
		eng = engineio.NewServer(engineio.Options{
			PingInterval: *pingInterval,
			PingTimeout:  *pingTimeout,
			MaxPayload:   1_000_000,
			CORS:         &engineio.CORS{Origins: []string{"*"}},
			Logger:       log,
			OnConnection: func(s *engineio.Session) engineio.SessionHandler { return echo{s} },
		})
		mux := http.NewServeMux()
		mux.Handle("/engine.io/", eng)
		handler, shutdown = mux, eng.Shutdown
	case "socket":
		srv := NewSocketServer(log, *pingInterval, *pingTimeout)
		mux := http.NewServeMux()
		mux.Handle("/socket.io/", srv)
		handler, shutdown = mux, srv.Shutdown
	default:
		fmt.Fprintln(os.Stderr, "unknown --mode", *mode)
		os.Exit(2)
	}

	// Profiling under load (docs/BENCHMARKS.md): CONFORMANCE_PPROF=addr
	// serves net/http/pprof there.
	if a := os.Getenv("CONFORMANCE_PPROF"); a != "" {
		go func() { _ = http.ListenAndServe(a, pprofMux()) }()
	}
	// bench/load reads the memory of a server after a full collection:
	// SIGUSR2 runs one and answers "gc done" on stdout.
	gcSig := make(chan os.Signal, 1)
	signal.Notify(gcSig, syscall.SIGUSR2)
	go func() {
		for range gcSig {
			// Each collection halves the stacks of idle goroutines at
			// most once: a few of them reach the state a long-running
			// server is in (the runtime collects at least every 2 min).
			for range 3 {
				runtime.GC()
			}
			debug.FreeOSMemory()
			fmt.Println("gc done")
		}
	}()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	hs := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = shutdown(ctx)
		_ = hs.Shutdown(ctx)
	}()
	fmt.Printf("listening %d\n", ln.Addr().(*net.TCPAddr).Port)
	if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func pprofMux() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("/debug/pprof/", pprof.Index)
	m.HandleFunc("/debug/pprof/profile", pprof.Profile)
	return m
}

// echo sends every message back.
type echo struct{ s *engineio.Session }

func (e echo) OnMessage(p engineio.Packet) { _ = e.s.Send(p) }
func (e echo) OnClose(string)              {}

// NewSocketServer builds the socket-mode server.
func NewSocketServer(log *slog.Logger, pingInterval, pingTimeout time.Duration) *socketio.Server {
	srv := socketio.NewServer(socketio.Options{
		PingInterval:   pingInterval,
		PingTimeout:    pingTimeout,
		MaxPayload:     1_000_000,
		ConnectTimeout: time.Second,
		CORS:           &engineio.CORS{Origins: []string{"*"}},
		Logger:         log,
	})
	onConnection := func(s *socketio.Socket) {
		_ = s.Emit("auth", s.Handshake().Auth)
		s.On("message", func(e *socketio.Event) { _ = s.Emit("message-back", e.Args...) })
		s.On("message-with-ack", func(e *socketio.Event) { _ = e.Ack(e.Args...) })
		// Extras used by this repository's interop and SDK tests.
		s.On("join", func(e *socketio.Event) {
			if room, ok := arg(e, 0).(string); ok {
				s.Join(room)
			}
			if e.HasAck() {
				_ = e.Ack()
			}
		})
		s.On("to-room", func(e *socketio.Event) {
			room, ok1 := arg(e, 0).(string)
			event, ok2 := arg(e, 1).(string)
			if ok1 && ok2 {
				_ = s.Namespace().To(room).Emit(event, e.Args[2:]...)
			}
		})
		s.On("kick", func(*socketio.Event) { s.Disconnect(false) })
		s.On("ask", func(e *socketio.Event) {
			args := e.Args
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				reply, err := s.EmitWithAck(ctx, "question", args...)
				if err != nil {
					_ = s.Emit("answer-timeout")
					return
				}
				_ = s.Emit("answer", reply...)
			}()
		})
	}
	srv.Of("/").OnConnection(onConnection)
	srv.Of("/custom").OnConnection(onConnection)
	srv.Of("/refused").Use(func(*socketio.Socket) error {
		return &socketio.ConnectError{Message: "refused", Data: map[string]any{"reason": "test"}}
	})
	return srv
}

func arg(e *socketio.Event, i int) any {
	if i < len(e.Args) {
		return e.Args[i]
	}
	return nil
}
