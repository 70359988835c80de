package rooms_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/rpsio/rpsio/game"
	"github.com/rpsio/rpsio/game/rps"
	"github.com/rpsio/rpsio/rooms"
)

func Example() {
	ctx := context.Background()
	// The server's notifier emits ev.Name with ev.Payload() to the Socket.IO
	// room rooms.Channel(ev.RoomID) of the game's namespace. This one prints
	// the events.
	notifier := rooms.NotifierFunc(func(_ context.Context, ev rooms.Event) {
		switch d := ev.Data.(type) {
		case rps.RoomView:
			fmt.Printf("seq %d room: %s, %d/%d players, round %d\n", ev.Seq, d.State, len(d.Players), d.Size, d.Round)
		case rps.StartEvent:
			fmt.Printf("seq %d start: round %d, %d ms\n", ev.Seq, d.Round, d.Duration)
		case rps.ChosenEvent:
			fmt.Printf("seq %d chosen: %s\n", ev.Seq, d.PlayerID)
		case rps.ResultEvent:
			fmt.Printf("seq %d result: round %d, ann played %v, bob played %v\n", ev.Seq, d.Round, d.Moves["ann"], d.Moves["bob"])
			for _, p := range d.Players {
				fmt.Printf("  %s x=%d streak=%d score=%d total=%d\n", p.ID, p.X, p.Streak, p.Score, p.Total)
			}
		}
	})
	rules, err := rps.New(rps.Config{})
	if err != nil {
		panic(err)
	}
	m, err := rooms.New(rooms.Options{Games: []game.Rules{rules}, Notifier: notifier})
	if err != nil {
		panic(err)
	}
	defer m.Shutdown(ctx)

	if _, err := m.Join(ctx, "rps", "ann", "Ann", rooms.JoinOptions{Size: 2}); err != nil {
		panic(err)
	}
	// Bob fills the room: round 1 starts.
	if _, err := m.Join(ctx, "rps", "bob", "Bob", rooms.JoinOptions{}); err != nil {
		panic(err)
	}
	// Actions arrive as the client sent them: {"round":1,"move":"paper"}.
	if err := m.Act(ctx, "rps", "ann", game.Action{Name: "choose", Args: json.RawMessage(`{"round":1,"move":"paper"}`)}); err != nil {
		panic(err)
	}
	// A different move is refused with a coded error.
	err = m.Act(ctx, "rps", "ann", rps.Choose(1, "rock"))
	fmt.Println("error code:", rooms.ErrorCode(err))
	// Everyone has chosen: the round is settled at once.
	if err := m.Act(ctx, "rps", "bob", rps.Choose(1, "rock")); err != nil {
		panic(err)
	}
	// Output:
	// seq 1 room: waiting, 1/2 players, round 0
	// seq 2 room: playing, 2/2 players, round 1
	// seq 2 start: round 1, 10000 ms
	// seq 3 chosen: ann
	// error code: already_chosen
	// seq 4 chosen: bob
	// seq 4 result: round 1, ann played paper, bob played rock
	//   ann x=1 streak=1 score=1 total=1
	//   bob x=-1 streak=0 score=0 total=0
	// seq 4 room: playing, 2/2 players, round 1
}

// Payloads go on the wire with the room's version as "seq".
func ExampleEvent_Payload() {
	ev := rooms.Event{Name: "chosen", Data: rps.ChosenEvent{RoomID: "r1", Round: 2, PlayerID: "ann"}, Seq: 7}
	b, _ := json.Marshal(ev.Payload())
	fmt.Println(string(b))
	// Output: {"roomId":"r1","round":2,"playerId":"ann","seq":7}
}
