// Command conformance serves what the official Engine.IO and Socket.IO
// protocol test suites expect, plus a few events this repository's interop
// and SDK tests use. test/reference/server.js is its twin on the official
// Node server.
//
//	go run ./socketio/conformance --mode engine --addr 127.0.0.1:3000
//	go run ./socketio/conformance --mode socket --addr 127.0.0.1:3000
//
// With --redis-url it joins a cluster through adapter/redis (classic
// createAdapter format, or --redis-sharded for createShardedAdapter's) and
// serves the cluster events of issue 7 on "/" and "/custom"; --name is the
// node's name (the answer to "whoami"), --redis-prefix the channel prefix.
// Requests to the other nodes time out after 2 s, as the Node twin's
// requestsTimeout.
//
// --ping-interval and --ping-timeout set the heartbeat (default the test
// contract's 300ms / 200ms; bench/cluster runs it with production values,
// as it does the Node twin). --pprof-addr serves net/http/pprof on another
// address, for profiling it under a benchmark's load.
//
// It prints "listening <port>" on stdout once it accepts connections.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"sort"
	"syscall"
	"time"

	goredis "github.com/redis/go-redis/v9"

	redisadapter "github.com/rpsio/rpsio/adapter/redis"
	"github.com/rpsio/rpsio/socketio"
	"github.com/rpsio/rpsio/socketio/engineio"
)

func main() {
	mode := flag.String("mode", "socket", "engine (bare Engine.IO echo at /engine.io/) or socket (Socket.IO at /socket.io/)")
	addr := flag.String("addr", "127.0.0.1:3000", "listen address")
	redisURL := flag.String("redis-url", "", "join a cluster on this Redis (redis://host:port)")
	name := flag.String("name", "go", "this node's name, the answer to whoami")
	prefix := flag.String("redis-prefix", "socket.io", "channel prefix (Node's key / channelPrefix)")
	sharded := flag.Bool("redis-sharded", false, "sharded Pub/Sub (createShardedAdapter's format)")
	pingInterval := flag.Duration("ping-interval", 300*time.Millisecond, "Engine.IO ping interval (the test contract's by default)")
	pingTimeout := flag.Duration("ping-timeout", 200*time.Millisecond, "Engine.IO ping timeout (the test contract's by default)")
	pprofAddr := flag.String("pprof-addr", "", "serve net/http/pprof on this address (e.g. 127.0.0.1:6060); off by default")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if *pingInterval <= 0 || *pingTimeout <= 0 {
		fmt.Fprintln(os.Stderr, "--ping-interval and --ping-timeout must be positive")
		os.Exit(2)
	}
	hb := heartbeat{interval: *pingInterval, timeout: *pingTimeout}
	if *pprofAddr != "" {
		servePprof(*pprofAddr)
	}

	var handler http.Handler
	var shutdown func(context.Context) error
	switch *mode {
	case "engine":
		var eng *engineio.Server
		eng = engineio.NewServer(engineio.Options{
			PingInterval: hb.interval,
			PingTimeout:  hb.timeout,
			MaxPayload:   1_000_000,
			CORS:         &engineio.CORS{Origins: []string{"*"}},
			Logger:       log,
			OnConnection: func(s *engineio.Session) engineio.SessionHandler { return echo{s} },
		})
		mux := http.NewServeMux()
		mux.Handle("/engine.io/", eng)
		handler, shutdown = mux, eng.Shutdown
	case "socket":
		var adapter func(*socketio.Namespace) socketio.Adapter
		var rdb *goredis.Client
		if *redisURL != "" {
			ropts, err := goredis.ParseURL(*redisURL)
			if err != nil {
				fmt.Fprintln(os.Stderr, "--redis-url:", err)
				os.Exit(2)
			}
			rdb = goredis.NewClient(ropts)
			adapter = redisadapter.New(rdb, redisadapter.Options{
				Prefix:          *prefix,
				Sharded:         *sharded,
				RequestsTimeout: requestsTimeout,
				Logger:          log,
			}).Adapter
		}
		srv := NewSocketServer(log, adapter, *name, hb)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := srv.Run(ctx)
		cancel()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		mux := http.NewServeMux()
		mux.Handle("/socket.io/", srv)
		handler = mux
		shutdown = func(ctx context.Context) error {
			err := srv.Shutdown(ctx)
			if rdb != nil {
				_ = rdb.Close()
			}
			return err
		}
	default:
		fmt.Fprintln(os.Stderr, "unknown --mode", *mode)
		os.Exit(2)
	}

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

// echo sends every message back.
type echo struct{ s *engineio.Session }

func (e echo) OnMessage(p engineio.Packet) { _ = e.s.Send(p) }
func (e echo) OnClose(string)              {}

// requestsTimeout bounds the cluster requests, as requestsTimeout: 2000
// does on the Node twin.
const requestsTimeout = 2 * time.Second

// heartbeat is the Engine.IO ping interval and timeout.
type heartbeat struct{ interval, timeout time.Duration }

// servePprof serves the profiling endpoints on their own listener, never on
// the Socket.IO one.
func servePprof(addr string) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "--pprof-addr:", err)
		os.Exit(2)
	}
	fmt.Fprintf(os.Stderr, "pprof on http://%s/debug/pprof/\n", ln.Addr())
	go func() { _ = (&http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}).Serve(ln) }()
}

