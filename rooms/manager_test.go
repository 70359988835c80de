package rooms_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rpsio/rpsio/game/rps"
	"github.com/rpsio/rpsio/rooms"
	"github.com/rpsio/rpsio/rooms/roomstest"
)

func TestJoinBadRequest(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name         string
		game         string
		player, nick string
		size         int
		room         string
	}{
		{"empty player id", "rps", "", "x", 2, ""},
		{"long player id", "rps", strings.Repeat("p", rooms.MaxPlayerIDLen+1), "x", 2, ""},
		{"invalid UTF-8 id", "rps", "\xff", "x", 2, ""},
		{"long name", "rps", "p", strings.Repeat("n", rooms.MaxNameLen+1), 2, ""},
		{"invalid UTF-8 name", "rps", "p", "\xfe", 2, ""},
		{"size 1", "rps", "p", "x", 1, ""},
		{"size 9", "rps", "p", "x", 9, ""},
		{"negative size", "rps", "p", "x", -2, ""},
		{"unknown game", "chess", "p", "x", 2, ""},
		{"no game", "", "p", "x", 2, ""},
		{"long room id", "rps", "p", "x", 2, strings.Repeat("r", rooms.MaxRoomIDLen+1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.m.Join(ctx(t), tt.game, tt.player, tt.nick, rooms.JoinOptions{Size: tt.size, RoomID: tt.room})
			wantCode(t, err, rooms.ErrBadRequest, "bad_request")
		})
	}
	e.quiet()
}

func TestJoinFillsRoomAndStarts(t *testing.T) {
	e := newEnv(t)
	st := e.join("a", 0) // default size 2
	equal(t, "status", *st, rooms.Status{Game: "rps", RoomID: st.RoomID, Seq: 1, Room: rps.RoomView{
		ID: st.RoomID, Size: 2, State: "waiting", Round: 0,
		Players: []rps.PlayerView{{ID: "a", Name: "name-a", Connected: true}},
	}})
	id := st.RoomID
	equal(t, "room event", e.next(id, rooms.EventRoom), rooms.Event{Game: "rps", RoomID: id, Name: "room", Data: st.Room, Seq: 1})
	equal(t, "subscribed", e.rec.Subscribed(id), []string{"a"})

	start := e.clock.Now()
	st = e.join("b", 2)
	if st.RoomID != id {
		t.Fatalf("b joined %s, want %s", st.RoomID, id)
	}
	want := rps.RoomView{ID: id, Size: 2, State: "playing", Round: 1, Players: []rps.PlayerView{
		{ID: "a", Name: "name-a", Connected: true},
		{ID: "b", Name: "name-b", Connected: true},
	}}
	equal(t, "room event", e.next(id, rooms.EventRoom), rooms.Event{Game: "rps", RoomID: id, Name: "room", Data: want, Seq: 2})
	wantStart := rps.StartEvent{RoomID: id, Round: 1, Deadline: start.Add(roundDur).UnixMilli(), Duration: roundDur.Milliseconds()}
	startEv := e.next(id, rps.EventStart)
	equal(t, "start event", startEv, rooms.Event{Game: "rps", RoomID: id, Name: "start", Data: wantStart, Seq: 2})
	equal(t, "join status", *st, rooms.Status{Game: "rps", RoomID: id, Seq: 2, Room: want, CatchUp: []rooms.Event{{Game: "rps", RoomID: id, To: "b", Name: "start", Data: wantStart, Seq: 2}}})
	equal(t, "subscribed", e.rec.Subscribed(id), []string{"a", "b"})
	e.quiet()

	// The payloads encode to the protocol's JSON, with the seq.
	b, _ := json.Marshal(startEv.Payload())
	equal(t, "start JSON", string(b), fmt.Sprintf(`{"roomId":"%s","round":1,"deadline":%d,"duration":10000,"seq":2}`, id, wantStart.Deadline))
	b, _ = json.Marshal(st.RoomPayload())
	equal(t, "room JSON", string(b), fmt.Sprintf(`{"id":"%s","size":2,"state":"playing","round":1,"players":[`+
		`{"id":"a","name":"name-a","connected":true,"total":0,"streak":0},`+
		`{"id":"b","name":"name-b","connected":true,"total":0,"streak":0}],"seq":2}`, id))
}

func TestJoinWhileSeatedReturnsSameRoom(t *testing.T) {
	e := newEnv(t)
	id := e.join("a", 3).RoomID
	e.nextRoom(id)
	for _, size := range []int{3, 2, 0, 8} {
		st := e.join("a", size)
		if st.RoomID != id || len(view(st).Players) != 1 || st.Seq != 1 {
			t.Fatalf("Join again (size %d) = %+v, want room %s with one player", size, st.Room, id)
		}
	}
	e.quiet() // nothing changed
	if l, _ := e.m.List(ctx(t), ""); len(l) != 1 {
		t.Fatalf("List = %+v, want one room", l)
	}
}

func TestJoinDefaultName(t *testing.T) {
	e := newEnv(t)
	st, err := e.m.Join(ctx(t), rps.Name, "anon", "", rooms.JoinOptions{Size: 2})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "name", view(st).Players[0].Name, "anon")
}

