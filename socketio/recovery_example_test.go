package socketio_test

import (
	"fmt"
	"time"

	"github.com/rpsio/rpsio/socketio"
)

// A server with connection state recovery: a client that drops for up to a
// minute comes back with its socket id, rooms, data and missed events, and
// the connection handler can tell it needs no catch-up.
func ExampleRecoveryOptions() {
	srv := socketio.NewServer(socketio.Options{
		Recovery: &socketio.RecoveryOptions{
			MaxDisconnectionDuration: time.Minute,
			MaxPackets:               500, // a client that missed more starts anew
		},
	})
	srv.Of("/").OnConnection(func(s *socketio.Socket) {
		if s.Recovered() {
			return // same id, rooms and data; the missed events were sent
		}
		s.Join("lobby")
		_ = s.Emit("welcome", "catch-up for a new session")
	})
	fmt.Println(srv.RecoveryStats().Recovered)
	// Output: 0
}
