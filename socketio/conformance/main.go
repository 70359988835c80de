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
// With --recovery DURATION (0 or absent: off) connection state recovery is
// on with that maximum disconnection duration, in memory, or in Redis with
// --redis-url (any node of the cluster recovers a session); the events
// "rooms" (ack: the socket's rooms, sorted) and "emit-many" (rooms, event,
// count: the i-th of count events, with argument i, goes to rooms[i mod
// len]) serve the recovery tests.
//
// It prints "listening <port>" on stdout once it accepts connections.
// SIGUSR2 runs a full collection and prints "gc done" (bench/load reads
// memory after it).
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
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"sort"
	"syscall"
	"time"

	goredis "github.com/redis/go-redis/v9"

	redisadapter "github.com/rpsio/rpsio/adapter/redis"
	"github.com/rpsio/rpsio/internal/pprofserver"
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
	recovery := flag.Duration("recovery", 0, "connection state recovery with this maximum disconnection duration (0: off)")
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

	// bench/load reads the memory of a server after a full collection:
	// SIGUSR2 runs one and answers "gc done" on stdout.
	gcSig := make(chan os.Signal, 1)
	signal.Notify(gcSig, syscall.SIGUSR2)
	go func() {
		for range gcSig {
			// Each collection halves the stacks of idle goroutines at most
			// once: a few of them reach the state a long-running server is
			// in (the runtime collects at least every 2 min).
			for range 3 {
				runtime.GC()
			}
			debug.FreeOSMemory()
			fmt.Println("gc done")
		}
	}()

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
		var rec *socketio.RecoveryOptions
		if *recovery > 0 {
			rec = &socketio.RecoveryOptions{MaxDisconnectionDuration: *recovery}
		}
		var rdb *goredis.Client
		if *redisURL != "" {
			ropts, err := goredis.ParseURL(*redisURL)
			if err != nil {
				fmt.Fprintln(os.Stderr, "--redis-url:", err)
				os.Exit(2)
			}
			rdb = goredis.NewClient(ropts)
			cluster := redisadapter.New(rdb, redisadapter.Options{
				Prefix:          *prefix,
				Sharded:         *sharded,
				RequestsTimeout: requestsTimeout,
				Logger:          log,
			})
			adapter = cluster.Adapter
			if rec != nil {
				rec.Store = cluster.RecoveryStore(redisadapter.RecoveryStoreOptions{})
			}
		}
		srv := NewSocketServer(log, adapter, *name, hb, rec)
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
	_, a, err := pprofserver.Start(addr, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "--pprof-addr:", err)
		os.Exit(2)
	}
	fmt.Fprintf(os.Stderr, "pprof on http://%s/debug/pprof/\n", a)
}

// NewSocketServer builds the socket-mode server; adapter nil means one
// node in memory. name answers "whoami". rec nil: recovery off.
func NewSocketServer(log *slog.Logger, adapter func(*socketio.Namespace) socketio.Adapter, name string, hb heartbeat, rec *socketio.RecoveryOptions) *socketio.Server {
	srv := socketio.NewServer(socketio.Options{
		PingInterval:   hb.interval,
		PingTimeout:    hb.timeout,
		MaxPayload:     1_000_000,
		ConnectTimeout: time.Second,
		CORS:           &engineio.CORS{Origins: []string{"*"}},
		Adapter:        adapter,
		Recovery:       rec,
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
		// Recovery tests.
		s.On("rooms", func(e *socketio.Event) {
			if e.HasAck() {
				_ = e.Ack(s.Rooms()) // sorted
			}
		})
		s.On("emit-many", func(e *socketio.Event) {
			rooms, _ := arg(e, 0).([]any)
			event, _ := arg(e, 1).(string)
			count, _ := arg(e, 2).(float64)
			for i := 0; i < int(count) && len(rooms) > 0; i++ {
				if room, ok := rooms[i%len(rooms)].(string); ok {
					_ = nsp.To(room).Emit(event, i)
				}
			}
			if e.HasAck() {
				_ = e.Ack()
			}
		})
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