// NewSocketServer builds the socket-mode server; adapter nil means one
// node in memory. name answers "whoami".
func NewSocketServer(log *slog.Logger, adapter func(*socketio.Namespace) socketio.Adapter, name string, hb heartbeat) *socketio.Server {
	srv := socketio.NewServer(socketio.Options{
		PingInterval:   hb.interval,
		PingTimeout:    hb.timeout,
		MaxPayload:     1_000_000,
		ConnectTimeout: time.Second,
		CORS:           &engineio.CORS{Origins: []string{"*"}},
		Adapter:        adapter,
		Logger:         log,
	})
	onConnection := func(s *socketio.Socket) {
		nsp := s.Namespace()
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
		s.On("leave", func(e *socketio.Event) {
			if room, ok := arg(e, 0).(string); ok {
				s.Leave(room)
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
		// Cluster operations (issue 7). Those that wait run on their own
		// goroutine: a handler holds up its client's next packets.
		s.On("fetch-sockets", func(e *socketio.Event) {
			room, _ := arg(e, 0).(string)
			if !e.HasAck() {
				return
			}
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), requestsTimeout+time.Second)
				defer cancel()
				socks, err := nsp.In(room).FetchSockets(ctx)
				if err != nil {
					_ = e.Ack(map[string]any{"error": err.Error()})
					return
				}
				ids := make([]string, 0, len(socks))
				for _, so := range socks {
					ids = append(ids, so.ID)
				}
				sort.Strings(ids)
				_ = e.Ack(ids)
			}()
		})
		socketsOp := func(op func(ctx context.Context, b socketio.BroadcastOperator, target string) error) socketio.EventHandler {
			return func(e *socketio.Event) {
				room, _ := arg(e, 0).(string)
				target, _ := arg(e, 1).(string)
				_ = op(context.Background(), nsp.In(room), target)
				if e.HasAck() {
					_ = e.Ack()
				}
			}
		}
		s.On("sockets-join", socketsOp(func(ctx context.Context, b socketio.BroadcastOperator, target string) error {
			return b.SocketsJoin(ctx, target)
		}))
		s.On("sockets-leave", socketsOp(func(ctx context.Context, b socketio.BroadcastOperator, target string) error {
			return b.SocketsLeave(ctx, target)
		}))
		s.On("disconnect-room", func(e *socketio.Event) {
			room, _ := arg(e, 0).(string)
			// On its own goroutine: it may close this very connection.
			go func() { _ = nsp.In(room).DisconnectSockets(context.Background(), true) }()
		})
		s.On("server-side-emit", func(e *socketio.Event) {
			_ = nsp.ServerSideEmit(context.Background(), "ping-nodes", e.Args...)
		})
		s.On("nodes", func(e *socketio.Event) {
			if !e.HasAck() {
				return
			}
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), requestsTimeout+time.Second)
				defer cancel()
				names, _ := nsp.ServerSideEmitWithAck(ctx, "whoami")
				_ = e.Ack(sortedJS(names))
			}()
		})
		s.On("ask-all", func(e *socketio.Event) {
			args := e.Args
			go func() {
				answers, _ := nsp.Timeout(requestsTimeout).EmitWithAck(context.Background(), "question", args...)
				if e.HasAck() {
					_ = e.Ack(sortedJS(answers))
				}
			}()
		})
	}
	for _, n := range []string{"/", "/custom"} {
		nsp := srv.Of(n)
		nsp.OnConnection(onConnection)
		// Server-side events from the other nodes and the emitter.
		nsp.OnServerSideEmit("ping-nodes", func(args []any) {
			_ = nsp.Local().Emit("server-side", args...)
		})
		nsp.OnServerSideEmitWithAck("whoami", func(_ []any, ack func(any)) { ack(name) })
	}
	srv.Of("/refused").Use(func(*socketio.Socket) error {
		return &socketio.ConnectError{Message: "refused", Data: map[string]any{"reason": "test"}}
	})
	return srv
}

// sortedJS sorts as JavaScript's default sort does: by the values'
// string forms.
func sortedJS(vs []any) []any {
	out := append([]any{}, vs...)
	key := func(v any) string {
		if s, ok := v.(string); ok {
			return s
		}
		b, _ := json.Marshal(v)
		return string(b)
	}
	sort.SliceStable(out, func(i, j int) bool { return key(out[i]) < key(out[j]) })
	return out
}

func arg(e *socketio.Event, i int) any {
	if i < len(e.Args) {
		return e.Args[i]
	}
	return nil
}
