// Package wslib compares WebSocket libraries for the rpsio Socket.IO server:
// github.com/gorilla/websocket, github.com/coder/websocket and
// github.com/lxzan/gws.
//
// Every adapter serves the same per-connection shape from a plain
// net/http handler (Gin mounts an http.Handler unchanged):
//
//   - one reader goroutine, blocked reading the next message;
//   - one writer goroutine, blocked on the connection's bounded outbound
//     queue (a buffered channel of queueCap messages);
//   - every data message read is put on the queue, so the server echoes it.
//
// The Hub below owns that shape so that the adapters differ only in the
// library calls. See README.md for how the benchmarks use it.
package wslib

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// queueCap is the capacity of each connection's bounded outbound queue.
const queueCap = 16

// readLimit is the largest message any adapter accepts (coder/websocket's
// default of 32 KiB would otherwise differ from the other libraries).
const readLimit = 1 << 20

// outMsg is one queued outbound message.
type outMsg struct {
	data []byte
	// release, if set, is closed once the message has been written: gws hands
	// the reader a pooled buffer that goes back to its pool this way.
	release io.Closer
	binary  bool
}

// conn is the library-independent state of one connection.
type conn struct {
	out     chan outMsg   // bounded outbound queue; nil if the adapter has none
	rdone   chan struct{} // closed when the reader has stopped
	wdone   chan struct{} // closed when the writer has stopped (or never ran)
	closeFn func()        // closes the underlying connection; idempotent
	once    sync.Once
}

// close closes the underlying connection once.
func (c *conn) close() { c.once.Do(c.closeFn) }

// enqueue puts m on the outbound queue, blocking while the queue is full
// (back-pressure on the reader). It reports false if the writer has gone.
func (c *conn) enqueue(m outMsg) bool {
	select {
	case c.out <- m:
		return true
	case <-c.wdone:
		return false
	}
}

// Hub tracks the connections and goroutines the adapters start.
type Hub struct {
	// ReaderInHandler makes the net/http handler goroutine itself run the
	// reader loop instead of starting a new goroutine and returning.
	ReaderInHandler bool

	wg     sync.WaitGroup // one count per reader and writer goroutine
	active atomic.Int64   // connections whose reader has not stopped yet
	mu     sync.Mutex
	conns  map[*conn]struct{}
}

// NewHub returns an empty Hub.
func NewHub(readerInHandler bool) *Hub {
	return &Hub{ReaderInHandler: readerInHandler, conns: make(map[*conn]struct{})}
}

// Active is the number of connections whose reader is still running.
func (h *Hub) Active() int { return int(h.active.Load()) }

// newConn registers a freshly upgraded connection. closeFn must close the
// underlying network connection; withQueue creates the outbound queue.
func (h *Hub) newConn(closeFn func(), withQueue bool) *conn {
	c := &conn{
		rdone:   make(chan struct{}),
		wdone:   make(chan struct{}),
		closeFn: closeFn,
	}
	if withQueue {
		c.out = make(chan outMsg, queueCap)
	} else {
		close(c.wdone)
	}
	h.mu.Lock()
	h.conns[c] = struct{}{}
	h.mu.Unlock()
	h.active.Add(1)
	return c
}

// startWriter starts c's writer goroutine: it blocks on the outbound queue
// and writes each message with write, until the reader stops or a write fails.
func (h *Hub) startWriter(c *conn, write func(outMsg) error) {
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		defer close(c.wdone)
		for {
			select {
			case m := <-c.out:
				err := write(m)
				if m.release != nil {
					m.release.Close()
				}
				if err != nil {
					c.close() // makes the reader fail too
					return
				}
			case <-c.rdone:
				for {
					select {
					case m := <-c.out:
						if m.release != nil {
							m.release.Close()
						}
					default:
						return
					}
				}
			}
		}
	}()
}

// runReader runs loop as c's reader, in this goroutine (the handler's) if
// h.ReaderInHandler, else in a new goroutine. loop returns when the
// connection fails; the connection is then closed and unregistered.
func (h *Hub) runReader(c *conn, loop func()) {
	h.wg.Add(1)
	run := func() {
		defer h.wg.Done()
		defer func() {
			c.close()
			close(c.rdone)
			h.mu.Lock()
			delete(h.conns, c)
			h.mu.Unlock()
			h.active.Add(-1)
		}()
		loop()
	}
	if h.ReaderInHandler {
		run()
	} else {
		go run()
	}
}

// Wait waits up to timeout for every reader and writer goroutine to return.
func (h *Hub) Wait(timeout time.Duration) error {
	done := make(chan struct{})
	go func() { h.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-time.After(timeout):
		return fmt.Errorf("wslib: %d connection(s) still active after %v", h.Active(), timeout)
	}
}

// Shutdown closes every connection from the server side and waits up to
// timeout for all reader and writer goroutines to return.
func (h *Hub) Shutdown(timeout time.Duration) error {
	h.mu.Lock()
	cs := make([]*conn, 0, len(h.conns))
	for c := range h.conns {
		cs = append(cs, c)
	}
	h.mu.Unlock()
	for _, c := range cs {
		c.close()
	}
	return h.Wait(timeout)
}

var errNoWrite = errors.New("wslib: this adapter does not write")
