package redis_test

import (
	"context"
	"fmt"
	"net/http"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rpsio/rpsio/adapter/redis"
	"github.com/rpsio/rpsio/socketio"
)

// Two nodes on one Redis: a broadcast from one reaches the namespace on
// the other; a server-side event is answered by the other node.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	newNode := func(name string) (*socketio.Server, *goredis.Client) {
		rdb := goredis.NewClient(&goredis.Options{Addr: redis.RedisAddrForExamples()})
		cluster := redis.New(rdb, redis.Options{Prefix: "example"})
		srv := socketio.NewServer(socketio.Options{Adapter: cluster.Adapter})
		srv.Of("/").OnServerSideEmitWithAck("whoami", func(_ []any, ack func(any)) { ack(name) })
		if err := srv.Run(ctx); err != nil { // connects and subscribes
			panic(err)
		}
		return srv, rdb
	}
	a, rdbA := newNode("node-a")
	b, rdbB := newNode("node-b")
	defer rdbA.Close()
	defer rdbB.Close()
	defer a.Shutdown(ctx)
	defer b.Shutdown(ctx)
	var _ http.Handler = a // mount a and b at /socket.io/ as usual

	names, err := a.Of("/").ServerSideEmitWithAck(ctx, "whoami")
	fmt.Println(names, err)
	// Output: [node-b] <nil>
}

// Options: the sharded format of createShardedAdapter on Redis 7, a
// prefix shared with the Node nodes, a shorter request timeout.
func ExampleNew() {
	rdb := goredis.NewClient(&goredis.Options{Addr: redis.RedisAddrForExamples()})
	defer rdb.Close()
	cluster := redis.New(rdb, redis.Options{
		Prefix:          "my-app",
		Sharded:         true,
		RequestsTimeout: 2 * time.Second,
	})
	srv := socketio.NewServer(socketio.Options{Adapter: cluster.Adapter})
	ctx := context.Background()
	if err := srv.Run(ctx); err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Shutdown(ctx)
	n, _ := srv.Of("/").Adapter().ServerCount(ctx)
	fmt.Println("nodes:", n)
	// Output: nodes: 1
}
