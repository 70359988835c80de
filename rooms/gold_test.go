package rooms_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/rpsio/rpsio/game"
	"github.com/rpsio/rpsio/game/gold"
	"github.com/rpsio/rpsio/game/rps"
	"github.com/rpsio/rpsio/rooms"
	"github.com/rpsio/rpsio/rooms/roomstest"
)

const goldTurn = 20 * time.Second

// newGoldEnv is a Manager running gold (3×3, 2 gold) and rps on a fake
// clock.
func newGoldEnv(t *testing.T) *env {
	t.Helper()
	g, err := gold.New(gold.Config{Width: 3, Height: 3, Gold: 2, TurnDuration: goldTurn})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, clock: roomstest.NewClock(time.Time{}), rec: roomstest.NewRecorder(), store: rooms.NewMemoryStore(), seqs: map[string]uint64{}}
	e.m, err = rooms.New(rooms.Options{
		Games:          []game.Rules{g, newRPS(t, rps.Config{})},
		Store:          e.store,
		Notifier:       e.rec,
		ReconnectGrace: grace,
		Clock:          e.clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.m.Shutdown(context.Background()) })
	return e
}

func (e *env) goldJoin(player string, opts rooms.JoinOptions) *rooms.Status {
	e.t.Helper()
	st, err := e.m.Join(ctx(e.t), gold.Name, player, "name-"+player, opts)
	if err != nil {
		e.t.Fatalf("Join(%q): %v", player, err)
	}
	return st
}

func (e *env) dig(player string, x, y int) error {
	return e.m.Act(ctx(e.t), gold.Name, player, gold.DigAction(x, y))
}

// goldState decodes the stored state of a gold room.
func goldState(t testing.TB, m *rooms.Manager, roomID string) *gold.State {
	t.Helper()
	r, err := m.Room(ctx(t), roomID)
	if err != nil {
		t.Fatal(err)
	}
	s, err := m.Rules(gold.Name).Decode(r.State)
	if err != nil {
		t.Fatal(err)
	}
	return s.(*gold.State)
}

// cells splits the board of a gold room into gold and other cells.
func cells(t testing.TB, m *rooms.Manager, roomID string) (goldCells, others [][2]int) {
	s := goldState(t, m, roomID)
	for i := range s.Width * s.Height {
		xy := [2]int{i % s.Width, i / s.Width}
		isGold := false
		for _, g := range s.Gold {
			isGold = isGold || g == i
		}
		if isGold {
			goldCells = append(goldCells, xy)
		} else {
			others = append(others, xy)
		}
	}
	return goldCells, others
}

