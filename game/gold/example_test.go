package gold_test

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/rpsio/rpsio/game"
	"github.com/rpsio/rpsio/game/gold"
)

func Example() {
	rules, err := gold.New(gold.Config{Width: 4, Height: 3, Gold: 2})
	if err != nil {
		panic(err)
	}
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	s := rules.New("room1", 2)
	// The room is full: the gold is placed (randomness is an argument) and
	// the first seat plays.
	step, _ := s.Start([]game.Player{{ID: "ann", Connected: true}, {ID: "bob", Connected: true}}, now, rand.New(rand.NewPCG(1, 2)))
	fmt.Println(step.Events[0].Name, step.Events[0].Data.(gold.TurnEvent).PlayerID)
	// Bob may not dig out of turn.
	dig, _ := rules.Parse(gold.DigAction(0, 0))
	_, err = s.Act("bob", dig, now)
	fmt.Println(err)
	// Ann digs; the turn passes to Bob.
	step, _ = s.Act("ann", dig, now)
	d := step.Events[0].Data.(gold.DugEvent)
	fmt.Println(step.Events[0].Name, d.By, len(d.Opened) > 0, step.Events[1].Data.(gold.TurnEvent).PlayerID)
	// Output:
	// turn ann
	// it is not your turn
	// dug ann true bob
}

func ExampleNewBoard() {
	b := gold.NewBoard(5, 3, 3, rand.New(rand.NewPCG(4, 5)))
	numbers := 0
	for _, v := range b.Values {
		if v != gold.Gold {
			numbers++
		}
	}
	fmt.Println(b.Width, "×", b.Height, "with", len(b.Gold()), "gold and", numbers, "numbers")
	// Output: 5 × 3 with 3 gold and 12 numbers
}
