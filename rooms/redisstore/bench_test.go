package redisstore

import (
	"context"
	"encoding/json"
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
)

// updateWatch is Update done with WATCH/MULTI/EXEC instead of the commit
// script, with the same keys and checks: the alternative BenchmarkUpdate
// measures against. WATCH, then GET, then MULTI..EXEC pipelined: three
// round trips on one connection held throughout; seating a player also
// watches the game's seats hash, which every seat change in the game
// touches.
func (s *Store) updateWatch(ctx context.Context, id string, fn func(r *rooms.Room) error, conflicts *atomic.Int64) (*rooms.Room, error) {
	for {
		var out *rooms.Room
		err := s.c.Watch(ctx, func(tx *goredis.Tx) error {
			b, err := tx.Get(ctx, s.k.room(id)).Bytes()
			if err != nil {
				return err
			}
			old, err := decodeRoom(id, b)
			if err != nil {
				return err
			}
			r := old.Clone()
			if err := fn(r); err != nil {
				return err
			}
			r.Version = old.Version + 1
			added, removed := seatDiff(old, r)
			seats := s.k.seats(r.Game)
			if len(added) > 0 {
				if err := tx.Watch(ctx, seats).Err(); err != nil {
					return err
				}
				for _, p := range added {
					if at, err := tx.HGet(ctx, seats, p).Result(); err == nil && at != id {
						return rooms.ErrPlayerSeated
					}
				}
			}
			nb, err := rooms.EncodeRoom(r)
			if err != nil {
				return err
			}
			_, err = tx.TxPipelined(ctx, func(p goredis.Pipeliner) error {
				p.Set(ctx, s.k.room(id), nb, 0)
				for _, a := range added {
					p.HSet(ctx, seats, a, id)
				}
				for _, a := range removed {
					p.HDel(ctx, seats, a)
				}
				if old.Joinable() {
					p.ZRem(ctx, s.k.waiting(old.Game, old.Size), id)
				}
				if r.Joinable() {
					p.ZAdd(ctx, s.k.waiting(r.Game, r.Size), goredis.Z{Score: float64(r.Created.UnixMicro()), Member: id})
				}
				if r.WakeAt.IsZero() {
					p.ZRem(ctx, s.k.due(), id)
				} else {
					p.ZAdd(ctx, s.k.due(), goredis.Z{Score: float64(r.WakeAt.UnixMicro()), Member: id})
				}
				return nil
			})
			out = r
			return err
		}, s.k.room(id))
		if errors.Is(err, goredis.TxFailedErr) {
			conflicts.Add(1)
			continue
		}
		return out, err
	}
}

// BenchmarkUpdate compares the commit script (lua) with WATCH/MULTI
// (watch) on a real redis-server over loopback, with parallel callers:
//   - distinct: each caller updates its own room (no conflicts: the cost
//     of the round trips);
//   - contended: every caller updates the same room (conflicts and
//     retries);
//   - seating: each caller seats new players in its own room of one game
//     (the seat index is shared).
//
// conflicts/op counts retries; redis-cpu-µs/op is the CPU time of Redis's
// main thread per update (INFO cpu), which the scripts' interpreter adds to.
func BenchmarkUpdate(b *testing.B) {
	rs := redistest.Start(b)
	c := goredis.NewClient(&goredis.Options{Addr: rs.Addr(), PoolSize: 64})
	defer c.Close()
	var n atomic.Int64
	for _, impl := range []string{"lua", "watch"} {
		for _, scenario := range []string{"distinct", "contended", "seating"} {
			b.Run(impl+"/"+scenario, func(b *testing.B) {
				s, err := New(c, Options{Prefix: fmt.Sprint("bench", n.Add(1)), Timeout: time.Minute})
				if err != nil {
					b.Fatal(err)
				}
				ctx := context.Background()
				var conflicts atomic.Int64
				var rooms_ atomic.Int64
				newRoom := func() string {
					id := fmt.Sprint("r", rooms_.Add(1))
					r := &rooms.Room{ID: id, Game: "rps", Size: 64, State: json.RawMessage(`{"n":0}`), Created: time.Now(),
						Players: []rooms.Seat{{PlayerID: id + "-owner", Connected: true}}}
					if err := s.Create(ctx, r); err != nil {
						b.Fatal(err)
					}
					return id
				}
				shared := newRoom()
				b.SetParallelism(4) // 4 × GOMAXPROCS callers
				cpu0 := redisCPU(b, c)
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					id := shared
					if scenario != "contended" {
						id = newRoom()
					}
					seq := 0
					for pb.Next() {
						seq++
						fn := func(r *rooms.Room) error {
							r.State = json.RawMessage(fmt.Sprintf(`{"n":%d}`, r.Version))
							return nil
						}
						if scenario == "seating" {
							fn = func(r *rooms.Room) error {
								if len(r.Players) == r.Size {
									r.Players = r.Players[:1]
								}
								r.Players = append(r.Players, rooms.Seat{PlayerID: fmt.Sprint(id, "-", seq), Connected: true})
								return nil
							}
						}
						var err error
						if impl == "lua" {
							_, err = s.updateCounting(ctx, id, fn, &conflicts)
						} else {
							_, err = s.updateWatch(ctx, id, fn, &conflicts)
						}
						if err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.StopTimer()
				b.ReportMetric(float64(conflicts.Load())/float64(b.N), "conflicts/op")
				b.ReportMetric(float64((redisCPU(b, c)-cpu0).Nanoseconds())/1e3/float64(b.N), "redis-cpu-µs/op")
			})
		}
	}
}

// updateCounting is Update, counting its conflicts.
func (s *Store) updateCounting(ctx context.Context, id string, fn func(r *rooms.Room) error, conflicts *atomic.Int64) (*rooms.Room, error) {
	first := true
	return s.Update(ctx, id, func(r *rooms.Room) error {
		if !first {
			conflicts.Add(1)
		}
		first = false
		return fn(r)
	})
}

// redisCPU reads the CPU time Redis's main thread has used.
func redisCPU(b *testing.B, c *goredis.Client) time.Duration {
	info, err := c.Info(context.Background(), "cpu").Result()
	if err != nil {
		b.Fatal(err)
	}
	var total float64
	for _, l := range strings.Split(info, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(l), ":")
		if ok && (k == "used_cpu_sys_main_thread" || k == "used_cpu_user_main_thread") {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				b.Fatal(err)
			}
			total += f
		}
	}
	return time.Duration(total * float64(time.Second))
}
