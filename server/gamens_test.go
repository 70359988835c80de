package server

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rpsio/rpsio/game/gold"
)

func wantAckError(t *testing.T, ack map[string]any, code, what string) {
	t.Helper()
	e, _ := ack["error"].(map[string]any)
	if ack["ok"] != false || e == nil || e["code"] != code || e["message"] == "" || len(ack) != 2 {
		t.Fatalf("%s: ack %v, want error %s", what, ack, code)
	}
}

func wantAckOK(t *testing.T, ack map[string]any, what string) {
	t.Helper()
	if ack["ok"] != true {
		t.Fatalf("%s: ack %v", what, ack)
	}
}

func num(v any) int { f, _ := v.(float64); return int(f) }

// goldCells reads the board of a gold room from the manager: the gold
// cells and the cells with gold around them (white-box: the wire never
// shows closed cells). Digging a number opens only that cell.
func (ta *binderApp) goldCells(roomID string) (golds, numbers [][2]int) {
	ta.t.Helper()
	r, err := ta.app.rooms.Room(context.Background(), roomID)
	if err != nil {
		ta.t.Fatal(err)
	}
	st, err := ta.app.rooms.Rules(gold.Name).Decode(r.State)
	if err != nil {
		ta.t.Fatal(err)
	}
	s := st.(*gold.State)
	for i := range s.Width * s.Height {
		x, y := i%s.Width, i/s.Width
		if slices.Contains(s.Gold, i) {
			golds = append(golds, [2]int{x, y})
			continue
		}
		for _, g := range s.Gold {
			if gx, gy := g%s.Width, g/s.Width; gx-x <= 1 && x-gx <= 1 && gy-y <= 1 && y-gy <= 1 {
				numbers = append(numbers, [2]int{x, y})
				break
			}
		}
	}
	return golds, numbers
}

