package redis

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rpsio/rpsio/internal/redistest"
	"github.com/rpsio/rpsio/socketio"
	"github.com/rpsio/rpsio/socketio/recoverytest"
)

// TestRecoveryStore runs the store suite on a real Redis, each node a
// Cluster of its own connection, as nodes of one cluster are.
func TestRecoveryStore(t *testing.T) {
	rs := redistest.Start(t)
	recoverytest.Run(t, recoverytest.Harness{
		Nodes: func(t *testing.T, n int) []socketio.RecoveryStore {
			out := make([]socketio.RecoveryStore, n)
			for i := range out {
				out[i] = startRecoveryStore(t, rs.URL(), RecoveryStoreOptions{MaxSessions: 50, MaxRoomPackets: 100})
			}
			return out
		},
		MaxSessions:    50,
		MaxRoomPackets: 100,
		JSONData:       true,
	})
}

func startRecoveryStore(t *testing.T, url string, opts RecoveryStoreOptions) socketio.RecoveryStore {
	t.Helper()
	o, err := goredis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	rdb := goredis.NewClient(o)
	st := New(rdb, Options{Logger: quietLog()}).RecoveryStore(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := st.Run(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := st.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
		_ = rdb.Close()
	})
	return st
}

func FuzzDecodeSession(f *testing.F) {
	b, _ := encodeSession(&socketio.RecoverySession{
		PID: "p", SID: "s", Rooms: []string{"s", "r"}, Data: map[string]any{"a": 1.0},
		Sent:       []*socketio.KeptPacket{{Offset: socketio.Offset{Node: "n", Time: 1, Seq: 2}, Text: []byte(`2["e"]`), Attachments: [][]byte{{1}}}},
		SentBefore: socketio.Offset{Node: "n", Time: 1, Seq: 1},
		Seen:       map[string]socketio.Offset{"n": {Node: "n", Time: 1, Seq: 2}},
	})
	f.Add(b)
	f.Add([]byte(`{"pid":"p","sid":"s","seen":{"n":"m-1-1"}}`))
	f.Add([]byte(`{"pid":"p","sid":"s","sent":[{"o":"x"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := decodeSession(b)
		if err != nil {
			return
		}
		if s.PID == "" || s.SID == "" {
			t.Fatalf("decoded a session without ids from %q", b)
		}
		for n, o := range s.Seen {
			if o.Node != n {
				t.Fatalf("seen %q holds an offset of %q", n, o.Node)
			}
		}
	})
}

func FuzzDecodeEntry(f *testing.F) {
	f.Add("1700000000000-3", "2[\"e\"]", `["r"]`, `[]`, "1", "\x01")
	f.Add("1-1", "", `[]`, `["x"]`, "0", "")
	f.Add("x", "t", `{`, `[]`, "-1", "")
	f.Fuzz(func(t *testing.T, id, text, rooms, except, n, a0 string) {
		m := goredis.XMessage{ID: id, Values: map[string]any{"t": text, "r": rooms, "e": except, "n": n, "a0": a0}}
		p, err := decodeEntry("node1", m)
		if err != nil {
			return
		}
		if p.Offset.Node != "node1" || p.Offset.Seq == 0 || len(p.Attachments) > 1 {
			t.Fatalf("decoded %+v from %+v", p, m)
		}
	})
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
