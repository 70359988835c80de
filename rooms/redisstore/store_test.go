package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rpsio/rpsio/internal/redistest"
	"github.com/rpsio/rpsio/rooms"
	"github.com/rpsio/rpsio/rooms/redisstore"
	"github.com/rpsio/rpsio/rooms/roomstest"
)

// newClient returns a client of rs that respects context deadlines, as the
// server's does.

// silent drops go-redis's own log (dial failures in the outage tests).
type silent struct{}

func (silent) Printf(context.Context, string, ...any) {}

func init() { goredis.SetLogger(silent{}) }

func newClient(t testing.TB, rs *redistest.Server) *goredis.Client {
	t.Helper()
	c := goredis.NewClient(&goredis.Options{Addr: rs.Addr(), ContextTimeoutEnabled: true, DialTimeout: time.Second})
	t.Cleanup(func() { c.Close() })
	return c
}

var prefixes atomic.Int64

// TestConformance runs the store conformance suite against a real
// redis-server, each test on its own prefix.
func TestConformance(t *testing.T) {
	rs := redistest.Start(t)
	c := newClient(t, rs)
	roomstest.RunStoreTests(t, func(t *testing.T) rooms.Store {
		s, err := redisstore.New(c, redisstore.Options{Prefix: fmt.Sprint("t", prefixes.Add(1))})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestNew(t *testing.T) {
	for _, p := range []string{"a{b", "x}"} {
		if _, err := redisstore.New(nil, redisstore.Options{Prefix: p}); err == nil {
			t.Errorf("prefix %q accepted", p)
		}
	}
	if _, err := redisstore.New(nil, redisstore.Options{Timeout: -1}); err == nil {
		t.Error("negative timeout accepted")
	}
}

// TestKeys: the keys are where doc.go says, under one hash tag, and the
// room is plain JSON.
func TestKeys(t *testing.T) {
	rs := redistest.Start(t)
	s, err := redisstore.New(newClient(t, rs), redisstore.Options{Prefix: "game1"})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	r := &rooms.Room{ID: "r1", Game: "rps", Size: 2, Players: []rooms.Seat{{PlayerID: "p", Name: "P", Connected: true}},
		State: []byte(`{}`), WakeAt: t0.Add(time.Second), Created: t0}
	if err := s.Create(ctx(t), r); err != nil {
		t.Fatal(err)
	}
	if err := s.AddSettled(ctx(t), 3); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.Claim(ctx(t), "r1", time.Minute); !ok || err != nil {
		t.Fatalf("Claim = %v, %v", ok, err)
	}
	if ok, err := s.Claim(ctx(t), "r1", time.Minute); ok || err != nil {
		t.Fatalf("second Claim = %v, %v", ok, err)
	}
	c := newClient(t, rs)
	str := func(cmd *goredis.StringCmd) string {
		t.Helper()
		v, err := cmd.Result()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	us := fmt.Sprint(t0.UnixMicro())
	zscore := func(key string) string {
		t.Helper()
		v, err := c.ZScore(ctx(t), key, "r1").Result()
		if err != nil {
			t.Fatal(err)
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	for what, tt := range map[string]struct{ got, want string }{
		"room":              {str(c.Get(ctx(t), "{game1}:room:r1")), `{"id":"r1","game":"rps","size":2,"phase":"waiting","players":[{"id":"p","name":"P","connected":true}],"state":{},"wakeAt":"2025-01-01T00:00:01Z","version":1,"created":"2025-01-01T00:00:00Z"}`},
		"seat":              {str(c.HGet(ctx(t), "{game1}:seats:rps", "p")), "r1"},
		"waiting":           {zscore("{game1}:waiting:rps:2"), us},
		"lobby":             {zscore("{game1}:lobby"), us},
		"lobby of the game": {zscore("{game1}:lobby:rps"), us},
		"due":               {zscore("{game1}:due"), fmt.Sprint(t0.Add(time.Second).UnixMicro())},
		"settled":           {str(c.Get(ctx(t), "{game1}:settled")), "3"},
		"claim":             {str(c.Get(ctx(t), "{game1}:claim:r1")), "rpsio"},
		"counts":            {fmt.Sprint(c.HGetAll(ctx(t), "{game1}:counts").Val()), "map[players:1 rooms:1 waiting:1]"},
	} {
		if tt.got != tt.want {
			t.Errorf("%s: %s, want %s", what, tt.got, tt.want)
		}
	}
	ks, err := c.Keys(ctx(t), "*").Result()
	if err != nil || len(ks) != 10 {
		t.Fatalf("keys %q, %v", ks, err)
	}
	for _, k := range ks {
		if !strings.HasPrefix(k, "{game1}:") {
			t.Errorf("key %q outside the prefix's hash tag", k)
		}
	}
}

func newStore(t testing.TB, rs *redistest.Server, opts redisstore.Options) *redisstore.Store {
	t.Helper()
	if opts.Prefix == "" {
		opts.Prefix = fmt.Sprint("t", prefixes.Add(1))
	}
	s, err := redisstore.New(newClient(t, rs), opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func testRoom(id string, players ...string) *rooms.Room {
	r := &rooms.Room{ID: id, Game: "rps", Size: 4, State: []byte(`{}`), Created: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	for _, p := range players {
		r.Players = append(r.Players, rooms.Seat{PlayerID: p, Connected: true})
	}
	return r
}

// TestMalformed: what Redis holds is checked; damage is an error wrapping
// ErrMalformed, never a panic, and the lobby leaves the room out.
func TestMalformed(t *testing.T) {
	rs := redistest.Start(t)
	c := newClient(t, rs)
	s := newStore(t, rs, redisstore.Options{Prefix: "m"})
	for _, id := range []string{"good", "bad", "other"} {
		if err := s.Create(ctx(t), testRoom(id, "p-"+id)); err != nil {
			t.Fatal(err)
		}
	}
	c.Set(ctx(t), "{m}:room:bad", `{"id":"bad","game":"rps","size":-1}`, 0)
	good, _ := c.Get(ctx(t), "{m}:room:good").Result()
	c.Set(ctx(t), "{m}:room:other", good, 0) // another room's JSON under this id
	for _, id := range []string{"bad", "other"} {
		if _, err := s.Get(ctx(t), id); !errors.Is(err, redisstore.ErrMalformed) {
			t.Errorf("Get(%s): %v", id, err)
		}
		called := false
		if _, err := s.Update(ctx(t), id, func(*rooms.Room) error { called = true; return nil }); !errors.Is(err, redisstore.ErrMalformed) || called {
			t.Errorf("Update(%s): %v (fn called: %v)", id, err, called)
		}
	}
	l, err := s.List(ctx(t), "")
	if err != nil || len(l) != 1 || l[0].ID != "good" {
		t.Fatalf("List = %v, %v", l, err)
	}
	c.Set(ctx(t), "{m}:settled", "many", 0)
	if _, err := s.Settled(ctx(t)); !errors.Is(err, redisstore.ErrMalformed) {
		t.Fatalf("Settled: %v", err)
	}
}

// TestUnavailable: with Redis down or hung, every call fails within the
// timeout with code "unavailable", and works again once Redis is back.
// (A context's own deadline bounds a call instead: TestDeadlineWins.)
func TestUnavailable(t *testing.T) {
	rs := redistest.Start(t)
	s := newStore(t, rs, redisstore.Options{Timeout: 200 * time.Millisecond})
	// No deadline of their own: Options.Timeout bounds each call.
	bg := context.Background()
	if err := s.Ping(bg); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(bg, testRoom("r", "a")); err != nil {
		t.Fatal(err)
	}
	calls := map[string]func() error{
		"Get":    func() error { _, err := s.Get(bg, "r"); return err },
		"Create": func() error { return s.Create(bg, testRoom("x", "b")) },
		"Update": func() error {
			_, err := s.Update(bg, "r", func(r *rooms.Room) error { r.Size = 3; return nil })
			return err
		},
		"PlayerRoom": func() error { _, err := s.PlayerRoom(bg, "rps", "a"); return err },
		"Waiting":    func() error { _, err := s.Waiting(bg, "rps", 4); return err },
		"List":       func() error { _, err := s.List(bg, ""); return err },
		"Due":        func() error { _, err := s.Due(bg, time.Now(), 0); return err },
		"Claim":      func() error { _, err := s.Claim(bg, "r", time.Second); return err },
		"AddSettled": func() error { return s.AddSettled(bg, 1) },
		"Settled":    func() error { _, err := s.Settled(bg); return err },
		"Ping":       func() error { return s.Ping(bg) },
	}
	check := func(how string) {
		t.Helper()
		for name, call := range calls {
			start := time.Now()
			err := call()
			if !errors.Is(err, rooms.ErrUnavailable) || rooms.ErrorCode(err) != "unavailable" {
				t.Errorf("%s, %s: %v", how, name, err)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("%s, %s took %v", how, name, d)
			}
		}
	}
	// Hung: CLIENT PAUSE holds every command longer than the timeout.
	if out, err := rs.Do("CLIENT", "PAUSE", "3000", "ALL"); err != nil || out != "+OK" {
		t.Fatalf("CLIENT PAUSE: %s %v", out, err)
	}
	check("Redis hung") // 11 calls of at most 200 ms
	// Wait for the pause to end (Ping fails until it does).
	for deadline := time.Now().Add(5 * time.Second); s.Ping(bg) != nil; {
		if time.Now().After(deadline) {
			t.Fatal("Redis still paused")
		}
	}
	delete(calls, "Ping")
	rs.Stop()
	check("Redis down")
	rs.Start()
	// Back (empty: this server keeps nothing): the store works again once
	// a call probes it (calls fail at once meanwhile: Redis did not answer
	// a moment ago).
	for deadline := time.Now().Add(5 * time.Second); ; {
		err := s.Create(bg, testRoom("r", "a"))
		if err == nil {
			break
		}
		if !errors.Is(err, rooms.ErrUnavailable) || time.Now().After(deadline) {
			t.Fatalf("Create after the outage: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if r, err := s.Update(bg, "r", func(r *rooms.Room) error { r.Size = 3; return nil }); err != nil || r.Version != 2 {
		t.Fatalf("Update after the outage: %+v, %v", r, err)
	}
}

// TestDeadlineWins: a context's own deadline bounds a call rather than
// Options.Timeout: shorter for a player's budget, longer for background
// work that had rather wait than lose a reply.
func TestDeadlineWins(t *testing.T) {
	rs := redistest.Start(t)
	s := newStore(t, rs, redisstore.Options{Timeout: 200 * time.Millisecond})
	if err := s.Create(ctx(t), testRoom("r", "a")); err != nil {
		t.Fatal(err)
	}
	if out, err := rs.Do("CLIENT", "PAUSE", "600", "ALL"); err != nil || out != "+OK" {
		t.Fatalf("CLIENT PAUSE: %s %v", out, err)
	}
	c, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	if _, err := s.Update(c, "r", func(r *rooms.Room) error { r.Size = 3; return nil }); err != nil {
		t.Fatalf("Update with a 2 s deadline over a 0.6 s pause: %v", err)
	}
	if took := time.Since(start); took < 300*time.Millisecond {
		t.Fatalf("took %v: Redis was not paused", took)
	}
}