func TestMatchmakingBySizeOldestFirst(t *testing.T) {
	e := newEnv(t)
	r3 := e.join("a", 3).RoomID
	e.clock.Advance(time.Second)
	r2 := e.join("b", 2).RoomID
	e.clock.Advance(time.Second)
	if got := e.join("c", 3).RoomID; got != r3 || r3 == r2 {
		t.Fatalf("rooms: a=%s b=%s c=%s", r3, r2, got)
	}
	if got := e.join("d", 3).RoomID; got != r3 {
		t.Fatalf("d joined %s, want %s", got, r3)
	}
	// r3 is full: e gets a new room.
	r3b := e.join("e", 3).RoomID
	if r3b == r3 || r3b == r2 {
		t.Fatalf("e joined %s", r3b)
	}
	e.clock.Advance(time.Second)
	e.join("f", 2) // fills r2
	e.clock.Advance(time.Second)
	r2b := e.join("g", 2).RoomID // new
	// b leaves: r2 and r2b both wait for a player; the older, r2, fills first.
	if err := e.m.Leave(ctx(t), rps.Name, "b"); err != nil {
		t.Fatal(err)
	}
	if got := e.join("h", 2).RoomID; got != r2 {
		t.Fatalf("h joined %s, want the older room %s (newer: %s)", got, r2, r2b)
	}
	if got := e.join("i", 2).RoomID; got != r2b {
		t.Fatalf("i joined %s, want %s", got, r2b)
	}
	l, err := e.m.List(ctx(t), "")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "lobby", l, []rooms.RoomSummary{
		{ID: r3, Game: "rps", Size: 3, State: "playing", Players: 3},
		{ID: r2, Game: "rps", Size: 2, State: "playing", Players: 2},
		{ID: r3b, Game: "rps", Size: 3, State: "waiting", Players: 1},
		{ID: r2b, Game: "rps", Size: 2, State: "playing", Players: 2},
	})
}

func TestEarlySettlement(t *testing.T) {
	e := newEnv(t)
	id, start := e.fill("a", "b")
	e.clock.Advance(time.Second)
	e.choose("a", 1, "rock")
	equal(t, "chosen", e.nextChosen(id), rps.ChosenEvent{RoomID: id, Round: 1, PlayerID: "a"})
	e.quiet()
	e.choose("a", 1, "rock") // idempotent retry: no new event
	e.quiet()
	e.choose("b", 1, "scissors")
	equal(t, "chosen", e.nextChosen(id), rps.ChosenEvent{RoomID: id, Round: 1, PlayerID: "b"})
	res := e.nextResult(id)
	equal(t, "result", res, rps.ResultEvent{
		RoomID: id, Round: 1,
		Moves:   map[string]rps.Move{"a": rps.Rock, "b": rps.Scissors},
		Players: []rps.Result{{ID: "a", X: 1, Streak: 1, Score: 1, Total: 1}, {ID: "b", X: -1}},
	})
	b, _ := json.Marshal(res)
	equal(t, "result JSON", string(b), fmt.Sprintf(`{"roomId":"%s","round":1,"moves":{"a":"rock","b":"scissors"},"players":[`+
		`{"id":"a","x":1,"streak":1,"score":1,"total":1},{"id":"b","x":-1,"streak":0,"score":0,"total":0}]}`, id))
	v := e.nextRoom(id)
	equal(t, "roster after result", v.Players, []rps.PlayerView{
		{ID: "a", Name: "name-a", Connected: true, Total: 1, Streak: 1},
		{ID: "b", Name: "name-b", Connected: true},
	})
	e.quiet()

	// Late or repeated choices for the settled round are refused.
	wantCode(t, e.chooseErr("a", 1, "rock"), rps.ErrRoundClosed, "round_closed")

	// The original deadline passes without a second settlement; the next
	// round starts RoundGap after the settlement.
	e.clock.Advance(gap - time.Millisecond)
	e.quiet()
	e.clock.Advance(time.Millisecond)
	st := e.nextStart(id)
	equal(t, "start 2", st, rps.StartEvent{RoomID: id, Round: 2, Deadline: e.clock.Now().Add(roundDur).UnixMilli(), Duration: roundDur.Milliseconds()})
	if st.Deadline <= start.Deadline {
		t.Fatalf("round 2 deadline %d not after round 1's %d", st.Deadline, start.Deadline)
	}
	e.quiet()
	if s, _ := e.m.Stats(ctx(t)); s.RoundsSettled != 1 {
		t.Fatalf("RoundsSettled = %d, want 1", s.RoundsSettled)
	}
}

func TestDeadlineSettlementWithForfeits(t *testing.T) {
	e := newEnv(t)
	id, _ := e.fill("a", "b", "c")
	e.choose("b", 1, "paper")
	e.nextChosen(id)
	e.clock.Advance(roundDur - time.Nanosecond)
	e.quiet()
	e.clock.Advance(time.Nanosecond)
	equal(t, "result", e.nextResult(id), rps.ResultEvent{
		RoomID: id, Round: 1,
		Moves: map[string]rps.Move{"a": rps.None, "b": rps.Paper, "c": rps.None},
		Players: []rps.Result{
			{ID: "a", X: -1},
			{ID: "b", X: 2, Streak: 1, Score: 2, Total: 2},
			{ID: "c", X: -1},
		},
	})
	e.nextRoom(id)
	e.quiet()
	// JSON: a forfeit is null.
	b, _ := json.Marshal(map[string]rps.Move{"a": rps.None})
	equal(t, "JSON", string(b), `{"a":null}`)

	// Next round: everyone forfeits; streaks reset, totals stay.
	e.clock.Advance(gap)
	e.nextStart(id)
	e.clock.Advance(roundDur)
	res := e.nextResult(id)
	equal(t, "all forfeit", res.Players, []rps.Result{{ID: "a"}, {ID: "b", Total: 2}, {ID: "c"}})
	equal(t, "moves", res.Moves, map[string]rps.Move{"a": rps.None, "b": rps.None, "c": rps.None})
	e.nextRoom(id)
	e.quiet()
}

