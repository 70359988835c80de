package server

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// recClient is a raw client of a game namespace that keeps every frame in
// order and the last offset, as socket.io-client 4.6+ does.
type recClient struct {
	*eioConn
	nsp        string
	sid, pid   string
	lastOffset string
	log        []string // event frames read, in order
}

func dialGame(t *testing.T, hs *httptest.Server, nsp string, auth map[string]any) *recClient {
	t.Helper()
	c := &recClient{eioConn: dialEIO(t, hs.URL), nsp: nsp}
	c.lastOffset, _ = auth["offset"].(string)
	a, _ := json.Marshal(auth)
	c.send("40" + nsp + "," + string(a))
	for {
		f := c.next()
		if strings.HasPrefix(f, "40"+nsp+",") {
			var d map[string]string
			_ = json.Unmarshal([]byte(strings.TrimPrefix(f, "40"+nsp+",")), &d)
			c.sid, c.pid = d["sid"], d["pid"]
			return c
		}
	}
}

// next reads the next frame; an event's last string argument is noted as
// the offset.
func (c *recClient) next() string {
	c.t.Helper()
	select {
	case f, ok := <-c.frames:
		if !ok {
			c.t.Fatal("connection closed")
		}
		if p := "42" + c.nsp + ","; strings.HasPrefix(f, p) {
			var args []any
			if json.Unmarshal([]byte(f[len(p):]), &args) == nil && len(args) > 1 {
				if off, ok := args[len(args)-1].(string); ok {
					c.lastOffset = off
				}
				c.log = append(c.log, args[0].(string))
			}
		}
		return f
	case <-time.After(waitTimeout):
		c.t.Fatalf("timed out; events so far %v", c.log)
		return ""
	}
}

// until reads frames until an event named name, returning the names of the
// events read on the way (name included).
func (c *recClient) until(name string) []string {
	c.t.Helper()
	from := len(c.log)
	for {
		f := c.next()
		if strings.HasPrefix(f, "42"+c.nsp+",[\""+name+"\"") {
			return append([]string(nil), c.log[from:]...)
		}
	}
}

func (c *recClient) emit(id int, event, arg string) {
	c.send(fmt.Sprintf("42%s,%d[%q,%s]", c.nsp, id, event, arg))
}

func count(names []string, name string) int {
	n := 0
	for _, s := range names {
		if s == name {
			n++
		}
	}
	return n
}

// welcomeToken reads until "welcome" and returns its token.
func (c *recClient) welcomeToken() string {
	c.t.Helper()
	for {
		f := c.next()
		if p := "42" + c.nsp + `,["welcome",`; strings.HasPrefix(f, p) {
			var args []map[string]any
			_ = json.Unmarshal([]byte("["+f[len(p):]), &args)
			tok, _ := args[0]["token"].(string)
			return tok
		}
	}
}

// TestRecoveredPlayerNoCatchUp: /rps. A player drops mid-round and misses
// the other player's choice. Recovered, it gets the missed events, then
// only the roster change of its return: no catch-up "room" and "start".
// Coming back as a new session (token, no pid), it gets the catch-up.
func TestRecoveredPlayerNoCatchUp(t *testing.T) {
	for _, recovered := range []bool{true, false} {
		t.Run(fmt.Sprint("recovered=", recovered), func(t *testing.T) {
			app, hs := newTestApp(t, "--round-duration", "30s")
			a := dialGame(t, hs, "/rps", map[string]any{"name": "ann"})
			b := dialGame(t, hs, "/rps", map[string]any{"name": "bob"})
			token := a.welcomeToken()
			b.welcomeToken()
			a.emit(1, "join", `{"size":2}`)
			a.until("room") // seated first: bob then takes the free seat
			b.emit(1, "join", `{"size":2}`)
			a.until("start")
			b.until("start")
			auth := map[string]any{"name": "ann", "token": token}
			if recovered {
				auth["pid"], auth["offset"] = a.pid, a.lastOffset
			}
			a.ws.Close()
			waitFor(t, "ann's disconnection", func() bool { return app.io.RecoveryStats().Saved == 1 })
			b.until("room") // ann shows disconnected
			b.emit(2, "choose", `{"round":1,"move":"rock"}`)
			b.until("chosen")

			a2 := dialGame(t, hs, "/rps", auth)
			if (a2.sid == a.sid) != recovered {
				t.Fatalf("sid %s, was %s (recovery stats %+v)", a2.sid, a.sid, app.io.RecoveryStats())
			}
			// Ann's choice goes after anything her return sent, in the
			// room's order; read up to its result.
			a2.welcomeToken()
			a2.emit(3, "choose", `{"round":1,"move":"paper"}`)
			a2.until("result")
			got := a2.log
			if recovered {
				// Replayed: room (ann gone), chosen (bob); then ann's
				// return (room), welcome, her choice (chosen), the result.
				if count(got, "start") != 0 || count(got, "room") != 2 || count(got, "chosen") != 2 {
					t.Fatalf("recovered: events %v; want no start, 2 room, 2 chosen", got)
				}
				return
			}
			// Ann's return (room), then her catch-up: room and start.
			if count(got, "start") != 1 || count(got, "room") != 2 || count(got, "chosen") != 1 {
				t.Fatalf("new session: events %v; want the catch-up (start, 2 room) and her chosen", got)
			}
		})
	}
}

// untilRoomOf reads until a "room" event with n players and returns the
// names of the events read on the way.
func (c *recClient) untilRoomOf(n int) []string {
	c.t.Helper()
	from := len(c.log)
	p := "42" + c.nsp + `,["room",`
	for {
		f := c.next()
		if !strings.HasPrefix(f, p) {
			continue
		}
		var args []map[string]any
		_ = json.Unmarshal([]byte("["+f[len(p):]), &args)
		if ps, _ := args[0]["players"].([]any); len(ps) == n {
			return append([]string(nil), c.log[from:]...)
		}
	}
}

// TestRecoveredGoldPlayerNoBoard: /gold. Recovered, a player gets the
// missed events and no "board"; as a new session, the "board" catch-up.
func TestRecoveredGoldPlayerNoBoard(t *testing.T) {
	for _, recovered := range []bool{true, false} {
		t.Run(fmt.Sprint("recovered=", recovered), func(t *testing.T) {
			app, hs := newTestApp(t)
			a := dialGame(t, hs, "/gold", map[string]any{"name": "ann"})
			b := dialGame(t, hs, "/gold", map[string]any{"name": "bob"})
			token := a.welcomeToken()
			b.welcomeToken()
			a.emit(1, "join", `{"size":2}`)
			a.until("board")
			b.emit(1, "join", `{"size":2}`)
			b.until("board")
			a.until("turn")
			auth := map[string]any{"name": "ann", "token": token}
			if recovered {
				auth["pid"], auth["offset"] = a.pid, a.lastOffset
			}
			a.ws.Close()
			waitFor(t, "ann's disconnection", func() bool { return app.io.RecoveryStats().Saved == 1 })
			b.until("turn") // ann's turn passes to bob

			a2 := dialGame(t, hs, "/gold", auth)
			if (a2.sid == a.sid) != recovered {
				t.Fatalf("sid %s, was %s", a2.sid, a.sid)
			}
			b.untilRoomOf(2) // ann is back (roster change)
			b.emit(2, "leave", `{}`)
			got := a2.untilRoomOf(1) // after anything ann's return sent
			if recovered && count(got, "board") != 0 {
				t.Fatalf("recovered: events %v, want no board", got)
			}
			if !recovered && count(got, "board") != 1 {
				t.Fatalf("new session: events %v, want the board catch-up", got)
			}
		})
	}
}
