// Package siotest is a small Socket.IO client for Go tests: protocol 5
// over one real WebSocket, one namespace per client, events and
// acknowledgements both ways, binary attachments. It answers the server's
// pings itself.
//
// A Client's methods may be called from the test goroutine while its
// reader runs; Events is read by one goroutine at a time.
package siotest

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/rpsio/rpsio/socketio/parser"
)

// Wait bounds every wait of this package.
const Wait = 5 * time.Second

// Event is an event the server sent.
type Event struct {
	Name string
	Args []any
	// Ack answers it, when the server asked for an acknowledgement.
	Ack func(args ...any)
}

// Client is one socket on one namespace.
type Client struct {
	t    testing.TB
	ws   *websocket.Conn
	nsp  string
	ID   string
	wmu  sync.Mutex
	mu   sync.Mutex
	acks map[uint64]chan []any
	next uint64
	// Events receives the server's events; a DISCONNECT is the event
	// "disconnect" with the reason.
	Events chan Event
	// Closed is closed when the connection ends.
	Closed chan struct{}
	// OnEvent, if set before Dial returns events, answers events on the
	// reader goroutine instead of queueing them (for example "question").
	onEvent func(Event) bool
}

var sidRE = regexp.MustCompile(`"sid":"([^"]+)"`)

// Dial connects to base (http://host:port) and joins nsp with auth (a
// JSON object or ""). onEvent, when not nil, sees every event first and
// returns true when it handled it.
func Dial(t testing.TB, base, nsp, auth string, onEvent func(Event) bool) *Client {
	t.Helper()
	url := "ws" + strings.TrimPrefix(base, "http") + "/socket.io/?EIO=4&transport=websocket"
	d := websocket.Dialer{HandshakeTimeout: Wait}
	ws, resp, err := d.Dial(url, nil)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	c := &Client{t: t, ws: ws, nsp: nsp, acks: map[uint64]chan []any{}, Events: make(chan Event, 1024), Closed: make(chan struct{}), onEvent: onEvent}
	t.Cleanup(c.Close)
	_ = ws.SetReadDeadline(time.Now().Add(Wait))
	if _, open, err := ws.ReadMessage(); err != nil || len(open) == 0 || open[0] != '0' {
		t.Fatalf("open packet: %q %v", open, err)
	}
	prefix := ""
	if nsp != "/" {
		prefix = nsp + ","
	}
	c.write("40" + prefix + auth)
	for {
		_, m, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("waiting for CONNECT: %v", err)
		}
		if string(m) == "2" {
			c.write("3")
			continue
		}
		s := string(m)
		if !strings.HasPrefix(s, "40"+prefix) {
			t.Fatalf("CONNECT to %s: got %q", nsp, s)
		}
		c.ID = sidRE.FindStringSubmatch(s)[1]
		break
	}
	_ = ws.SetReadDeadline(time.Time{})
	go c.read()
	return c
}

func (c *Client) write(s string) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.WriteMessage(websocket.TextMessage, []byte(s))
}

func (c *Client) send(p *parser.Packet) {
	text, atts, err := parser.Encode(p)
	if err != nil {
		c.t.Errorf("encoding: %v", err)
		return
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.WriteMessage(websocket.TextMessage, append([]byte("4"), text...))
	for _, a := range atts {
		_ = c.ws.WriteMessage(websocket.BinaryMessage, a)
	}
}

func (c *Client) read() {
	defer close(c.Closed)
	var dec parser.Decoder
	for {
		mt, m, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		var p *parser.Packet
		if mt == websocket.BinaryMessage {
			p, err = dec.AddBinary(m)
		} else {
			if string(m) == "2" {
				c.write("3")
				continue
			}
			if len(m) == 0 || m[0] != '4' {
				continue
			}
			p, err = dec.AddText(m[1:])
		}
		if err != nil || p == nil {
			continue
		}
		switch p.Type {
		case parser.Event, parser.BinaryEvent:
			args := p.Data.([]any)
			name, _ := args[0].(string)
			e := Event{Name: name, Args: args[1:]}
			if p.HasID {
				id := p.ID
				e.Ack = func(args ...any) {
					if args == nil {
						args = []any{}
					}
					c.send(&parser.Packet{Type: parser.Ack, Namespace: c.nsp, ID: id, HasID: true, Data: args})
				}
			}
			if c.onEvent != nil && c.onEvent(e) {
				continue
			}
			c.Events <- e
		case parser.Ack, parser.BinaryAck:
			c.mu.Lock()
			ch := c.acks[p.ID]
			delete(c.acks, p.ID)
			c.mu.Unlock()
			if ch != nil {
				args, _ := p.Data.([]any)
				ch <- args
			}
		case parser.Disconnect:
			c.Events <- Event{Name: "disconnect", Args: []any{"io server disconnect"}}
		}
	}
}

// Emit sends an event.
func (c *Client) Emit(event string, args ...any) {
	c.send(&parser.Packet{Type: parser.Event, Namespace: c.nsp, Data: append([]any{event}, args...)})
}

// EmitWithAck sends an event and waits for the acknowledgement.
func (c *Client) EmitWithAck(event string, args ...any) []any {
	c.t.Helper()
	ch := make(chan []any, 1)
	c.mu.Lock()
	id := c.next
	c.next++
	c.acks[id] = ch
	c.mu.Unlock()
	c.send(&parser.Packet{Type: parser.Event, Namespace: c.nsp, ID: id, HasID: true, Data: append([]any{event}, args...)})
	select {
	case a := <-ch:
		return a
	case <-time.After(2 * Wait):
		c.t.Fatalf("no ack to %q", event)
		return nil
	}
}

// Expect waits for the next event other than those named in skip and
// checks its name.
func (c *Client) Expect(name string, skip ...string) Event {
	c.t.Helper()
	timeout := time.After(Wait)
	for {
		select {
		case e := <-c.Events:
			if contains(skip, e.Name) {
				continue
			}
			if e.Name != name {
				c.t.Fatalf("%s: got event %q %v, want %q", c.ID, e.Name, e.Args, name)
			}
			return e
		case <-timeout:
			c.t.Fatalf("%s: timed out waiting for %q", c.ID, name)
			return Event{}
		}
	}
}

// WaitFor waits for an event named name whose args satisfy match,
// skipping the others.
func (c *Client) WaitFor(name string, match func(args []any) bool) Event {
	c.t.Helper()
	timeout := time.After(Wait)
	for {
		select {
		case e := <-c.Events:
			if e.Name == name && (match == nil || match(e.Args)) {
				return e
			}
		case <-timeout:
			c.t.Fatalf("%s: timed out waiting for %q", c.ID, name)
			return Event{}
		}
	}
}

// NoEvent checks that nothing but skipped events is queued now.
func (c *Client) NoEvent(skip ...string) {
	c.t.Helper()
	for {
		select {
		case e := <-c.Events:
			if !contains(skip, e.Name) {
				c.t.Fatalf("%s: unexpected event %q %v", c.ID, e.Name, e.Args)
			}
		default:
			return
		}
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// Close closes the connection.
func (c *Client) Close() { _ = c.ws.Close() }

// JSON renders v for messages.
func JSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