func TestGoldNamespace(t *testing.T) {
	ta := newBinderApp(t, nil)
	a := ta.connect("/gold", map[string]any{"name": "ann"})
	b := ta.connect("/gold", map[string]any{"name": "bob"})
	if a.welcome.Name != "ann" || a.welcome.PlayerID == b.welcome.PlayerID {
		t.Fatalf("welcomes %+v %+v", a.welcome, b.welcome)
	}
	// No seat yet.
	wantAckError(t, a.emit("dig", map[string]any{"x": 0, "y": 0}), "not_in_room", "dig before join")
	wantAckError(t, a.emit("leave", map[string]any{}), "not_in_room", "leave before join")
	// Malformed joins.
	for what, arg := range map[string]any{"size 5": map[string]any{"size": 5}, "size 1": map[string]any{"size": 1}, "size 2.5": map[string]any{"size": 2.5},
		"room 5": map[string]any{"room": 5}, "room {}": map[string]any{"room": map[string]any{}}, "payload 3": 3, "payload list": []any{1}} {
		wantAckError(t, a.emit("join", arg), "bad_request", "join "+what)
	}
	wantAckError(t, a.emit("fly", map[string]any{}), "unknown_event", "unknown event")
	wantAckError(t, a.emit("choose", map[string]any{"round": 1, "move": "rock"}), "unknown_event", "rps event on /gold")

	ack := a.emit("join", map[string]any{"room": "no-such-room"})
	wantAckOK(t, ack, "join")
	room := ack["room"].(map[string]any)
	id := room["id"].(string)
	want := map[string]any{"id": id, "size": 2.0, "state": "waiting", "seq": 1.0,
		"players": []any{map[string]any{"id": a.welcome.PlayerID, "name": "ann", "connected": true, "score": 0.0}}}
	if !reflect.DeepEqual(room, want) {
		t.Fatalf("join room %v\nwant %v", room, want)
	}
	if ev := a.next("room"); !reflect.DeepEqual(ev, want) {
		t.Fatalf("room event %v", ev)
	}
	board := a.next("board")
	if board["width"] != 3.0 || board["height"] != 3.0 || board["gold"] != 2.0 || board["remaining"] != 2.0 || board["turn"] != nil || board["seq"] != 1.0 {
		t.Fatalf("board on join %v", board)
	}
	wantAckError(t, a.emit("dig", map[string]any{"x": 0, "y": 0}), "not_your_turn", "dig before the start")

	// b joins by room id: the game starts.
	ack = b.emit("join", map[string]any{"room": id, "size": 3})
	wantAckOK(t, ack, "b joins")
	if r := ack["room"].(map[string]any); r["id"] != id || r["state"] != "playing" || r["seq"] != 2.0 {
		t.Fatalf("b's join %v", r)
	}
	for _, c := range []*nsClient{a, b} {
		if r := c.next("room"); r["state"] != "playing" {
			t.Fatalf("room %v", r)
		}
		if turn := c.next("turn"); turn["playerId"] != a.welcome.PlayerID || turn["duration"] != 20000.0 || turn["seq"] != 2.0 {
			t.Fatalf("turn %v", turn)
		}
	}
	if bb := b.next("board"); bb["turn"].(map[string]any)["playerId"] != a.welcome.PlayerID {
		t.Fatalf("b's board %v", bb)
	}

	golds, others := ta.goldCells(id)
	// Every dig error.
	wantAckError(t, b.emit("dig", map[string]any{"x": 0, "y": 0}), "not_your_turn", "b out of turn")
	for what, arg := range map[string]any{"no y": map[string]any{"x": 1}, "string x": map[string]any{"x": "1", "y": 0}, "fraction": map[string]any{"x": 0.5, "y": 0},
		"null": nil, "array": []any{0, 0}, "number": 4} {
		wantAckError(t, a.emit("dig", arg), "bad_request", "dig "+what)
	}
	wantAckError(t, a.emit("dig"), "bad_request", "dig without payload")
	wantAckError(t, a.emit("dig", map[string]any{"x": 3, "y": 0}), "out_of_bounds", "x = width")
	wantAckError(t, a.emit("dig", map[string]any{"x": 0, "y": -1}), "out_of_bounds", "y < 0")
	wantAckOK(t, a.emit("dig", map[string]any{"x": others[0][0], "y": others[0][1]}), "a digs")
	for _, c := range []*nsClient{a, b} {
		d := c.next("dug")
		if d["by"] != a.welcome.PlayerID || d["gold"] != false || d["seq"] != 3.0 {
			t.Fatalf("dug %v", d)
		}
		if turn := c.next("turn"); turn["playerId"] != b.welcome.PlayerID {
			t.Fatalf("turn %v", turn)
		}
	}
	wantAckError(t, b.emit("dig", map[string]any{"x": others[0][0], "y": others[0][1]}), "already_open", "dig an open cell")

	// b reconnects with the token: same player, room and board.
	b.close()
	if r := a.next("room"); r["players"].([]any)[1].(map[string]any)["connected"] != false {
		t.Fatalf("b not shown disconnected: %v", r)
	}
	if turn := a.next("turn"); turn["playerId"] != a.welcome.PlayerID {
		t.Fatalf("b's turn did not pass at once: %v", turn)
	}
	b2 := ta.connect("/gold", map[string]any{"token": b.welcome.Token})
	if b2.welcome.PlayerID != b.welcome.PlayerID {
		t.Fatal("the token gave another player")
	}
	if r := b2.next("room"); r["id"] != id {
		t.Fatalf("catch-up room %v", r)
	}
	if bb := b2.next("board"); len(bb["opened"].([]any)) == 0 || bb["turn"].(map[string]any)["playerId"] != a.welcome.PlayerID {
		t.Fatalf("catch-up board %v", bb)
	}

	// a digs both gold cells (b digs a number between): over.
	wantAckOK(t, a.emit("dig", map[string]any{"x": golds[0][0], "y": golds[0][1]}), "a digs gold")
	next := others[1] // a number: a's first dig opened others[0] alone
	// The ack may overtake the room's "dug" event: wait for it.
	waitFor(t, "a's second dug event", func() bool { return len(a.lastOpened()) >= 2 })
	if opened := a.lastOpened(); !slices.Equal(opened, [][2]int{others[0], golds[0]}) {
		t.Fatalf("opened %v", opened)
	}
	b2.next("turn")
	wantAckOK(t, b2.emit("dig", map[string]any{"x": next[0], "y": next[1]}), "b digs")
	wantAckOK(t, a.emit("dig", map[string]any{"x": golds[1][0], "y": golds[1][1]}), "a digs the last gold")
	over := b2.next("over")
	if !reflect.DeepEqual(over["winners"], []any{a.welcome.PlayerID}) || num(over["scores"].(map[string]any)[a.welcome.PlayerID]) != 2 {
		t.Fatalf("over %v", over)
	}
	wantAckError(t, b2.emit("dig", map[string]any{"x": 0, "y": 0}), "game_over", "dig after the end")

	// The lobby.
	code, body := ta.get("/api/rooms?game=gold")
	if code != 200 || !reflect.DeepEqual(body["rooms"], []any{map[string]any{"id": id, "game": "gold", "size": 2.0, "state": "over", "players": 2.0}}) {
		t.Fatalf("lobby %d %v", code, body)
	}
	if code, body := ta.get("/api/rooms?game=rps"); code != 200 || len(body["rooms"].([]any)) != 0 {
		t.Fatalf("rps lobby %d %v", code, body)
	}
	if code, body := ta.get("/api/rooms?game=chess"); code != 400 || body["error"].(map[string]any)["code"] != "bad_request" {
		t.Fatalf("unknown game %d %v", code, body)
	}
	if code, body := ta.get("/api/stats"); code != 200 || body["over"] != 1.0 || body["rooms"] != 1.0 {
		t.Fatalf("stats %d %v", code, body)
	}
	wantAckOK(t, a.emit("leave", map[string]any{}), "a leaves")
	wantAckError(t, a.emit("leave"), "not_in_room", "leave again")
}

