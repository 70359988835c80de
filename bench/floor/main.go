// Command floor is the least a Go server can do to serve bench/load's
// contract, so that bench/load can show how far below the official Node
// server any Go design gets on this machine ("the floor"), and how much of it
// an event-driven network layer buys. It is a benchmark fixture in its own
// module: nothing in rpsio depends on it.
//
//	go build -o /tmp/bench-load/floor . && /tmp/bench-load/floor --io nbio --addr 127.0.0.1:0
//
// It speaks just enough Engine.IO 4 / Socket.IO 5 over WebSocket (no polling,
// no compression, main namespace only, event arguments passed through as bytes
// and never decoded) for bench/load: the handshake, a ping every 300 ms from
// one shared ticker (a session whose pong has not come back by the next tick
// is closed), CONNECT, and the events message, message-with-ack, join, leave
// and to-room of test/reference/server.js. A broadcast frame is built once for
// all receivers.
//
// Two network layers share that protocol code (proto.go) byte for byte:
//
//	--io net   one goroutine per connection blocked in Read (Go's netpoller),
//	           answers written by that goroutine with one Write
//	--io nbio  github.com/lesismal/nbio: no goroutine per connection; epoll in
//	           level-triggered mode, one read per readiness event, handlers run
//	           on the poller goroutine (--pollers of them, default 1 like Node's
//	           single event loop), non-blocking writes buffered by nbio when the
//	           socket is full
//	--io nbio-handoff  the same event loop, but what a product whose handlers
//	           may block must do: a pong is handled on the poller, anything else
//	           is appended to the session's inbox and handled by a goroutine
//	           started for it (at most one per session at a time, so the
//	           session's order holds; it ends when the inbox is empty)
//
// Connections are accepted by net.Listener in both (nbio takes them over with
// AddConn, as a net/http handler would hand them over).
//
// It prints "listening <port>" on stdout once it accepts connections. SIGUSR2
// runs a full collection (runtime.GC + debug.FreeOSMemory) and prints "gc done".
package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/lesismal/nbio"
	"github.com/lesismal/nbio/logging"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	io := flag.String("io", "nbio", "network layer: nbio (event-driven) or net (a goroutine per connection)")
	pollers := flag.Int("pollers", 1, "nbio poller goroutines")
	pingInterval := flag.Duration("ping-interval", 300*time.Millisecond, "Engine.IO ping interval")
	pingTimeout := flag.Duration("ping-timeout", 200*time.Millisecond, "Engine.IO ping timeout (announced; pongs are checked at the next ping)")
	flag.Parse()

	h := newHub(pingInterval.Milliseconds(), pingTimeout.Milliseconds())
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}

	var accept func(net.Conn)
	switch *io {
	case "net":
		accept = func(c net.Conn) { go serveNet(h, c.(*net.TCPConn)) }
	case "nbio", "nbio-handoff":
		logging.SetLevel(logging.LevelNone)
		eng := nbio.NewEngine(nbio.Config{NPoller: *pollers})
		handoff := *io == "nbio-handoff"
		eng.OnData(func(c *nbio.Conn, data []byte) {
			s, _ := c.Session().(*sess)
			if s == nil {
				return
			}
			if handoff {
				s.handOver(data)
				return
			}
			if err := s.onData(data); err != nil {
				s.close()
			}
		})
		eng.OnClose(func(c *nbio.Conn, err error) {
			if s, _ := c.Session().(*sess); s != nil {
				s.closed.Store(true)
				h.remove(s)
			}
		})
		if err := eng.Start(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		accept = func(c net.Conn) {
			// The session is set before the poller can see the connection.
			nc, err := nbio.NBConn(c)
			if err != nil {
				return
			}
			nc.SetSession(h.newSess(nc))
			if _, err := eng.AddConn(nc); err != nil {
				_ = nc.Close()
			}
		}
	default:
		fmt.Fprintln(os.Stderr, "--io: nbio or net")
		os.Exit(2)
	}

	go func() {
		t := time.NewTicker(*pingInterval)
		var buf []*sess
		for range t.C {
			buf = h.heartbeat(buf)
		}
	}()

	gcSig := make(chan os.Signal, 1)
	signal.Notify(gcSig, syscall.SIGUSR2)
	go func() {
		for range gcSig {
			runtime.GC()
			debug.FreeOSMemory()
			fmt.Println("gc done")
		}
	}()
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
		os.Exit(0)
	}()

	fmt.Printf("listening %d\n", ln.Addr().(*net.TCPAddr).Port)
	for {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		accept(c)
	}
}

// handOver runs on the poller: a lone pong frame is handled here (it only
// clears a flag), everything else goes to the session's inbox, drained by a
// goroutine of its own.
func (s *sess) handOver(data []byte) {
	s.hmu.Lock()
	if !s.draining && len(data) == 7 && data[0] == 0x81 && data[1] == 0x81 && data[6]^data[2] == '3' && s.open && len(s.in) == 0 {
		s.hmu.Unlock()
		s.awaitingPong.Store(false)
		return
	}
	s.inbox = append(s.inbox, data...)
	if !s.draining {
		s.draining = true
		go s.drain()
	}
	s.hmu.Unlock()
}

func (s *sess) drain() {
	var buf []byte
	for {
		s.hmu.Lock()
		if len(s.inbox) == 0 {
			s.draining = false
			s.hmu.Unlock()
			return
		}
		buf, s.inbox = s.inbox, buf[:0]
		s.hmu.Unlock()
		if err := s.onData(buf); err != nil {
			s.close()
		}
	}
}

// serveNet is the goroutine of one connection in the --io net variant.
func serveNet(h *hub, c *net.TCPConn) {
	s := h.newSess(c)
	defer s.close()
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if s.onData(buf[:n]) != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
