package server

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// eioConn is one Engine.IO 4 WebSocket to a test server, the part every raw
// test client here shares (rpsClient, nsClient, recClient): it answers the
// server's pings itself and hands every other frame, in order, to frames,
// which is closed once the connection ends (err then says why).
type eioConn struct {
	t      *testing.T
	ws     *websocket.Conn
	wmu    sync.Mutex
	frames chan string
	err    error // the read error, once frames is closed
}

// dialEIO opens a WebSocket session on the server at base (an http:// URL),
// reads its open packet, and closes the connection when the test ends.
func dialEIO(t *testing.T, base string) *eioConn {
	t.Helper()
	u := "ws" + strings.TrimPrefix(base, "http") + "/socket.io/?EIO=4&transport=websocket"
	d := websocket.Dialer{HandshakeTimeout: waitTimeout}
	ws, resp, err := d.Dial(u, nil)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	c := &eioConn{t: t, ws: ws, frames: make(chan string, 1024)}
	t.Cleanup(func() { ws.Close() })
	go c.readLoop()
	select {
	case f, ok := <-c.frames:
		if !ok {
			t.Fatalf("connection ended (%v) before the open packet", c.err)
		}
		if !strings.HasPrefix(f, "0{") {
			t.Fatalf("open packet %q", f)
		}
	case <-time.After(waitTimeout):
		t.Fatal("no open packet")
	}
	return c
}

func (c *eioConn) readLoop() {
	defer close(c.frames)
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			c.err = err
			return
		}
		if string(data) == "2" {
			c.send("3")
			continue
		}
		c.frames <- string(data)
	}
}

// send writes one text frame; writes from several goroutines are serialized.
func (c *eioConn) send(text string) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.WriteMessage(websocket.TextMessage, []byte(text))
}