func TestGoldGame(t *testing.T) {
	e := newGoldEnv(t)
	st := e.goldJoin("a", rooms.JoinOptions{CatchUp: true})
	id := st.RoomID
	equal(t, "room", e.nextRoom2(id), any(gold.RoomView{ID: id, Size: 2, State: "waiting", Players: []gold.PlayerView{{ID: "a", Name: "name-a", Connected: true}}}))
	board := e.next(id, gold.EventBoard)
	if board.To != "a" || board.Data.(gold.BoardEvent).Turn != nil || board.Data.(gold.BoardEvent).Width != 3 {
		t.Fatalf("board on join: %+v", board)
	}
	wantCode(t, e.dig("a", 0, 0), gold.ErrNotYourTurn, "not_your_turn")
	wantCode(t, e.dig("z", 0, 0), rooms.ErrNotInRoom, "not_in_room")

	e.goldJoin("b", rooms.JoinOptions{RoomID: id, Size: 4, CatchUp: true}) // the room id wins over the size
	if v := e.nextRoom2(id).(gold.RoomView); v.State != "playing" || len(v.Players) != 2 {
		t.Fatalf("room after the fill: %+v", v)
	}
	turn := e.next(id, gold.EventTurn).Data.(gold.TurnEvent)
	equal(t, "first turn", turn, gold.TurnEvent{RoomID: id, PlayerID: "a", Deadline: e.clock.Now().Add(goldTurn).UnixMilli(), Duration: goldTurn.Milliseconds()})
	if b := e.next(id, gold.EventBoard); b.To != "b" || b.Data.(gold.BoardEvent).Turn.PlayerID != "a" {
		t.Fatalf("b's board: %+v", b)
	}
	e.quiet()
	if p := e.clock.Pending(); len(p) != 1 || !p[0].Equal(e.clock.Now().Add(goldTurn)) {
		t.Fatalf("timers %v", p)
	}

	golds, others := cells(t, e.m, id)
	// a digs a number; b's turn.
	if err := e.dig("a", others[0][0], others[0][1]); err != nil {
		t.Fatal(err)
	}
	dug := e.next(id, gold.EventDug).Data.(gold.DugEvent)
	if dug.By != "a" || dug.Gold {
		t.Fatalf("dug %+v", dug)
	}
	equal(t, "turn", e.next(id, gold.EventTurn).Data.(gold.TurnEvent).PlayerID, "b")
	wantCode(t, e.dig("a", golds[0][0], golds[0][1]), gold.ErrNotYourTurn, "not_your_turn")
	wantCode(t, e.dig("b", others[0][0], others[0][1]), gold.ErrAlreadyOpen, "already_open")
	wantCode(t, e.dig("b", 3, 0), gold.ErrOutOfBounds, "out_of_bounds")
	wantCode(t, e.m.Act(ctx(t), gold.Name, "b", game.Action{Name: "dig", Args: json.RawMessage(`{"x":"0"}`)}), rooms.ErrBadRequest, "bad_request")
	e.quiet()

	// b lets the time run out: a's turn.
	e.clock.Advance(goldTurn)
	equal(t, "timeout", e.next(id, gold.EventTurn).Data.(gold.TurnEvent).PlayerID, "a")
	// a drops: a's turn passes to b at once; b digs gold and plays again
	// while a is away.
	if err := e.m.Disconnect(ctx(t), gold.Name, "a"); err != nil {
		t.Fatal(err)
	}
	if v := e.nextRoom2(id).(gold.RoomView); v.Players[0].Connected {
		t.Fatal("a still connected")
	}
	equal(t, "passed at once", e.next(id, gold.EventTurn).Data.(gold.TurnEvent).PlayerID, "b")
	if err := e.dig("b", golds[0][0], golds[0][1]); err != nil {
		t.Fatal(err)
	}
	if d := e.next(id, gold.EventDug).Data.(gold.DugEvent); !d.Gold || d.Scores["b"] != 1 || d.Remaining != 1 {
		t.Fatalf("dug gold: %+v", d)
	}
	equal(t, "b again", e.next(id, gold.EventTurn).Data.(gold.TurnEvent).PlayerID, "b")
	// a comes back: caught up with the room and the board.
	st, err := e.m.Reconnect(ctx(t), gold.Name, "a")
	if err != nil {
		t.Fatal(err)
	}
	e.nextRoom2(id)
	if ev := e.next(id, rooms.EventRoom); ev.To != "a" {
		t.Fatalf("catch-up room %+v", ev)
	}
	b := e.next(id, gold.EventBoard)
	if b.To != "a" || b.Seq != st.Seq || b.Data.(gold.BoardEvent).Scores["b"] != 1 || b.Data.(gold.BoardEvent).Turn.PlayerID != "b" {
		t.Fatalf("catch-up board %+v", b)
	}
	equal(t, "status catch-up", st.CatchUp, []rooms.Event{b})
	// b digs the last gold: over.
	if err := e.dig("b", golds[1][0], golds[1][1]); err != nil {
		t.Fatal(err)
	}
	e.next(id, gold.EventDug)
	equal(t, "over", e.next(id, gold.EventOver).Data.(gold.OverEvent), gold.OverEvent{RoomID: id, Scores: map[string]int{"a": 0, "b": 2}, Winners: []string{"b"}})
	if v := e.nextRoom2(id).(gold.RoomView); v.State != "over" || v.Players[1].Score != 2 {
		t.Fatalf("room when over: %+v", v)
	}
	e.quiet()
	if p := e.clock.Pending(); len(p) != 0 {
		t.Fatalf("timers after the end: %v", p)
	}
	wantCode(t, e.dig("a", others[1][0], others[1][1]), gold.ErrGameOver, "game_over")
	// The room stays over; joining returns it; it is not in the lobby as
	// waiting; a new join after leaving gets a new room.
	if again := e.goldJoin("a", rooms.JoinOptions{}); again.RoomID != id {
		t.Fatalf("join while seated in an over room gave %s", again.RoomID)
	}
	l, _ := e.m.List(ctx(t), gold.Name)
	equal(t, "lobby", l, []rooms.RoomSummary{{ID: id, Game: "gold", Size: 2, State: "over", Players: 2}})
	s, _ := e.m.Stats(ctx(t))
	equal(t, "stats", s, rooms.Stats{Rooms: 1, Over: 1, Players: 2})
	if err := e.m.Leave(ctx(t), gold.Name, "a"); err != nil {
		t.Fatal(err)
	}
	e.nextRoom2(id)
	if st := e.goldJoin("a", rooms.JoinOptions{RoomID: id}); st.RoomID == id {
		t.Fatal("joined the over room again")
	}
}

