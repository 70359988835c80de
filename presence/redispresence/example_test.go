package redispresence_test

import (
	"context"
	"log"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rpsio/rpsio/presence/redispresence"
)

// A node registers its lease, records its players' sockets, and hears of
// players whose node died.
func Example() {
	client := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:6379", ContextTimeoutEnabled: true})
	defer client.Close()
	tr, err := redispresence.New(client, redispresence.Options{
		Prefix: "mygame", NodeID: "node-1", Lease: 3 * time.Second,
		OnGone: func(game, player string) { log.Printf("%s left %s: start their grace", player, game) },
		OnBack: func(game, player string) { log.Printf("%s is connected to %s here", player, game) },
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	if err := tr.Run(ctx); err != nil { // fails if Redis cannot be reached
		log.Fatal(err)
	}
	defer tr.Shutdown(ctx) // goodbye: the others reap this node at once
	_ = tr.Arrive(ctx, "rps", "ann")
	if gone, _ := tr.Depart(ctx, "rps", "ann"); gone {
		log.Print("ann has no socket left on any node")
	}
}
