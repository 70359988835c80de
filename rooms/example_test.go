package rooms_test

import (
	"context"
	"fmt"

	"github.com/rpsio/rpsio/rooms"
)

func Example() {
	ctx := context.Background()
	// The server's notifier emits ev.Name with ev.Data to the Socket.IO room
	// rooms.Channel(ev.RoomID). This one prints the events.
	notifier := rooms.NotifierFunc(func(_ context.Context, ev rooms.Event) {
		switch d := ev.Data.(type) {
		case rooms.RoomView:
			fmt.Printf("room: %s, %d/%d players, round %d\n", d.State, len(d.Players), d.Size, d.Round)
		case rooms.StartEvent:
			fmt.Printf("start: round %d, %d ms\n", d.Round, d.Duration)
		case rooms.ChosenEvent:
			fmt.Printf("chosen: %s\n", d.PlayerID)
		case rooms.ResultEvent:
			fmt.Printf("result: round %d, ann played %v, bob played %v\n", d.Round, d.Moves["ann"], d.Moves["bob"])
			for _, p := range d.Players {
				fmt.Printf("  %s x=%d streak=%d score=%d total=%d\n", p.ID, p.X, p.Streak, p.Score, p.Total)
			}
		}
	})
	m, err := rooms.New(rooms.Options{Notifier: notifier})
	if err != nil {
		panic(err)
	}
	defer m.Shutdown(ctx)

	if _, err := m.Join(ctx, "ann", "Ann", 2); err != nil {
		panic(err)
	}
	st, err := m.Join(ctx, "bob", "Bob", 2) // fills the room: round 1 starts
	if err != nil {
		panic(err)
	}
	round := st.Round.Round
	if err := m.Choose(ctx, "ann", round, "paper"); err != nil {
		panic(err)
	}
	// A different move is refused with a coded error.
	err = m.Choose(ctx, "ann", round, "rock")
	fmt.Println("error code:", rooms.ErrorCode(err))
	// Everyone has chosen: the round is settled at once.
	if err := m.Choose(ctx, "bob", round, "rock"); err != nil {
		panic(err)
	}
	// Output:
	// room: waiting, 1/2 players, round 0
	// room: playing, 2/2 players, round 1
	// start: round 1, 10000 ms
	// chosen: ann
	// error code: already_chosen
	// chosen: bob
	// result: round 1, ann played paper, bob played rock
	//   ann x=1 streak=1 score=1 total=1
	//   bob x=-1 streak=0 score=0 total=0
	// room: playing, 2/2 players, round 1
}
