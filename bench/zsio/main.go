// Command zsio serves the bench/load contract on github.com/zishang520/socket.io
// v3, the Go port of the official Node server, so that bench/load can measure
// it beside ours and the official Node server in one run. It is a benchmark
// fixture in its own module: nothing in rpsio depends on it.
//
//	go build -o /tmp/bench-load/zsio . && /tmp/bench-load/zsio --addr 127.0.0.1:0
//
// It prints "listening <port>" on stdout once it accepts connections, serves
// Socket.IO at /socket.io/ with the test contract's events (message,
// message-with-ack, join, to-room) and the same settings as
// test/reference/server.js (pings every 300 ms, 200 ms timeout, unless
// --ping-interval / --ping-timeout say otherwise). SIGUSR2 runs a full
// collection (runtime.GC + debug.FreeOSMemory) and prints "gc done".
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/zishang520/socket.io/servers/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:3000", "listen address")
	pingInterval := flag.Duration("ping-interval", 300*time.Millisecond, "Engine.IO ping interval")
	pingTimeout := flag.Duration("ping-timeout", 200*time.Millisecond, "Engine.IO ping timeout")
	flag.Parse()

	opts := socket.DefaultServerOptions()
	opts.SetPingInterval(*pingInterval)
	opts.SetPingTimeout(*pingTimeout)
	opts.SetMaxHttpBufferSize(1_000_000)
	opts.SetConnectTimeout(time.Second)
	opts.SetCors(&types.Cors{Origin: "*"})
	opts.SetServeClient(false)
	srv := socket.NewServer(nil, opts)

	onConnection := func(clients ...any) {
		s := clients[0].(*socket.Socket)
		_ = s.Emit("auth", s.Handshake().Auth)
		_ = s.On("message", func(args ...any) { _ = s.Emit("message-back", args...) })
		_ = s.On("message-with-ack", func(args ...any) {
			if len(args) == 0 {
				return
			}
			if ack, ok := args[len(args)-1].(socket.Ack); ok {
				ack(args[:len(args)-1], nil)
			}
		})
		_ = s.On("join", func(args ...any) {
			if len(args) > 0 {
				if room, ok := args[0].(string); ok {
					s.Join(socket.Room(room))
				}
				if ack, ok := args[len(args)-1].(socket.Ack); ok {
					ack([]any{}, nil)
				}
			}
		})
		_ = s.On("to-room", func(args ...any) {
			if len(args) < 2 {
				return
			}
			room, ok1 := args[0].(string)
			event, ok2 := args[1].(string)
			if ok1 && ok2 {
				_ = s.Nsp().To(socket.Room(room)).Emit(event, args[2:]...)
			}
		})
	}
	_ = srv.On("connection", onConnection)

	gcSig := make(chan os.Signal, 1)
	signal.Notify(gcSig, syscall.SIGUSR2)
	go func() {
		for range gcSig {
			runtime.GC()
			debug.FreeOSMemory()
			fmt.Println("gc done")
		}
	}()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", srv.ServeHandler(opts))
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
		os.Exit(0)
	}()
	fmt.Printf("listening %d\n", ln.Addr().(*net.TCPAddr).Port)
	_ = hs.Serve(ln)
}
