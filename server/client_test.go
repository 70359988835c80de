package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// binderApp is the application on a loopback port.
type binderApp struct {
	t      *testing.T
	app    *App
	hs     *httptest.Server
	killed bool // cut off from Redis by a test: Shutdown may fail
}

func newBinderApp(t *testing.T, edit func(c *Config)) *binderApp {
	t.Helper()
	cfg, err := ParseConfig([]string{"--token-secret", "test", "--gold-width", "3", "--gold-height", "3", "--gold-count", "2"}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(&cfg)
	}
	var w io.Writer = io.Discard
	if os.Getenv("RPSIO_TEST_LOG") != "" {
		w = os.Stderr
	}
	app, err := New(cfg, slog.New(slog.NewTextHandler(w, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := app.Run(ctx); err != nil {
		t.Fatal(err)
	}
	ta := &binderApp{t: t, app: app, hs: httptest.NewServer(app.Handler())}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		if err := app.Shutdown(ctx); err != nil && !ta.killed {
			t.Errorf("Shutdown: %v", err)
		}
		ta.hs.Close()
	})
	return ta
}

// get fetches path and decodes the JSON body.
func (ta *binderApp) get(path string) (int, map[string]any) {
	ta.t.Helper()
	res, err := http.Get(ta.hs.URL + path)
	if err != nil {
		ta.t.Fatal(err)
	}
	defer res.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		ta.t.Fatal(err)
	}
	return res.StatusCode, body
}

// nsEvent is an event a client received.
type nsEvent struct {
	name string
	data json.RawMessage
}

// nsClient is a minimal Socket.IO 5 client (Engine.IO 4 over WebSocket) on
// one namespace: enough to drive the game namespaces in process.
type nsClient struct {
	*eioConn
	nsp  string
	done chan struct{}

	mu      sync.Mutex
	events  []nsEvent
	read    map[string]int // event name -> events consumed
	acks    map[int]chan json.RawMessage
	nextAck int
	connErr json.RawMessage
	signal  chan struct{}
	welcome struct{ PlayerID, Name, Token string }
}

// dial connects to nsp with auth and waits for the connection to be
// accepted or refused (then c.connErr is set).
func (ta *binderApp) dial(nsp string, auth map[string]any) *nsClient {
	t := ta.t
	t.Helper()
	c := &nsClient{eioConn: dialEIO(t, ta.hs.URL), nsp: nsp, done: make(chan struct{}), read: map[string]int{}, acks: map[int]chan json.RawMessage{}, signal: make(chan struct{}, 1)}
	t.Cleanup(c.close)
	a, _ := json.Marshal(auth)
	c.send("40" + nsp + "," + string(a))
	connected := make(chan error, 1)
	go c.reader(connected)
	select {
	case err := <-connected:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(waitTimeout):
		t.Fatal("no CONNECT answer")
	}
	return c
}

func (c *nsClient) close() {
	c.ws.Close()
	<-c.done
}

// reader handles every frame but pings (eioConn answers them): the CONNECT
// answer, events and acks.
func (c *nsClient) reader(connected chan<- error) {
	defer close(c.done)
	prefix := c.nsp + ","
	for msg := range c.frames {
		switch {
		case strings.HasPrefix(msg, "40"+prefix):
			connected <- nil
		case strings.HasPrefix(msg, "44"+prefix):
			c.mu.Lock()
			c.connErr = json.RawMessage(msg[len("44"+prefix):])
			c.mu.Unlock()
			connected <- nil
		case strings.HasPrefix(msg, "42"+prefix):
			var args []json.RawMessage
			if err := json.Unmarshal([]byte(msg[len("42"+prefix):]), &args); err != nil || len(args) == 0 {
				connected <- fmt.Errorf("bad event %q", msg)
				return
			}
			var name string
			json.Unmarshal(args[0], &name)
			var data json.RawMessage
			if len(args) > 1 {
				data = args[1]
			}
			c.mu.Lock()
			c.events = append(c.events, nsEvent{name, data})
			c.mu.Unlock()
			select {
			case c.signal <- struct{}{}:
			default:
			}
		case strings.HasPrefix(msg, "43"+prefix):
			rest := msg[len("43"+prefix):]
			i := strings.IndexByte(rest, '[')
			id, _ := strconv.Atoi(rest[:i])
			var args []json.RawMessage
			json.Unmarshal([]byte(rest[i:]), &args)
			c.mu.Lock()
			ch := c.acks[id]
			delete(c.acks, id)
			c.mu.Unlock()
			if ch != nil && len(args) > 0 {
				ch <- args[0]
			}
		}
	}
}

// emit sends an event with an acknowledgement and returns the ack's first
// argument. args are sent as given (none, one, or several).
func (c *nsClient) emit(name string, args ...any) map[string]any {
	c.t.Helper()
	c.mu.Lock()
	c.nextAck++
	id := c.nextAck
	ch := make(chan json.RawMessage, 1)
	c.acks[id] = ch
	c.mu.Unlock()
	b, _ := json.Marshal(append([]any{name}, args...))
	c.send("42" + c.nsp + "," + strconv.Itoa(id) + string(b))
	select {
	case a := <-ch:
		var out map[string]any
		if err := json.Unmarshal(a, &out); err != nil {
			c.t.Fatalf("ack of %s: %s", name, a)
		}
		return out
	case <-time.After(waitTimeout):
		c.t.Fatalf("no ack for %s %v", name, args)
		return nil
	}
}

// next waits for the next event called name (after the last one consumed)
// and decodes its payload into a map.
func (c *nsClient) next(name string) map[string]any {
	c.t.Helper()
	var out map[string]any
	if err := json.Unmarshal(c.nextRaw(name), &out); err != nil {
		c.t.Fatal(err)
	}
	return out
}

func (c *nsClient) nextRaw(name string) json.RawMessage {
	c.t.Helper()
	deadline := time.After(waitTimeout)
	for {
		c.mu.Lock()
		seen := 0
		for _, ev := range c.events {
			if ev.name != name {
				continue
			}
			if seen == c.read[name] {
				c.read[name]++
				c.mu.Unlock()
				return ev.data
			}
			seen++
		}
		c.mu.Unlock()
		select {
		case <-c.signal:
		case <-deadline:
			c.t.Fatalf("%s: no %q event; got %v", c.nsp, name, c.names())
		}
	}
}

// names lists the events received so far.
func (c *nsClient) names() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, ev := range c.events {
		out = append(out, ev.name)
	}
	return out
}

// connect dials nsp and waits for "welcome".
func (ta *binderApp) connect(nsp string, auth map[string]any) *nsClient {
	ta.t.Helper()
	c := ta.dial(nsp, auth)
	if c.connErr != nil {
		ta.t.Fatalf("refused: %s", c.connErr)
	}
	w := c.next("welcome")
	c.welcome.PlayerID, c.welcome.Name, c.welcome.Token = w["playerId"].(string), w["name"].(string), w["token"].(string)
	return c
}
