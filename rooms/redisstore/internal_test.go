package redisstore

import (
	"context"
	"errors"
	"io"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rpsio/rpsio/internal/redistest"
	"github.com/rpsio/rpsio/rooms"
)

// TestCommitReplay: a commit sent twice with its token (go-redis retrying
// after a lost reply) is done once and answered "ok" both times; another
// commit from the same read is a conflict.
func TestCommitReplay(t *testing.T) {
	rs := redistest.Start(t)
	c := goredis.NewClient(&goredis.Options{Addr: rs.Addr()})
	defer c.Close()
	s, err := New(c, Options{Prefix: "replay"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r := &rooms.Room{ID: "r", Game: "rps", Size: 2, Players: []rooms.Seat{{PlayerID: "a", Connected: true}}, Created: time.Unix(1, 0)}
	if err := s.Create(ctx, r); err != nil {
		t.Fatal(err)
	}
	old, raw, err := s.get(ctx, "r")
	if err != nil {
		t.Fatal(err)
	}
	next := old.Clone()
	next.Version++
	next.Players = append(next.Players, rooms.Seat{PlayerID: "b", Connected: true})
	b, _ := rooms.EncodeRoom(next)
	keys := []string{s.k.room("r"), s.k.seats("rps"), s.k.due(), s.k.waiting("rps", 2), s.k.waiting("rps", 2), s.k.lobby(""), s.k.lobby("rps"), s.k.commit("r"), s.k.settled(), s.k.counts()}
	args := []any{raw, b, "r", "", score(r.Created), "1", "0", "tok-1", "0", 1, "waiting", "waiting", 1, 1, "b"}
	for i := range 2 {
		v, err := commitScript.Run(ctx, c, keys, args...).Result()
		if st, _, _ := parseCommitReply(v); err != nil || st != replyOK {
			t.Fatalf("commit %d: %v, %v", i, v, err)
		}
	}
	args[7] = "tok-2"
	if v, err := commitScript.Run(ctx, c, keys, args...).Result(); err != nil || v != replyConflict {
		t.Fatalf("a second commit from the same read: %v, %v", v, err)
	}
	got, err := s.Get(ctx, "r")
	if err != nil || got.Version != 2 || len(got.Players) != 2 {
		t.Fatalf("stored %+v, %v", got, err)
	}
	if n, _ := s.Settled(ctx); n != 1 {
		t.Fatalf("settled %d after a commit of 1 sent twice", n)
	}
	if w, _ := s.Waiting(ctx, "rps", 2); len(w) != 0 {
		t.Fatalf("still waiting: %v", w)
	}
	if ok, _ := s.Claim(ctx, "r", time.Second); !ok {
		t.Fatal("claim")
	}
}

func FuzzParseCommitReply(f *testing.F) {
	f.Add("ok", "", 0)
	f.Add("seated", "p", 1)
	f.Add("conflict", "x", 2)
	f.Fuzz(func(t *testing.T, a, b string, shape int) {
		var v any
		switch shape % 4 {
		case 0:
			v = a
		case 1:
			v = []any{a, b}
		case 2:
			v = []any{a, int64(len(b))}
		default:
			v = int64(len(a))
		}
		st, p, err := parseCommitReply(v)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		switch st {
		case replyOK, replyExists, replyWaiting, replyGone, replyConflict:
		case replySeated:
			if p != b {
				t.Fatalf("player %q from %v", p, v)
			}
		default:
			t.Fatalf("status %q", st)
		}
	})
}

// FuzzDecode: what Redis holds for a room or the counter decodes or fails
// with ErrMalformed, never panics; a decoded room has the key's id.
func FuzzDecode(f *testing.F) {
	f.Add("r1", []byte(`{"id":"r1","game":"rps","size":2,"phase":"waiting","players":[{"id":"p","name":"","connected":true}],"state":{},"version":1,"created":"2025-01-01T00:00:00Z"}`))
	f.Add("x", []byte(`{"id":"r1"}`))
	f.Add("x", []byte(`12`))
	f.Fuzz(func(t *testing.T, id string, b []byte) {
		r, err := decodeRoom(id, b)
		if err == nil && r.ID != id {
			t.Fatalf("room %q under key %q", r.ID, id)
		}
		if err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatalf("error %v does not wrap ErrMalformed", err)
		}
		if _, err := parseCount(string(b)); err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatalf("count error %v", err)
		}
	})
}