// lastOpened lists the cells of every "dug" event received.
func (c *nsClient) lastOpened() [][2]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out [][2]int
	for _, ev := range c.events {
		if ev.name != "dug" {
			continue
		}
		var d gold.DugEvent
		json.Unmarshal(ev.data, &d)
		for _, cell := range d.Opened {
			out = append(out, [2]int{cell.X, cell.Y})
		}
	}
	return out
}

// TestRPSNamespaceOnBinder: the rps contract through the generic binder,
// with seq, and one seat per game for the same token.
func TestRPSNamespaceOnBinder(t *testing.T) {
	ta := newBinderApp(t, func(c *Config) { c.RoundDuration = time.Minute })
	a := ta.connect("/rps", map[string]any{"name": "ann"})
	b := ta.connect("/rps", map[string]any{"name": "bob"})
	wantAckError(t, a.emit("choose", map[string]any{"round": 1, "move": "rock"}), "not_in_room", "choose before join")
	wantAckError(t, a.emit("join", map[string]any{"size": 9}), "bad_request", "size 9")
	wantAckError(t, a.emit("dig", map[string]any{"x": 0, "y": 0}), "unknown_event", "gold event on /rps")
	// rps ignores a room id in join, as it always did.
	wantAckOK(t, a.emit("join", map[string]any{"room": 5}), "join with a room")
	wantAckOK(t, b.emit("join"), "join without payload")
	start := a.next("start")
	if start["round"] != 1.0 || start["seq"] != 2.0 {
		t.Fatalf("start %v", start)
	}
	wantAckError(t, a.emit("choose", map[string]any{"round": 1, "move": "lizard"}), "bad_request", "bad move")
	wantAckOK(t, a.emit("choose", map[string]any{"round": 1, "move": "rock"}), "a chooses")
	wantAckError(t, a.emit("choose", map[string]any{"round": 1, "move": "paper"}), "already_chosen", "another move")
	wantAckOK(t, b.emit("choose", map[string]any{"round": 1, "move": "scissors"}), "b chooses")
	res := b.next("result")
	if res["seq"] != 4.0 || res["moves"].(map[string]any)[a.welcome.PlayerID] != "rock" {
		t.Fatalf("result %v", res)
	}
	// The same player (token) also takes a gold seat.
	g := ta.connect("/gold", map[string]any{"token": a.welcome.Token})
	if g.welcome.PlayerID != a.welcome.PlayerID {
		t.Fatal("another identity on /gold")
	}
	wantAckOK(t, g.emit("join"), "gold join")
	code, body := ta.get("/api/rooms")
	games := []string{}
	for _, r := range body["rooms"].([]any) {
		games = append(games, r.(map[string]any)["game"].(string))
	}
	slices.Sort(games)
	if code != 200 || !slices.Equal(games, []string{"gold", "rps"}) || body["total"] != 2.0 || body["limit"] != 100.0 {
		t.Fatalf("lobby %d %v", code, body)
	}
	// Pages of it, oldest first.
	var paged []any
	for off := range 3 {
		code, body := ta.get(fmt.Sprintf("/api/rooms?limit=1&offset=%d", off))
		if code != 200 || body["total"] != 2.0 || len(body["rooms"].([]any)) != min(1, 2-off) {
			t.Fatalf("page %d: %d %v", off, code, body)
		}
		paged = append(paged, body["rooms"].([]any)...)
	}
	if !reflect.DeepEqual(paged, body["rooms"]) {
		t.Fatalf("pages %v, whole %v", paged, body["rooms"])
	}
	for _, q := range []string{"limit=0", "limit=1001", "limit=x", "offset=-1", "offset=1e3"} {
		if code, body := ta.get("/api/rooms?" + q); code != 400 || body["error"].(map[string]any)["code"] != "bad_request" {
			t.Fatalf("%s: %d %v", q, code, body)
		}
	}
	// Leaving /gold's namespace does not touch the rps seat.
	g.close()
	if r := a.emit("join"); r["room"].(map[string]any)["state"] != "playing" {
		t.Fatalf("rps seat after closing /gold: %v", r)
	}
}

func TestConnectRefusals(t *testing.T) {
	ta := newBinderApp(t, nil)
	for what, auth := range map[string]map[string]any{
		"bad token":      {"token": "x.y"},
		"token number":   {"token": 5},
		"name number":    {"name": 5},
		"long name":      {"name": strings.Repeat("n", 65)},
		"forged token":   {"token": "someone.AAAA"},
		"unsigned token": {"token": "someone"},
	} {
		c := ta.dial("/gold", auth)
		if c.connErr == nil {
			t.Fatalf("%s: accepted", what)
		}
		var e struct {
			Message string
			Data    struct{ Code string }
		}
		json.Unmarshal(c.connErr, &e)
		if e.Data.Code != "bad_request" && e.Data.Code != "invalid_token" {
			t.Fatalf("%s: %s", what, c.connErr)
		}
	}
	c := ta.connect("/gold", map[string]any{})
	if !strings.HasPrefix(c.welcome.Name, "player-") {
		t.Fatalf("default name %q", c.welcome.Name)
	}
}