// nextRoom2 returns the payload of the next "room" event (any game).
func (e *env) nextRoom2(roomID string) any {
	e.t.Helper()
	return e.next(roomID, rooms.EventRoom).Data
}

func TestGoldLeaveAndGrace(t *testing.T) {
	e := newGoldEnv(t)
	id := e.goldJoin("a", rooms.JoinOptions{Size: 3}).RoomID
	e.goldJoin("b", rooms.JoinOptions{Size: 3})
	e.goldJoin("c", rooms.JoinOptions{Size: 3})
	for range 3 {
		e.nextRoom2(id)
	}
	equal(t, "first", e.next(id, gold.EventTurn).Data.(gold.TurnEvent).PlayerID, "a")
	// a (whose turn it is) leaves: room, then b's turn.
	if err := e.m.Leave(ctx(t), gold.Name, "a"); err != nil {
		t.Fatal(err)
	}
	if v := e.nextRoom2(id).(gold.RoomView); len(v.Players) != 2 || v.State != "playing" {
		t.Fatalf("after a left: %+v", v)
	}
	equal(t, "b's turn", e.next(id, gold.EventTurn).Data.(gold.TurnEvent).PlayerID, "b")
	// A playing gold room with a free seat takes nobody.
	if st := e.goldJoin("d", rooms.JoinOptions{RoomID: id, Size: 3, CatchUp: true}); st.RoomID == id {
		t.Fatal("d joined a game in progress")
	}
	e.nextRoom2("")
	e.next("", gold.EventBoard)
	// c disconnects and does not come back: after the grace c leaves.
	if err := e.m.Disconnect(ctx(t), gold.Name, "c"); err != nil {
		t.Fatal(err)
	}
	e.nextRoom2(id)
	e.clock.Advance(goldTurn) // b times out; c is away: b again
	equal(t, "b again", e.next(id, gold.EventTurn).Data.(gold.TurnEvent).PlayerID, "b")
	e.clock.Advance(grace - goldTurn)
	if v := e.nextRoom2(id).(gold.RoomView); len(v.Players) != 1 || v.Players[0].ID != "b" {
		t.Fatalf("after c's grace: %+v", v)
	}
	s := goldState(t, e.m, id)
	equal(t, "order", s.Order, []string{"b"})
	// b finishes alone.
	golds, _ := cells(t, e.m, id)
	for _, g := range golds {
		if err := e.dig("b", g[0], g[1]); err != nil {
			t.Fatal(err)
		}
	}
	r, _ := e.m.Room(ctx(t), id)
	equal(t, "phase", r.Phase, rooms.Over)
	equal(t, "wake", r.WakeAt, time.Time{})
}