// loseReplies makes the next n commit replies get lost after the commit
// ran, as when the connection breaks just then.
type loseReplies struct{ n atomic.Int32 }

func (h *loseReplies) DialHook(next goredis.DialHook) goredis.DialHook { return next }
func (h *loseReplies) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return next
}
func (h *loseReplies) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		err := next(ctx, cmd)
		if name := cmd.Name(); (name == "evalsha" || name == "eval") && err == nil && h.n.Add(-1) >= 0 {
			cmd.SetErr(io.ErrUnexpectedEOF)
			return io.ErrUnexpectedEOF
		}
		return err
	}
}

// TestLostReply: a commit whose reply is lost is found stored (its token)
// and reported done, once: its events are published, nothing is doubled.
func TestLostReply(t *testing.T) {
	rs := redistest.Start(t)
	c := goredis.NewClient(&goredis.Options{Addr: rs.Addr(), MaxRetries: -1})
	defer c.Close()
	h := &loseReplies{}
	c.AddHook(h)
	s, err := New(c, Options{Prefix: "lost"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r := &rooms.Room{ID: "r", Game: "rps", Size: 2, Players: []rooms.Seat{{PlayerID: "a", Connected: true}}, Created: time.Unix(1, 0)}
	if err := s.Create(ctx, r); err != nil {
		t.Fatal(err)
	}
	h.n.Store(1)
	calls := 0
	got, err := s.UpdateCounting(ctx, "r", func(r *rooms.Room) (int64, error) {
		calls++
		r.Players = append(r.Players, rooms.Seat{PlayerID: "b", Connected: true})
		return 1, nil
	})
	if err != nil || got.Version != 2 || calls != 1 {
		t.Fatalf("Update with its reply lost = %+v, %v (fn called %d times)", got, err, calls)
	}
	if n, err := s.Settled(ctx); n != 1 {
		ks, _ := c.Keys(ctx, "*").Result()
		t.Fatalf("settled %d %v; keys %v", n, err, ks)
	}
	stored, _ := s.Get(ctx, "r")
	if stored.Version != 2 || len(stored.Players) != 2 {
		t.Fatalf("stored %+v", stored)
	}
}

// FuzzParseMatchReply: whatever matchScript (or a damaged Redis) replies
// decodes to one of its statuses or fails with ErrMalformed, never panics.
func FuzzParseMatchReply(f *testing.F) {
	f.Add("joined", "r", "{}", "1", 4)
	f.Add("created", "r", "", "0", 4)
	f.Add("seated", "r", "", "", 2)
	f.Add("exists", "", "", "", 0)
	f.Fuzz(func(t *testing.T, a, b, c, d string, shape int) {
		var v any
		switch shape % 6 {
		case 0:
			v = a
		case 1:
			v = []any{a}
		case 2:
			v = []any{a, b}
		case 3:
			v = []any{a, b, c, int64(len(d))}
		case 4:
			v = []any{a, b, c, d}
		default:
			v = []any{a, b, c, d, a}
		}
		st, room, raw, full, err := parseMatchReply(v)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		switch st {
		case replyExists:
		case replySeated:
			if room != b || room == "" {
				t.Fatalf("seated in %q from %v", room, v)
			}
		case replyJoined, replyCreated:
			if room != b || raw != c || full != (d == "1") || room == "" || (st == replyJoined) != (raw != "") {
				t.Fatalf("%s %q %q %v from %v", st, room, raw, full, v)
			}
		default:
			t.Fatalf("status %q", st)
		}
	})
}

// FuzzParseCounts: the counters' hash decodes to counts >= 0 or fails
// with ErrMalformed.
func FuzzParseCounts(f *testing.F) {
	f.Add("rooms", "3", "players", "6")
	f.Add("waiting", "-1", "over", "x")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		c, err := parseCounts(map[string]string{k1: v1, k2: v2})
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if c.Rooms < 0 || c.Waiting < 0 || c.Playing < 0 || c.Over < 0 || c.Players < 0 {
			t.Fatalf("negative count %+v", c)
		}
	})
}