func TestThreePlayerRoomStreaksAndTotals(t *testing.T) {
	e := newEnv(t)
	id, _ := e.fill("a", "b", "c")
	type round struct {
		moves map[string]string
		want  []rps.Result
	}
	rounds := []round{
		{map[string]string{"a": "rock", "b": "rock", "c": "scissors"}, []rps.Result{
			{ID: "a", X: 1, Streak: 1, Score: 1, Total: 1}, {ID: "b", X: 1, Streak: 1, Score: 1, Total: 1}, {ID: "c", X: -2}}},
		{map[string]string{"a": "paper", "b": "rock", "c": "rock"}, []rps.Result{
			{ID: "a", X: 2, Streak: 2, Score: 4, Total: 5}, {ID: "b", X: -1, Total: 1}, {ID: "c", X: -1}}},
		{map[string]string{"a": "scissors", "b": "paper"}, []rps.Result{ // c forfeits
			{ID: "a", X: 2, Streak: 3, Score: 6, Total: 11}, {ID: "b", X: 0, Total: 1}, {ID: "c", X: -2}}},
		{map[string]string{"a": "rock", "b": "paper", "c": "scissors"}, []rps.Result{
			{ID: "a", Total: 11}, {ID: "b", Total: 1}, {ID: "c"}}},
	}
	for i, r := range rounds {
		n := i + 1
		if i > 0 {
			e.clock.Advance(gap)
			if st := e.nextStart(id); st.Round != n {
				t.Fatalf("start round %d, want %d", st.Round, n)
			}
		}
		for _, p := range []string{"a", "b", "c"} {
			if mv, ok := r.moves[p]; ok {
				e.choose(p, n, mv)
				e.nextChosen(id)
			}
		}
		if len(r.moves) < 3 {
			e.clock.Advance(roundDur)
		}
		res := e.nextResult(id)
		equal(t, fmt.Sprintf("round %d", n), res.Players, r.want)
		v := e.nextRoom(id)
		for j, p := range v.Players {
			if p.Total != r.want[j].Total || p.Streak != r.want[j].Streak {
				t.Fatalf("round %d roster %+v disagrees with result %+v", n, v.Players, r.want)
			}
		}
		e.quiet()
	}
}

func TestChooseErrors(t *testing.T) {
	e := newEnv(t)
	id, _ := e.fill("a", "b")
	e.join("w", 2) // alone in a waiting room
	e.nextRoom("")
	e.choose("a", 1, "paper")
	e.nextChosen(id)

	tests := []struct {
		name   string
		player string
		round  int
		move   string
		target error
		code   string
	}{
		{"unknown move", "b", 1, "lizard", rooms.ErrBadRequest, "bad_request"},
		{"empty move", "b", 1, "", rooms.ErrBadRequest, "bad_request"},
		{"capitalized move", "b", 1, "Rock", rooms.ErrBadRequest, "bad_request"},
		{"round 0", "b", 0, "rock", rooms.ErrBadRequest, "bad_request"},
		{"negative round", "b", -1, "rock", rooms.ErrBadRequest, "bad_request"},
		{"empty player", "", 1, "rock", rooms.ErrBadRequest, "bad_request"},
		{"not seated", "z", 1, "rock", rooms.ErrNotInRoom, "not_in_room"},
		{"future round", "b", 2, "rock", rps.ErrRoundClosed, "round_closed"},
		{"waiting room", "w", 1, "rock", rps.ErrRoundClosed, "round_closed"},
		{"different move", "a", 1, "rock", rps.ErrAlreadyChosen, "already_chosen"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := e.chooseErr(tt.player, tt.round, tt.move)
			wantCode(t, err, tt.target, tt.code)
		})
	}
	e.quiet()
	if err := e.chooseErr("a", 1, "paper"); err != nil {
		t.Fatalf("same move again: %v", err)
	}
	e.quiet()

	// After the deadline: round_closed for the settled round.
	e.clock.Advance(roundDur)
	e.nextResult(id)
	e.nextRoom(id)
	wantCode(t, e.chooseErr("b", 1, "rock"), rps.ErrRoundClosed, "round_closed")
	// During the gap, the next round is not open yet.
	wantCode(t, e.chooseErr("b", 2, "rock"), rps.ErrRoundClosed, "round_closed")
	e.quiet()
}

func TestOtherErrors(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	wantCode(t, e.m.Leave(c, rps.Name, "nobody"), rooms.ErrNotInRoom, "not_in_room")
	wantCode(t, e.m.Disconnect(c, rps.Name, "nobody"), rooms.ErrNotInRoom, "not_in_room")
	_, err := e.m.Reconnect(c, rps.Name, "nobody")
	wantCode(t, err, rooms.ErrNotInRoom, "not_in_room")
	_, err = e.m.Status(c, rps.Name, "nobody")
	wantCode(t, err, rooms.ErrNotInRoom, "not_in_room")
	wantCode(t, e.m.Leave(c, rps.Name, ""), rooms.ErrBadRequest, "bad_request")
	wantCode(t, e.m.Disconnect(c, rps.Name, ""), rooms.ErrBadRequest, "bad_request")
	_, err = e.m.Reconnect(c, rps.Name, "")
	wantCode(t, err, rooms.ErrBadRequest, "bad_request")
	_, err = e.m.Room(c, "nope")
	if !errors.Is(err, rooms.ErrRoomNotFound) || rooms.ErrorCode(err) != "not_found" {
		t.Fatalf("Room(nope) = %v (%s)", err, rooms.ErrorCode(err))
	}
	e.quiet()
}

