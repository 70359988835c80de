package adapter_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rpsio/rpsio/adapter"
)

// printMetrics is what a test might give an adapter to see what it reports.
type printMetrics struct{ adapter.Nop }

func (printMetrics) ObserveRequest(kind string, d time.Duration, err error) {
	fmt.Printf("request %s: timed out: %v\n", kind, errors.Is(err, context.DeadlineExceeded))
}

func (printMetrics) RedisConnected(connected bool, err error) {
	fmt.Println("redis connected:", connected, err)
}

// An adapter reports through the Metrics it was given (the server passes
// server.Metrics.Component("adapter")); adapter.Nop when it was given none.
func ExampleMetrics() {
	var m adapter.Metrics = printMetrics{}

	m.RedisConnected(true, nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	start := time.Now()
	<-ctx.Done() // a fetchSockets request nobody answered
	m.ObserveRequest("fetchSockets", time.Since(start), fmt.Errorf("fetchSockets: %w", ctx.Err()))
	m.RedisConnected(false, errors.New("connection reset"))
	// Output:
	// redis connected: true <nil>
	// request fetchSockets: timed out: true
	// redis connected: false connection reset
}