// TestOneSeatPerGame: a player may sit in an rps room and a gold room at
// once, but in only one room of each game.
func TestOneSeatPerGame(t *testing.T) {
	e := newGoldEnv(t)
	g1 := e.goldJoin("a", rooms.JoinOptions{})
	r1, err := e.m.Join(ctx(t), rps.Name, "a", "", rooms.JoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if g1.RoomID == r1.RoomID || g1.Game != "gold" || r1.Game != "rps" {
		t.Fatalf("rooms %+v %+v", g1, r1)
	}
	if g2 := e.goldJoin("a", rooms.JoinOptions{Size: 4}); g2.RoomID != g1.RoomID {
		t.Fatal("a second gold seat")
	}
	// Another player's gold room, joined by id: a stays where they are.
	other := e.goldJoin("b", rooms.JoinOptions{Size: 3})
	if g3 := e.goldJoin("a", rooms.JoinOptions{RoomID: other.RoomID}); g3.RoomID != g1.RoomID {
		t.Fatal("moved rooms")
	}
	// An rps room id given to gold: not joinable there; c is matched by
	// size instead, into a's room.
	if st := e.goldJoin("c", rooms.JoinOptions{RoomID: r1.RoomID}); st.RoomID != g1.RoomID || st.Game != "gold" {
		t.Fatalf("c joined %+v", st)
	}
	// Leaving one game leaves the other seat alone.
	if err := e.m.Leave(ctx(t), gold.Name, "a"); err != nil {
		t.Fatal(err)
	}
	if st, err := e.m.Status(ctx(t), rps.Name, "a"); err != nil || st.RoomID != r1.RoomID {
		t.Fatalf("rps seat after leaving gold: %+v, %v", st, err)
	}
	_, err = e.m.Status(ctx(t), gold.Name, "a")
	wantCode(t, err, rooms.ErrNotInRoom, "not_in_room")
	// Acting in a game one is not seated in.
	wantCode(t, e.m.Act(ctx(t), gold.Name, "a", gold.DigAction(0, 0)), rooms.ErrNotInRoom, "not_in_room")
	wantCode(t, e.m.Act(ctx(t), "chess", "a", gold.DigAction(0, 0)), rooms.ErrBadRequest, "bad_request")
	wantCode(t, e.m.Act(ctx(t), rps.Name, "a", gold.DigAction(0, 0)), rooms.ErrBadRequest, "bad_request")
	l, _ := e.m.List(ctx(t), "")
	if len(l) != 3 {
		t.Fatalf("lobby %+v", l)
	}
}

// TestSeq: events carry the room's version after the change that caused
// them; a change that stores nothing does not move it.
func TestSeq(t *testing.T) {
	e := newEnv(t)
	id, _ := e.fill("a", "b") // versions 1 and 2
	r, _ := e.m.Room(ctx(t), id)
	equal(t, "version", r.Version, 2)
	e.choose("a", 1, "rock")
	equal(t, "chosen seq", e.next(id, rps.EventChosen).Seq, 3)
	e.choose("a", 1, "rock") // a retry: no change
	e.quiet()
	r, _ = e.m.Room(ctx(t), id)
	equal(t, "version after a retry", r.Version, 3)
	e.choose("b", 1, "paper")
	evs := []rooms.Event{e.next(id, rps.EventChosen), e.next(id, rps.EventResult), e.next(id, rooms.EventRoom)}
	for _, ev := range evs {
		equal(t, ev.Name+" seq", ev.Seq, 4)
	}
	e.clock.Advance(gap)
	equal(t, "start seq", e.next(id, rps.EventStart).Seq, 5)
	// A wake-up with nothing due stores nothing.
	if err := e.m.Sweep(ctx(t)); err != nil {
		t.Fatal(err)
	}
	r, _ = e.m.Room(ctx(t), id)
	equal(t, "version after an idle sweep", r.Version, 5)
	b, _ := json.Marshal(evs[0].Payload())
	equal(t, "JSON", string(b), `{"roomId":"`+id+`","round":1,"playerId":"b","seq":4}`)
}

// TestSweepInterval: with a sweep interval, a Manager applies what is due
// in rooms whose timers another (dead) Manager held.
func TestSweepInterval(t *testing.T) {
	e := newEnv(t)
	id, _ := e.fill("a", "b")
	if err := e.m.Shutdown(ctx(t)); err != nil {
		t.Fatal(err)
	}
	rec := roomstest.NewRecorder()
	m2, err := rooms.New(rooms.Options{Games: games(t, rps.Config{RoundDuration: roundDur, RoundGap: gap}), Store: e.store, Notifier: rec,
		Clock: e.clock, ReconnectGrace: grace, SweepInterval: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Shutdown(context.Background())
	e.rec = rec
	e.clock.Advance(roundDur - time.Second)
	e.quiet()
	e.clock.Advance(time.Second) // the deadline: the sweep at that second settles the round
	e.nextResult(id)
	e.nextRoom(id)
	e.clock.Advance(gap) // m2 armed its own timer meanwhile
	e.nextStart(id)
	e.quiet()
	if err := m2.Shutdown(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if p := e.clock.Pending(); len(p) != 0 {
		t.Fatalf("timers after Shutdown: %v", p)
	}
}

// TestDamagedState: a room whose stored state does not decode is reset,
// not stuck.
func TestDamagedState(t *testing.T) {
	e := newEnv(t)
	id, _ := e.fill("a", "b")
	if _, err := e.store.Update(ctx(t), id, func(r *rooms.Room) error {
		r.State = json.RawMessage(`{"roomId":"` + id + `","round":-5}`)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(roundDur) // the timer wakes the room up
	// The game starts over with the same players (the room is full).
	if v := e.nextRoom(id); v.State != "playing" || v.Round != 1 {
		t.Fatalf("after the reset: %+v", v)
	}
	if st := e.nextStart(id); st.Round != 1 {
		t.Fatalf("start after the reset %+v", st)
	}
	// Play goes on: the room fills again when someone leaves and joins.
	if err := e.m.Leave(ctx(t), rps.Name, "b"); err != nil {
		t.Fatal(err)
	}
	e.nextRoom(id)
	e.join("c", 2)
	e.nextRoom(id)
	if st := e.nextStart(id); st.Round != 2 {
		t.Fatalf("start %+v", st)
	}
}

// TestActAppliesWhatIsDueFirst: an action meets the room as it is at its
// time, even if the timer that would have passed the turn has not fired
// (here: it died with another Manager).
func TestActAppliesWhatIsDueFirst(t *testing.T) {
	e := newGoldEnv(t)
	id := e.goldJoin("a", rooms.JoinOptions{}).RoomID
	e.goldJoin("b", rooms.JoinOptions{})
	if err := e.m.Shutdown(ctx(t)); err != nil {
		t.Fatal(err)
	}
	e.rec = roomstest.NewRecorder()
	m2, err := rooms.New(rooms.Options{Games: []game.Rules{e.m.Rules(gold.Name)}, Store: e.store, Notifier: e.rec, Clock: e.clock, ReconnectGrace: grace})
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Shutdown(context.Background())
	e.m = m2
	e.clock.Advance(goldTurn) // a's time is up; no timer of m2's knows
	e.quiet()
	_, others := cells(t, m2, id)
	r, _ := m2.Room(ctx(t), id)
	// a is refused, and nothing is stored.
	wantCode(t, e.dig("a", others[0][0], others[0][1]), gold.ErrNotYourTurn, "not_your_turn")
	e.quiet()
	if r2, _ := m2.Room(ctx(t), id); r2.Version != r.Version {
		t.Fatalf("a refused dig stored version %d", r2.Version)
	}
	// b digs: the turn passes to b first, then b's dig, then a's turn.
	if err := e.dig("b", others[0][0], others[0][1]); err != nil {
		t.Fatal(err)
	}
	equal(t, "passed", e.next(id, gold.EventTurn).Data.(gold.TurnEvent).PlayerID, "b")
	equal(t, "dug", e.next(id, gold.EventDug).Data.(gold.DugEvent).By, "b")
	equal(t, "next", e.next(id, gold.EventTurn).Data.(gold.TurnEvent).PlayerID, "a")
	e.quiet()
}
