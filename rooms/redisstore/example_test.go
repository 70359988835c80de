package redisstore_test

import (
	"log"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rpsio/rpsio/game"
	"github.com/rpsio/rpsio/game/rps"
	"github.com/rpsio/rpsio/rooms"
	"github.com/rpsio/rpsio/rooms/redisstore"
)

// A node of a cluster keeps its rooms in Redis and sweeps for the rooms
// whose node died. Every node runs the same.
func Example() {
	client := goredis.NewClient(&goredis.Options{
		Addr:                  "127.0.0.1:6379",
		ContextTimeoutEnabled: true, // so that Options.Timeout holds when Redis hangs
	})
	defer client.Close()
	store, err := redisstore.New(client, redisstore.Options{Prefix: "mygame", Timeout: time.Second, Owner: "node-1"})
	if err != nil {
		log.Fatal(err)
	}
	rules, err := rps.New(rps.Config{})
	if err != nil {
		log.Fatal(err)
	}
	m, err := rooms.New(rooms.Options{
		Games:         []game.Rules{rules},
		Store:         store,
		SweepInterval: 500 * time.Millisecond, // wake rooms whose node died...
		SweepDelay:    500 * time.Millisecond, // ...once they are this late
	})
	if err != nil {
		log.Fatal(err)
	}
	_ = m // m.Join, m.Act, ... as with one node; m.Shutdown(ctx) to stop
}
