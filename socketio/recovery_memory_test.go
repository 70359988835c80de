package socketio_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/rpsio/rpsio/socketio"
	"github.com/rpsio/rpsio/socketio/recoverytest"
)

func TestMemoryRecoveryStore(t *testing.T) {
	recoverytest.Run(t, recoverytest.Harness{
		Nodes: func(t *testing.T, n int) []socketio.RecoveryStore {
			st := socketio.NewMemoryRecoveryStore(socketio.MemoryRecoveryStoreOptions{MaxSessions: 50, MaxPackets: 100})
			out := make([]socketio.RecoveryStore, n)
			for i := range out {
				out[i] = st
			}
			return out
		},
		MaxSessions:    50,
		MaxRoomPackets: 100,
	})
}

// TestMemoryRecoveryStoreBounds: beyond MaxPackets the oldest packets go
// first, from every room they were kept for; a query that needed one of
// them fails rather than missing it.
func TestMemoryRecoveryStoreBounds(t *testing.T) {
	st := socketio.NewMemoryRecoveryStore(socketio.MemoryRecoveryStoreOptions{MaxPackets: 10})
	for i := uint64(1); i <= 15; i++ {
		st.Keep("/", &socketio.KeptPacket{Offset: socketio.Offset{Node: "a", Time: 1, Seq: i}, Rooms: []string{"r", "s"}, Text: []byte(`2["e"]`)}, time.Minute)
	}
	for _, room := range []string{"r", "s"} {
		_, err := st.Missed(context.Background(), "/", socketio.MissedQuery{Rooms: []string{room}, After: map[string]socketio.Offset{"a": {Node: "a", Time: 1, Seq: 4}}, Limit: 100})
		if !errors.Is(err, socketio.ErrPacketsGone) {
			t.Fatalf("room %s after seq 4: %v, want ErrPacketsGone", room, err)
		}
	}
	ps, err := st.Missed(context.Background(), "/", socketio.MissedQuery{Rooms: []string{"r", "s"}, After: map[string]socketio.Offset{"a": {Node: "a", Time: 1, Seq: 5}}, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var seqs []uint64
	for _, p := range ps {
		seqs = append(seqs, p.Offset.Seq)
	}
	if fmt.Sprint(seqs) != "[6 7 8 9 10 11 12 13 14 15]" {
		t.Fatalf("kept %v, want the last 10", seqs)
	}
}
