package rps_test

import (
	"fmt"

	"github.com/rpsio/rpsio/game/rps"
)

func Example() {
	m, err := rps.ParseMove("rock")
	if err != nil {
		panic(err)
	}
	players := []rps.Player{
		{ID: "ann", Streak: 1, Total: 2},
		{ID: "bob"},
		{ID: "cid"},
	}
	// cid did not choose before the deadline: they forfeit.
	results, err := rps.Settle(players, map[string]rps.Move{"ann": m, "bob": rps.Scissors})
	if err != nil {
		panic(err)
	}
	for _, r := range results {
		fmt.Printf("%s x=%d streak=%d score=%d total=%d\n", r.ID, r.X, r.Streak, r.Score, r.Total)
	}
	// Output:
	// ann x=2 streak=2 score=4 total=6
	// bob x=0 streak=0 score=0 total=0
	// cid x=-2 streak=0 score=0 total=0
}

func ExampleParseMove() {
	_, err := rps.ParseMove("lizard")
	fmt.Println(err)
	// Output: rps: invalid move: "lizard"
}