func TestErrorCode(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{rooms.ErrBadRequest, "bad_request"},
		{fmt.Errorf("x: %w", rooms.ErrNotInRoom), "not_in_room"},
		{fmt.Errorf("x: %w", fmt.Errorf("y: %w", rps.ErrRoundClosed)), "round_closed"},
		{rps.ErrAlreadyChosen, "already_chosen"},
		{rooms.ErrClosed, "unavailable"},
		{errors.New("boom"), "internal"},
		{fmt.Errorf("x: %w", context.Canceled), "canceled"},
		{context.DeadlineExceeded, "timeout"},
	}
	for _, tt := range tests {
		if got := rooms.ErrorCode(tt.err); got != tt.want {
			t.Errorf("ErrorCode(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

func TestLeaveCancelsRoundAndRoomRefills(t *testing.T) {
	e := newEnv(t)
	id, _ := e.fill("a", "b")
	e.choose("a", 1, "rock")
	e.nextChosen(id)
	if err := e.m.Leave(ctx(t), rps.Name, "b"); err != nil {
		t.Fatal(err)
	}
	v := e.nextRoom(id)
	equal(t, "after leave", v, rps.RoomView{ID: id, Size: 2, State: "waiting", Round: 1, Players: []rps.PlayerView{
		{ID: "a", Name: "name-a", Connected: true},
	}})
	equal(t, "subscribed", e.rec.Subscribed(id), []string{"a"})
	// The round was cancelled: no result at its deadline, no next round.
	e.clock.Advance(roundDur + gap + time.Minute)
	e.quiet()
	if p := e.clock.Pending(); len(p) != 0 {
		t.Fatalf("timers armed in a waiting room: %v", p)
	}
	wantCode(t, e.chooseErr("a", 1, "paper"), rps.ErrRoundClosed, "round_closed")
	wantCode(t, e.m.Leave(ctx(t), rps.Name, "b"), rooms.ErrNotInRoom, "not_in_room")

	// c fills the room again: round 2 starts.
	st := e.join("c", 2)
	if st.RoomID != id {
		t.Fatalf("c joined %s, want %s", st.RoomID, id)
	}
	v = e.nextRoom(id)
	equal(t, "refilled", ids(v), []string{"a", "c"})
	equal(t, "state", v.State, "playing")
	if s := e.nextStart(id); s.Round != 2 {
		t.Fatalf("start round %d, want 2", s.Round)
	}
	if r := round(st); r == nil || r.Round != 2 {
		t.Fatalf("join status round = %+v", r)
	}
	// a's moves were cleared with the cancelled round.
	if mv := e.move("a"); mv != rps.None {
		t.Fatalf("a's move in round 2 = %v", mv)
	}
	e.choose("a", 2, "paper")
	e.choose("c", 2, "rock")
	e.nextChosen(id)
	e.nextChosen(id)
	if r := e.nextResult(id); r.Round != 2 {
		t.Fatalf("result round %d", r.Round)
	}
	e.nextRoom(id)
	e.quiet()
}

func TestLastPlayerLeavingDeletesRoom(t *testing.T) {
	e := newEnv(t)
	id := e.join("a", 2).RoomID
	e.nextRoom(id)
	e.join("b", 3)
	e.nextRoom("")
	if err := e.m.Leave(ctx(t), rps.Name, "a"); err != nil {
		t.Fatal(err)
	}
	e.quiet() // nobody left to tell
	if _, err := e.m.Room(ctx(t), id); !errors.Is(err, rooms.ErrRoomNotFound) {
		t.Fatalf("Room after last leave: %v", err)
	}
	equal(t, "subscribed", e.rec.Subscribed(id), []string(nil))
	if s, _ := e.m.Stats(ctx(t)); s.Rooms != 1 || s.Players != 1 {
		t.Fatalf("Stats = %+v", s)
	}
	// a can join again, into a new room.
	if got := e.join("a", 2).RoomID; got == id {
		t.Fatal("deleted room reused")
	}
}

func TestGraceExpiryRemovesPlayer(t *testing.T) {
	e := newEnv(t)
	id, _ := e.fill("a", "b")
	e.choose("b", 1, "rock")
	e.nextChosen(id)
	if err := e.m.Disconnect(ctx(t), rps.Name, "a"); err != nil {
		t.Fatal(err)
	}
	v := e.nextRoom(id)
	equal(t, "after disconnect", v.Players[0], rps.PlayerView{ID: "a", Name: "name-a", Connected: false})
	equal(t, "state", v.State, "playing")
	if err := e.m.Disconnect(ctx(t), rps.Name, "a"); err != nil { // again: no-op
		t.Fatal(err)
	}
	e.quiet()

	// Rounds go on meanwhile; a forfeits them.
	e.clock.Advance(roundDur)
	res := e.nextResult(id)
	equal(t, "round 1", res.Players, []rps.Result{{ID: "a", X: -1}, {ID: "b", X: 1, Streak: 1, Score: 1, Total: 1}})
	e.nextRoom(id)
	e.clock.Advance(gap)
	e.nextStart(id)
	e.choose("b", 2, "paper")
	e.nextChosen(id)
	e.clock.Advance(roundDur)
	res = e.nextResult(id)
	equal(t, "round 2", res.Players, []rps.Result{{ID: "a", X: -1}, {ID: "b", X: 1, Streak: 2, Score: 2, Total: 3}})
	e.nextRoom(id)
	e.clock.Advance(gap)
	e.nextStart(id) // round 3 opens at 26s

	// The grace ends 30s after the disconnection: a leaves, round 3 is
	// cancelled.
	e.clock.Advance(grace - 2*roundDur - 2*gap - time.Nanosecond)
	e.quiet()
	e.clock.Advance(time.Nanosecond)
	v = e.nextRoom(id)
	equal(t, "after grace", v, rps.RoomView{ID: id, Size: 2, State: "waiting", Round: 3, Players: []rps.PlayerView{
		{ID: "b", Name: "name-b", Connected: true, Total: 3, Streak: 2},
	}})
	equal(t, "subscribed", e.rec.Subscribed(id), []string{"b"})
	e.clock.Advance(time.Hour)
	e.quiet()
	_, err := e.m.Reconnect(ctx(t), rps.Name, "a")
	wantCode(t, err, rooms.ErrNotInRoom, "not_in_room")
}

func TestGraceExpiryOfLastPlayerDeletesRoom(t *testing.T) {
	e := newEnv(t)
	id := e.join("a", 2).RoomID
	e.nextRoom(id)
	if err := e.m.Disconnect(ctx(t), rps.Name, "a"); err != nil {
		t.Fatal(err)
	}
	e.nextRoom(id)
	e.clock.Advance(grace)
	e.quiet()
	if l, _ := e.m.List(ctx(t), ""); len(l) != 0 {
		t.Fatalf("List = %+v", l)
	}
}

func TestReconnectWithinGrace(t *testing.T) {
	e := newEnv(t)
	id, _ := e.fill("a", "b")
	if err := e.m.Disconnect(ctx(t), rps.Name, "a"); err != nil {
		t.Fatal(err)
	}
	e.nextRoom(id)
	e.clock.Advance(5 * time.Second)
	e.choose("b", 1, "rock")
	e.nextChosen(id)

	st, err := e.m.Reconnect(ctx(t), rps.Name, "a")
	if err != nil {
		t.Fatal(err)
	}
	v := e.nextRoom(id)
	equal(t, "connected", v.Players[0].Connected, true)
	equal(t, "status room", view(st), v)
	if r := round(st); r == nil || r.Round != 1 || e.move("a") != rps.None {
		t.Fatalf("status = %+v", st)
	}
	// Then a alone is caught up: the room and the open round.
	catchUp := []rooms.Event{
		{Game: "rps", RoomID: id, To: "a", Name: "room", Data: v, Seq: st.Seq},
		{Game: "rps", RoomID: id, To: "a", Name: "start", Data: *round(st), Seq: st.Seq},
	}
	equal(t, "catch-up", []rooms.Event{e.next(id, "room"), e.next(id, "start")}, catchUp)
	equal(t, "status catch-up", st.CatchUp, catchUp[1:2:2])
	// a is back in time to play round 1.
	e.choose("a", 1, "paper")
	e.nextChosen(id)
	e.nextResult(id)
	e.nextRoom(id)
	// Reconnecting while connected changes nothing, but catches a up.
	if st, err = e.m.Reconnect(ctx(t), rps.Name, "a"); err != nil {
		t.Fatal(err)
	}
	if ev := e.next(id, "room"); ev.To != "a" || ev.Seq != st.Seq {
		t.Fatalf("catch-up %+v", ev)
	}
	e.quiet()
	// Long after the old grace, a is still seated.
	e.clock.Advance(gap)
	e.nextStart(id)
	e.clock.Advance(grace)
	st, err = e.m.Status(ctx(t), rps.Name, "a")
	if err != nil || st.RoomID != id || len(view(st).Players) != 2 {
		t.Fatalf("Status = %+v, %v", st, err)
	}
}

func TestJoinWhileDisconnectedReconnects(t *testing.T) {
	e := newEnv(t)
	id := e.join("a", 2).RoomID
	e.nextRoom(id)
	if err := e.m.Disconnect(ctx(t), rps.Name, "a"); err != nil {
		t.Fatal(err)
	}
	e.nextRoom(id)
	st := e.join("a", 2)
	equal(t, "room", st.RoomID, id)
	equal(t, "connected", e.nextRoom(id).Players[0].Connected, true)
	e.clock.Advance(grace * 2)
	e.quiet()
}

func TestStatus(t *testing.T) {
	e := newEnv(t)
	id, start := e.fill("a", "b")
	e.choose("a", 1, "scissors")
	st, err := e.m.Status(ctx(t), rps.Name, "a")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "round", *round(st), start)
	equal(t, "catch-up", st.CatchUp, []rooms.Event{{Game: "rps", RoomID: id, To: "a", Name: "start", Data: start, Seq: 3}})
	equal(t, "seq", st.Seq, 3)
	equal(t, "move", e.move("a"), rps.Scissors)
	// The catch-up never shows a move.
	b, _ := json.Marshal([]any{st.RoomPayload(), st.CatchUp[0].Payload()})
	if strings.Contains(string(b), "scissors") || strings.Contains(string(b), "move") {
		t.Fatalf("status JSON %s", b)
	}
	equal(t, "b's move", e.move("b"), rps.None)
	e.choose("b", 1, "rock")
	st, _ = e.m.Status(ctx(t), rps.Name, "b")
	if round(st) != nil || e.move("b") != rps.None || view(st).Players[1].Total != 1 || st.Seq != 4 {
		t.Fatalf("status after result = %+v", st)
	}
}

func TestLobby(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	if s, err := e.m.Stats(c); err != nil || s != (rooms.Stats{}) {
		t.Fatalf("Stats = %+v, %v", s, err)
	}
	id, _ := e.fill("a", "b")
	e.clock.Advance(time.Second)
	id3 := e.join("c", 3).RoomID
	e.choose("a", 1, "rock")
	e.choose("b", 1, "rock")
	l, err := e.m.List(c, "")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "list", l, []rooms.RoomSummary{
		{ID: id, Game: "rps", Size: 2, State: "playing", Players: 2},
		{ID: id3, Game: "rps", Size: 3, State: "waiting", Players: 1},
	})
	s, err := e.m.Stats(c)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "stats", s, rooms.Stats{Rooms: 2, Waiting: 1, Playing: 1, Players: 3, RoundsSettled: 1})
	b, _ := json.Marshal(s)
	equal(t, "stats JSON", string(b), `{"rooms":2,"waiting":1,"playing":1,"over":0,"players":3,"roundsSettled":1}`)
	r, err := e.m.Room(c, id3)
	if err != nil || r.ID != id3 || len(r.Players) != 1 || r.Game != "rps" || r.Phase != rooms.Waiting || r.Version != 1 {
		t.Fatalf("Room = %+v, %v", r, err)
	}
	b, _ = json.Marshal(l)
	equal(t, "list JSON", string(b), fmt.Sprintf(`[{"id":"%s","game":"rps","size":2,"state":"playing","players":2},`+
		`{"id":"%s","game":"rps","size":3,"state":"waiting","players":1}]`, id, id3))
	if l, _ := e.m.List(c, "rps"); len(l) != 2 {
		t.Fatalf("List(rps) = %+v", l)
	}
	_, err = e.m.List(c, "chess")
	wantCode(t, err, rooms.ErrBadRequest, "bad_request")
}

func TestOptions(t *testing.T) {
	if _, err := rps.New(rps.Config{RoundGap: -1}); err == nil {
		t.Fatal("negative RoundGap accepted")
	}
	bad := map[string]rooms.Options{
		"no games":       {},
		"repeated game":  {Games: append(games(t, rps.Config{}), games(t, rps.Config{})...)},
		"negative grace": {Games: games(t, rps.Config{}), ReconnectGrace: -1},
		"negative sweep": {Games: games(t, rps.Config{}), SweepInterval: -1},
	}
	for name, o := range bad {
		if _, err := rooms.New(o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// Zero options: defaults, system clock.
	m, err := rooms.New(rooms.Options{Games: games(t, rps.Config{})})
	if err != nil {
		t.Fatal(err)
	}
	c := ctx(t)
	if _, err := m.Join(c, rps.Name, "a", "", rooms.JoinOptions{Size: 0}); err != nil {
		t.Fatal(err)
	}
	st, err := m.Join(c, rps.Name, "b", "", rooms.JoinOptions{Size: 0})
	if err != nil {
		t.Fatal(err)
	}
	if r := round(st); r == nil || r.Duration != rps.DefaultRoundDuration.Milliseconds() {
		t.Fatalf("status = %+v", st)
	}
	if err := m.Shutdown(c); err != nil {
		t.Fatal(err)
	}
}

// TestSweep: a second Manager sharing the store takes over the rooms of one
// that stopped.
func TestSweep(t *testing.T) {
	e := newEnv(t)
	id, _ := e.fill("a", "b")
	if err := e.m.Disconnect(ctx(t), rps.Name, "a"); err != nil {
		t.Fatal(err)
	}
	e.nextRoom(id)
	if err := e.m.Shutdown(ctx(t)); err != nil {
		t.Fatal(err)
	}
	wantCode(t, e.m.Leave(ctx(t), rps.Name, "a"), rooms.ErrClosed, "unavailable")
	e.clock.Advance(roundDur)
	e.quiet() // the stopped manager's timer did not fire

	rec := roomstest.NewRecorder()
	m2, err := rooms.New(rooms.Options{Games: games(t, rps.Config{RoundDuration: roundDur, RoundGap: gap}), Store: e.store, Notifier: rec, Clock: e.clock, ReconnectGrace: grace})
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Shutdown(context.Background())
	if err := m2.Sweep(ctx(t)); err != nil {
		t.Fatal(err)
	}
	e.rec = rec
	e.nextResult(id)
	e.nextRoom(id)
	e.clock.Advance(gap) // m2 now runs the room's timer
	e.nextStart(id)
	e.clock.Advance(grace)
	e.nextResult(id) // round 2 at 23s
	e.nextRoom(id)
	e.nextStart(id)     // round 3 at 26s
	v := e.nextRoom(id) // grace of a ends at 30s
	equal(t, "players", ids(v), []string{"b"})
}

// TestNotifierCallsBack: the notifier may call the Manager.
func TestNotifierCallsBack(t *testing.T) {
	var m *rooms.Manager
	got := make(chan *rooms.Status, 10)
	n := rooms.NotifierFunc(func(ctx context.Context, ev rooms.Event) {
		if ev.Name == rps.EventStart {
			st, err := m.Status(ctx, rps.Name, "a")
			if err != nil {
				panic(err)
			}
			// Choosing from the notifier queues "chosen" after this event.
			if err := m.Act(ctx, rps.Name, "a", rps.Choose(1, "rock")); err != nil {
				panic(err)
			}
			got <- st
		}
	})
	clock := roomstest.NewClock(time.Time{})
	m, _ = rooms.New(rooms.Options{Games: games(t, rps.Config{}), Notifier: n, Clock: clock})
	defer m.Shutdown(context.Background())
	c := ctx(t)
	m.Join(c, rps.Name, "a", "", rooms.JoinOptions{Size: 2})
	m.Join(c, rps.Name, "b", "", rooms.JoinOptions{Size: 2})
	select {
	case st := <-got:
		if round(st) == nil {
			t.Fatalf("status = %+v", st)
		}
	case <-c.Done():
		t.Fatal("no start")
	}
	st, _ := m.Status(c, rps.Name, "a")
	if mv := rpsState(t, m, st.RoomID).Move("a"); mv != rps.Rock {
		t.Fatalf("move = %v", mv)
	}
}

// TestNotifierPanic: a panicking notifier does not wedge the room.
func TestNotifierPanic(t *testing.T) {
	var mu sync.Mutex
	var names []string
	n := rooms.NotifierFunc(func(ctx context.Context, ev rooms.Event) {
		mu.Lock()
		names = append(names, ev.Name)
		mu.Unlock()
		if ev.Name == rooms.EventRoom {
			panic("boom")
		}
	})
	m, _ := rooms.New(rooms.Options{Games: games(t, rps.Config{}), Notifier: n, Clock: roomstest.NewClock(time.Time{})})
	defer m.Shutdown(context.Background())
	c := ctx(t)
	m.Join(c, rps.Name, "a", "", rooms.JoinOptions{Size: 2})
	m.Join(c, rps.Name, "b", "", rooms.JoinOptions{Size: 2})
	mu.Lock()
	defer mu.Unlock()
	equal(t, "events", names, []string{"room", "room", "start"})
}

// TestSlowNotifierDoesNotBlockOtherRooms: while the notifier is stuck on one
// room's event, other rooms carry on.
func TestSlowNotifierDoesNotBlockOtherRooms(t *testing.T) {
	release := make(chan struct{})
	blocked := make(chan struct{})
	var mu sync.Mutex
	events := map[string][]string{} // room id -> event names
	n := rooms.NotifierFunc(func(ctx context.Context, ev rooms.Event) {
		if ev.Name == rps.EventStart && ev.Data.(rps.StartEvent).Round == 1 && len(events) == 1 {
			close(blocked)
			<-release // only the first room's first start blocks
		}
		mu.Lock()
		events[ev.RoomID] = append(events[ev.RoomID], ev.Name)
		mu.Unlock()
	})
	m, _ := rooms.New(rooms.Options{Games: games(t, rps.Config{}), Notifier: n, Clock: roomstest.NewClock(time.Time{})})
	defer m.Shutdown(context.Background())
	c := ctx(t)
	st1, _ := m.Join(c, rps.Name, "a", "", rooms.JoinOptions{Size: 2})
	joined := make(chan error, 1)
	go func() { _, err := m.Join(c, rps.Name, "b", "", rooms.JoinOptions{Size: 2}); joined <- err }()
	<-blocked
	// Room 1's "start" is stuck in b's Join. Another room works meanwhile.
	st2, err := m.Join(c, rps.Name, "x", "", rooms.JoinOptions{Size: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Join(c, rps.Name, "y", "", rooms.JoinOptions{Size: 2}); err != nil {
		t.Fatal(err)
	}
	// An event of room 1 caused meanwhile waits for the stuck one: the call
	// that caused it returns without publishing it.
	if err := m.Act(c, rps.Name, "a", rps.Choose(1, "rock")); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	equal(t, "room 1 events while stuck", events[st1.RoomID], []string{"room", "room"})
	equal(t, "room 2 events while room 1 stuck", events[st2.RoomID], []string{"room", "room", "start"})
	mu.Unlock()
	close(release)
	if err := <-joined; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	equal(t, "room 1 events", events[st1.RoomID], []string{"room", "room", "start", "chosen"})
}

func TestChannel(t *testing.T) {
	equal(t, "Channel", rooms.Channel("abc"), "room:abc")
	equal(t, "Event.Channel", rooms.Event{RoomID: "abc"}.Channel(), "room:abc")
}

// flakyStore fails Update while failing is set.
type flakyStore struct {
	*rooms.MemoryStore
	mu      sync.Mutex
	failing bool
}

func (s *flakyStore) Update(ctx context.Context, id string, fn func(*rooms.Room) error) (*rooms.Room, error) {
	s.mu.Lock()
	failing := s.failing
	s.mu.Unlock()
	if failing {
		return nil, errors.New("store unavailable")
	}
	return s.MemoryStore.Update(ctx, id, fn)
}

// UpdateCounting fails as Update does (the Manager prefers it).
func (s *flakyStore) UpdateCounting(ctx context.Context, id string, fn func(*rooms.Room) (int64, error)) (*rooms.Room, error) {
	s.mu.Lock()
	failing := s.failing
	s.mu.Unlock()
	if failing {
		return nil, errors.New("store unavailable")
	}
	return s.MemoryStore.UpdateCounting(ctx, id, fn)
}

// TestTimerRetriesStoreErrors: a store error at the deadline does not lose
// the round: the timer tries again a second later.
func TestTimerRetriesStoreErrors(t *testing.T) {
	store := &flakyStore{MemoryStore: rooms.NewMemoryStore()}
	clock := roomstest.NewClock(time.Time{})
	rec := roomstest.NewRecorder()
	m, _ := rooms.New(rooms.Options{Games: games(t, rps.Config{}), Store: store, Notifier: rec, Clock: clock})
	defer m.Shutdown(context.Background())
	e := &env{t: t, m: m, clock: clock, rec: rec, seqs: map[string]uint64{}}
	id, _ := e.fill("a", "b")
	store.mu.Lock()
	store.failing = true
	store.mu.Unlock()
	clock.Advance(rps.DefaultRoundDuration + 2*time.Second) // two failed attempts
	e.quiet()
	store.mu.Lock()
	store.failing = false
	store.mu.Unlock()
	clock.Advance(time.Second)
	e.nextResult(id)
	e.nextRoom(id)
}

// unavailableStore fails every call with ErrUnavailable while down is set.
// With slow set to a room's id, that room's updates fail as a call out of
// time does (ErrUnavailable, the store not down).
type unavailableStore struct {
	*rooms.MemoryStore
	mu   sync.Mutex
	down bool
	slow string
}

func (s *unavailableStore) fail() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		return fmt.Errorf("redis: %w: %w: connection refused", rooms.ErrUnavailable, rooms.ErrStoreDown)
	}
	return nil
}

func (s *unavailableStore) failRoom(id string) error {
	if err := s.fail(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.slow == id {
		return fmt.Errorf("redis: %w: %w", rooms.ErrUnavailable, context.DeadlineExceeded)
	}
	return nil
}

func (s *unavailableStore) Update(ctx context.Context, id string, fn func(*rooms.Room) error) (*rooms.Room, error) {
	if err := s.failRoom(id); err != nil {
		return nil, err
	}
	return s.MemoryStore.Update(ctx, id, fn)
}

func (s *unavailableStore) UpdateCounting(ctx context.Context, id string, fn func(*rooms.Room) (int64, error)) (*rooms.Room, error) {
	if err := s.failRoom(id); err != nil {
		return nil, err
	}
	return s.MemoryStore.UpdateCounting(ctx, id, fn)
}

func (s *unavailableStore) Due(ctx context.Context, now time.Time, limit int) ([]string, error) {
	if err := s.fail(); err != nil {
		return nil, err
	}
	return s.MemoryStore.Due(ctx, now, limit)
}

// TestRecoveryHold: after the store was unavailable, what timers and
// sweeps do waits until it has answered for RecoveryHold; players' calls
// do not wait.
func TestRecoveryHold(t *testing.T) {
	store := &unavailableStore{MemoryStore: rooms.NewMemoryStore()}
	clock := roomstest.NewClock(time.Time{})
	rec := roomstest.NewRecorder()
	const hold = 2 * time.Second
	m, err := rooms.New(rooms.Options{Games: games(t, rps.Config{}), Store: store, Notifier: rec, Clock: clock,
		SweepInterval: 500 * time.Millisecond, SweepDelay: 500 * time.Millisecond, RecoveryHold: hold})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Shutdown(context.Background())
	e := &env{t: t, m: m, clock: clock, rec: rec, seqs: map[string]uint64{}}
	id, start := e.fill("a", "b")
	store.mu.Lock()
	store.down = true
	store.mu.Unlock()
	wantCode(t, e.chooseErr("a", start.Round, "rock"), rooms.ErrUnavailable, "unavailable")
	clock.Advance(rps.DefaultRoundDuration + 3*time.Second) // the deadline passes; retries and sweeps fail
	e.quiet()
	store.mu.Lock()
	store.down = false
	store.mu.Unlock()
	back := clock.Now()
	// The last failure was at most a sweep interval ago (sweeps keep
	// checking the store during the hold): nothing until the hold has
	// passed since it.
	clock.Advance(hold - 500*time.Millisecond)
	e.quiet()
	clock.Advance(time.Second)
	e.nextResult(id)
	e.nextRoom(id)
	if late := clock.Now().Sub(back); late > hold+time.Second {
		t.Fatalf("settled %v after the store came back", late)
	}
	// A player's call after the store is back is not held.
	if err := e.chooseErr("a", start.Round+1, "rock"); err != nil && !errors.Is(err, rps.ErrRoundClosed) {
		t.Fatal(err)
	}
}

// localRecorder is a Recorder that also records local subscriptions, with
// whether the player was already seated in the store when they came.
type localRecorder struct {
	*roomstest.Recorder
	store *rooms.MemoryStore
	mu    sync.Mutex
	log   []string
}

func (r *localRecorder) SubscribeLocal(ctx context.Context, game, roomID, playerID string) {
	seated := "unseated"
	if id, _ := r.store.PlayerRoom(ctx, game, playerID); id == roomID {
		seated = "seated"
	}
	r.mu.Lock()
	r.log = append(r.log, "+"+playerID+" "+seated)
	r.mu.Unlock()
}

func (r *localRecorder) UnsubscribeLocal(_ context.Context, _, _, playerID string) {
	r.mu.Lock()
	r.log = append(r.log, "-"+playerID)
	r.mu.Unlock()
}

// refusingStore refuses one CreateIfNoneWaiting when refuse is set.
type refusingStore struct {
	*rooms.MemoryStore
	refuse *atomic.Bool
}

func (s *refusingStore) CreateIfNoneWaiting(ctx context.Context, r *rooms.Room) error {
	if s.refuse.Swap(false) {
		return rooms.ErrWaitingRoom
	}
	return s.MemoryStore.CreateIfNoneWaiting(ctx, r)
}

// TestSubscribeLocalBeforeSeated: the connections on this process of a
// player who opens a room (or comes back to theirs) join the room's channel
// before it is stored, so that events another process publishes once it
// sees them there cannot arrive first. A player who fills a waiting room
// is subscribed with the room's events, as before.
func TestSubscribeLocalBeforeSeated(t *testing.T) {
	store := rooms.NewMemoryStore()
	rec := &localRecorder{Recorder: roomstest.NewRecorder(), store: store}
	var refuse atomic.Bool
	m, err := rooms.New(rooms.Options{Games: games(t, rps.Config{}), Store: &refusingStore{store, &refuse}, Notifier: rec, Clock: roomstest.NewClock(time.Time{})})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Shutdown(context.Background())
	c := ctx(t)
	st, err := m.Join(c, rps.Name, "a", "", rooms.JoinOptions{Size: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Join(c, rps.Name, "b", "", rooms.JoinOptions{Size: 2}); err != nil {
		t.Fatal(err)
	}
	if err := m.Disconnect(c, rps.Name, "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Reconnect(c, rps.Name, "a"); err != nil {
		t.Fatal(err)
	}
	// c asks for the full room by id (not subscribed: others may be racing
	// for a waiting room), then opens a new room.
	if _, err := m.Join(c, rps.Name, "c", "", rooms.JoinOptions{RoomID: st.RoomID, Size: 3}); err != nil {
		t.Fatal(err)
	}
	// d's new room is refused once (as when another node opened one just
	// before): undone, then d tries again.
	refuse.Store(true)
	if _, err := m.Join(c, rps.Name, "d", "", rooms.JoinOptions{Size: 4}); err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	equal(t, "local subscriptions", rec.log, []string{"+a unseated", "+a seated", "+c unseated", "+d unseated", "-d", "+d unseated"})
}

// TestSlowCallRetriedPromptly: a store call out of time at the deadline
// (unavailable, but the store is not down: ErrStoreDown is not set) holds
// nobody and is tried again 20 ms later, not left to a sweep; only a store
// that is down holds the timers (TestRecoveryHold).
func TestSlowCallRetriedPromptly(t *testing.T) {
	store := &unavailableStore{MemoryStore: rooms.NewMemoryStore()}
	clock := roomstest.NewClock(time.Time{})
	rec := roomstest.NewRecorder()
	m, err := rooms.New(rooms.Options{Games: games(t, rps.Config{}), Store: store, Notifier: rec, Clock: clock,
		SweepInterval: 500 * time.Millisecond, SweepDelay: 500 * time.Millisecond, RecoveryHold: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Shutdown(context.Background())
	e := &env{t: t, m: m, clock: clock, rec: rec, seqs: map[string]uint64{}}
	id, _ := e.fill("a", "b")
	other, _ := e.fill("c", "d")
	store.mu.Lock()
	store.slow = id // only this room's calls time out
	store.mu.Unlock()
	clock.Advance(rps.DefaultRoundDuration) // the deadline: one room's call fails, the other's goes through
	e.nextResult(other)
	e.nextRoom(other)
	e.quiet()
	store.mu.Lock()
	store.slow = ""
	store.mu.Unlock()
	clock.Advance(20 * time.Millisecond)
	e.nextResult(id)
	e.nextRoom(id)
}

// TestSnapshot: a room's snapshot is its "room" for everyone and each
// player's catch-up (rps: the open round's "start"), at the room's seq.
func TestSnapshot(t *testing.T) {
	e := newEnv(t)
	id, start := e.fill("a", "b")
	r, err := e.m.Room(ctx(t), id)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := e.m.Snapshot(ctx(t), id)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range evs {
		if ev.Seq != r.Version || ev.RoomID != id {
			t.Fatalf("event %+v at seq %d", ev, r.Version)
		}
		if ev.Name == rps.EventStart && ev.Data.(rps.StartEvent).Round != start.Round {
			t.Fatalf("start %+v", ev.Data)
		}
		got = append(got, ev.Name+">"+ev.To)
	}
	if want := []string{"room>", "start>a", "start>b"}; !slices.Equal(got, want) {
		t.Fatalf("snapshot %v, want %v", got, want)
	}
	if _, err := e.m.Snapshot(ctx(t), "nope"); !errors.Is(err, rooms.ErrRoomNotFound) {
		t.Fatalf("snapshot of no room: %v", err)
	}
}
