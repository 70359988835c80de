package redisstore

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rpsio/rpsio/adapter"
	"github.com/rpsio/rpsio/internal/breaker"
	"github.com/rpsio/rpsio/rooms"
)

// Defaults of Options.
const (
	DefaultPrefix  = "rpsio"
	DefaultTimeout = time.Second
)

// Options configure a Store. Zero fields take the defaults written on them.
type Options struct {
	// Prefix namespaces every key, inside a hash tag: "{<Prefix>}:...".
	// It must not contain '{' or '}'. Default "rpsio".
	Prefix string
	// Timeout bounds each call whose context has no deadline: past it the
	// call fails with rooms.ErrUnavailable. A context's own deadline wins
	// (a player's call then spends its budget, however many store calls
	// it makes). Default 1 s.
	Timeout time.Duration
	// Owner is written in the claims this store takes (Claim), for whoever
	// looks at Redis: the node's id. Default "rpsio".
	Owner string
	// Metrics receives the Redis errors and the connection's state (as
	// component "rooms" in the server). Default: discarded.
	Metrics adapter.Metrics
	// Logger. Default: discarded.
	Logger *slog.Logger
}

// ErrMalformed: what Redis holds for a room (or the counter) does not
// decode. The room is not usable until it is repaired or deleted.
var ErrMalformed = errors.New("redisstore: malformed data in Redis")

// Store is a rooms.Store in Redis. Make it with New.
type Store struct {
	c   goredis.UniversalClient
	o   Options
	k   keys
	log *slog.Logger
	// br remembers that Redis stopped answering: calls then fail at once
	// (one probes every 200 ms), rather than each waiting out Timeout.
	br breaker.Breaker
}

var (
	_ rooms.Store           = (*Store)(nil)
	_ rooms.Claimer         = (*Store)(nil)
	_ rooms.CountingUpdater = (*Store)(nil)
	_ rooms.Matcher         = (*Store)(nil)
	_ rooms.Counter         = (*Store)(nil)
	_ rooms.Pager           = (*Store)(nil)
)

// New returns a Store on client, which the caller keeps and closes. For
// the Timeout to hold when Redis hangs, the client should respect context
// deadlines (goredis.Options.ContextTimeoutEnabled). New fails only on a
// bad Options.Prefix or a negative Timeout.
func New(client goredis.UniversalClient, opts Options) (*Store, error) {
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	if strings.ContainsAny(opts.Prefix, "{}") {
		return nil, fmt.Errorf("redisstore: prefix %q must not contain braces", opts.Prefix)
	}
	if opts.Timeout < 0 {
		return nil, errors.New("redisstore: negative timeout")
	}
	if opts.Timeout == 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Owner == "" {
		opts.Owner = "rpsio"
	}
	if opts.Metrics == nil {
		opts.Metrics = adapter.Nop{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Store{c: client, o: opts, k: keys{"{" + opts.Prefix + "}:"}, log: opts.Logger}, nil
}

// keys builds the key names; p is "{prefix}:".
type keys struct{ p string }

func (k keys) room(id string) string    { return k.p + "room:" + id }
func (k keys) seats(game string) string { return k.p + "seats:" + game }
func (k keys) waiting(game string, size int) string {
	return k.p + "waiting:" + game + ":" + strconv.Itoa(size)
}
func (k keys) lobby(game string) string {
	if game == "" {
		return k.p + "lobby"
	}
	return k.p + "lobby:" + game
}
func (k keys) due() string             { return k.p + "due" }
func (k keys) settled() string         { return k.p + "settled" }
func (k keys) counts() string          { return k.p + "counts" }
func (k keys) claim(id string) string  { return k.p + "claim:" + id }
func (k keys) commit(id string) string { return k.p + "commit:" + id }
func score(t time.Time) string         { return strconv.FormatInt(t.UnixMicro(), 10) }

// op bounds one call: by the context's own deadline if it has one (a
// player's call has a budget for all its store calls; background work may
// give itself longer), else by Options.Timeout.
func (s *Store) op(ctx context.Context, probe bool) (context.Context, context.CancelFunc) {
	if probe {
		return context.WithTimeout(ctx, breaker.ProbeTimeout)
	}
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, s.o.Timeout)
}

// begin starts the store call named name: a cancelled ctx, or a store
// known to be down (the breaker), ends it before any I/O; otherwise the
// call's context is bounded as op says.
func (s *Store) begin(ctx context.Context, name string) (context.Context, context.CancelFunc, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	probe, err := s.down(name)
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := s.op(ctx, probe)
	return ctx, cancel, nil
}

// fail wraps an error from Redis (or its deadline) as unavailable and
// reports it.
func (s *Store) fail(ctx context.Context, op string, err error) error {
	if !errors.Is(err, context.Canceled) || ctx.Err() == nil {
		s.o.Metrics.RedisError(op, err)
		if s.br.Fail() {
			s.o.Metrics.RedisConnected(false, err)
			s.log.Warn("room store: Redis unavailable", "op", op, "err", err)
		}
	}
	if s.br.Open() {
		// Nothing answered for a while: down, not just slow for this call.
		return fmt.Errorf("redisstore: %s: %w: %w: %w", op, rooms.ErrUnavailable, rooms.ErrStoreDown, err)
	}
	return fmt.Errorf("redisstore: %s: %w: %w", op, rooms.ErrUnavailable, err)
}

// ok notes that Redis answered.
func (s *Store) ok() {
	if s.br.OK() {
		s.o.Metrics.RedisConnected(true, nil)
		s.log.Info("room store: Redis connected")
	}
}

// errDown: Redis did not answer a moment ago; the call was not tried.
var errDown = errors.New("redis did not answer a moment ago")

// down fails a call at once while Redis is known to be unreachable, but
// for the one call every 200 ms that probes it (probe: bound it by
// breaker.ProbeTimeout).
func (s *Store) down(op string) (probe bool, err error) {
	ok, probe := s.br.Allow()
	if ok {
		return probe, nil
	}
	return false, fmt.Errorf("redisstore: %s: %w: %w: %w", op, rooms.ErrUnavailable, rooms.ErrStoreDown, errDown)
}

// Ping checks that Redis answers and loads the scripts, so that a node
// finds out at start rather than at its first update.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := s.op(ctx, false)
	defer cancel()
	if err := s.c.Ping(ctx).Err(); err != nil {
		return s.fail(ctx, "ping", err)
	}
	for _, sc := range []*goredis.Script{commitScript, matchScript} {
		if err := sc.Load(ctx, s.c).Err(); err != nil {
			return s.fail(ctx, "ping", err)
		}
	}
	s.ok()
	return nil
}

// decodeRoom decodes what Redis holds under the key of room id.
func decodeRoom(id string, b []byte) (*rooms.Room, error) {
	r, err := rooms.DecodeRoom(b)
	if err != nil {
		return nil, fmt.Errorf("room %.80q: %w: %w", id, ErrMalformed, err)
	}
	if r.ID != id {
		return nil, fmt.Errorf("room %.80q: %w: holds room %.80q", id, ErrMalformed, r.ID)
	}
	return r, nil
}

// Get implements rooms.Store.
func (s *Store) Get(ctx context.Context, id string) (*rooms.Room, error) {
	ctx, cancel, err := s.begin(ctx, "get")
	if err != nil {
		return nil, err
	}
	defer cancel()
	r, _, err := s.get(ctx, id)
	return r, err
}

func (s *Store) get(ctx context.Context, id string) (*rooms.Room, []byte, error) {
	b, err := s.c.Get(ctx, s.k.room(id)).Bytes()
	if errors.Is(err, goredis.Nil) {
		s.ok()
		return nil, nil, fmt.Errorf("room %q: %w", id, rooms.ErrRoomNotFound)
	}
	if err != nil {
		return nil, nil, s.fail(ctx, "get", err)
	}
	s.ok()
	r, err := decodeRoom(id, b)
	if err != nil {
		return nil, nil, err
	}
	return r, b, nil
}

// Create implements rooms.Store.
func (s *Store) Create(ctx context.Context, r *rooms.Room) error {
	return s.create(ctx, r, false)
}

// CreateIfNoneWaiting implements rooms.Store: the commit script checks the
// waiting index of the room's game and size.
func (s *Store) CreateIfNoneWaiting(ctx context.Context, r *rooms.Room) error {
	return s.create(ctx, r, true)
}

func (s *Store) create(ctx context.Context, r *rooms.Room, unlessWaiting bool) error {
	if len(r.Players) == 0 {
		return fmt.Errorf("redisstore: create room %q without players", r.ID)
	}
	c := r.Clone()
	c.Version = 1
	ctx, cancel, err := s.begin(ctx, "create")
	if err != nil {
		return err
	}
	defer cancel()
	return s.commit(ctx, nil, nil, c, unlessWaiting, 0)
}

// Update implements rooms.Store.
func (s *Store) Update(ctx context.Context, id string, fn func(r *rooms.Room) error) (*rooms.Room, error) {
	return s.UpdateCounting(ctx, id, func(r *rooms.Room) (int64, error) { return 0, fn(r) })
}

// UpdateCounting implements rooms.CountingUpdater: the commit script adds
// the rounds settled to the counter.
func (s *Store) UpdateCounting(ctx context.Context, id string, fn func(r *rooms.Room) (int64, error)) (*rooms.Room, error) {
	ctx, cancel, err := s.begin(ctx, "update")
	if err != nil {
		return nil, err
	}
	defer cancel()
	for attempt := 0; ; attempt++ {
		old, raw, err := s.get(ctx, id)
		if err != nil {
			return nil, err
		}
		r := old.Clone()
		settled, err := fn(r)
		if errors.Is(err, rooms.ErrNoChange) {
			return old, nil
		} else if err != nil {
			return nil, err
		}
		r.ID, r.Game, r.Created, r.Version = old.ID, old.Game, old.Created, old.Version+1
		err = s.commit(ctx, old, raw, r, false, settled)
		if !errors.Is(err, errConflict) {
			if err != nil {
				return nil, err
			}
			return r.Clone(), nil
		}
		// Another update came first: back off a little (more after each
		// conflict) and apply fn to the room as it now is.
		d := time.Duration(rand.Int64N(int64(50*time.Microsecond) << min(attempt, 8)))
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return nil, s.fail(ctx, "update", fmt.Errorf("room %q: %d conflicting updates: %w", id, attempt+1, ctx.Err()))
		}
	}
}

// errConflict: the room changed between the read and the commit.
var errConflict = errors.New("redisstore: conflict")

// commit stores room r (deleting it if it has no players), which was old
// (nil for a new room) as the bytes raw, with every index, in one script.
// unlessWaiting (a new room): only if no room of its game and size waits.
// settled is added to the settled counter with the change.
func (s *Store) commit(ctx context.Context, old *rooms.Room, raw []byte, r *rooms.Room, unlessWaiting bool, settled int64) error {
	var newJSON []byte
	if len(r.Players) > 0 {
		var err error
		if newJSON, err = rooms.EncodeRoom(r); err != nil {
			return err
		}
	}
	added, removed := seatDiff(old, r)
	oldWaiting, oldJoinable := s.k.waiting(r.Game, r.Size), "0"
	if old != nil {
		oldWaiting = s.k.waiting(old.Game, old.Size)
		if old.Joinable() {
			oldJoinable = "1"
		}
	}
	newJoinable, wake := "0", ""
	if len(r.Players) > 0 && r.Joinable() {
		newJoinable = "1"
	}
	if !r.WakeAt.IsZero() {
		wake = score(r.WakeAt)
	}
	keys := []string{s.k.room(r.ID), s.k.seats(r.Game), s.k.due(), oldWaiting, s.k.waiting(r.Game, r.Size), s.k.lobby(""), s.k.lobby(r.Game), s.k.commit(r.ID), s.k.settled(), s.k.counts()}
	exclusive := "0"
	if unlessWaiting {
		exclusive = "1"
	}
	oldPhase, newPhase, seated := "", "", len(r.Players)
	if old != nil {
		oldPhase, seated = old.Phase.String(), seated-len(old.Players)
	}
	if len(r.Players) > 0 {
		newPhase = r.Phase.String()
	}
	args := make([]any, 0, 14+len(added)+len(removed))
	args = append(args, raw, newJSON, r.ID, wake, score(r.Created), oldJoinable, newJoinable, token(), exclusive, max(settled, 0), oldPhase, newPhase, seated, len(added))
	for _, p := range added {
		args = append(args, p)
	}
	for _, p := range removed {
		args = append(args, p)
	}
	tok := args[7].(string)
	v, err := commitScript.Run(ctx, s.c, keys, args...).Result()
	if err != nil && !isRedisReply(err) && s.committed(ctx, r.ID, tok) {
		// The reply was lost (timeout, connection closed) but the commit
		// was done: say so, or its events would never be published.
		s.o.Metrics.RedisError("update", err)
		return nil
	}
	if err != nil {
		return s.fail(ctx, "update", err)
	}
	s.ok()
	res, player, err := parseCommitReply(v)
	if err != nil {
		return fmt.Errorf("redisstore: update room %q: %w", r.ID, err)
	}
	switch res {
	case replyOK:
		return nil
	case replyExists:
		return fmt.Errorf("create room %q: %w", r.ID, rooms.ErrRoomExists)
	case replyWaiting:
		return fmt.Errorf("create room %q: %w", r.ID, rooms.ErrWaitingRoom)
	case replyGone:
		return fmt.Errorf("update room %q: %w", r.ID, rooms.ErrRoomNotFound)
	case replySeated:
		return fmt.Errorf("seat %q in room %q: %w", player, r.ID, rooms.ErrPlayerSeated)
	default:
		return errConflict
	}
}

// committed reports whether the commit carrying tok is stored: asked after
// the commit's reply was lost (a broken connection), within what is left
// of the call's time, after a moment for Redis to run a command it had
// already read from the closed connection. A call out of time (its commit
// timed out) is not asked: Redis, too slow to answer, would not answer
// this either, and the caller's bound comes first.
func (s *Store) committed(ctx context.Context, id, tok string) bool {
	if d, ok := ctx.Deadline(); !ok || time.Until(d) < 50*time.Millisecond {
		return false
	}
	select {
	case <-time.After(20 * time.Millisecond):
	case <-ctx.Done():
		return false
	}
	v, err := s.c.Get(ctx, s.k.commit(id)).Result()
	return err == nil && v == tok
}

// isRedisReply reports whether err is an error reply from Redis (the
// command ran and failed: its outcome is known), rather than a transport
// error or a deadline (its outcome is not).
func isRedisReply(err error) bool {
	var re goredis.Error
	return errors.As(err, &re) && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled)
}

// token returns a random commit token.
func token() string {
	var b [16]byte
	_, _ = crand.Read(b[:]) // never fails
	return hex.EncodeToString(b[:])
}

// seatDiff returns the players r seats that old did not, and those old
// seated that r does not.
func seatDiff(old, r *rooms.Room) (added, removed []string) {
	for _, p := range r.Players {
		if old == nil || old.Seat(p.PlayerID) < 0 {
			added = append(added, p.PlayerID)
		}
	}
	if old != nil {
		for _, p := range old.Players {
			if r.Seat(p.PlayerID) < 0 {
				removed = append(removed, p.PlayerID)
			}
		}
	}
	return added, removed
}

// PlayerRoom implements rooms.Store.
func (s *Store) PlayerRoom(ctx context.Context, game, playerID string) (string, error) {
	ctx, cancel, err := s.begin(ctx, "player room")
	if err != nil {
		return "", err
	}
	defer cancel()
	id, err := s.c.HGet(ctx, s.k.seats(game), playerID).Result()
	if errors.Is(err, goredis.Nil) {
		s.ok()
		return "", nil
	}
	if err != nil {
		return "", s.fail(ctx, "player room", err)
	}
	s.ok()
	return id, nil
}

// Waiting implements rooms.Store.
func (s *Store) Waiting(ctx context.Context, game string, size int) ([]string, error) {
	ctx, cancel, err := s.begin(ctx, "waiting")
	if err != nil {
		return nil, err
	}
	defer cancel()
	ids, err := s.c.ZRange(ctx, s.k.waiting(game, size), 0, -1).Result()
	if err != nil {
		return nil, s.fail(ctx, "waiting", err)
	}
	s.ok()
	return ids, nil
}

// listBatch is how many rooms List reads per MGET.
const listBatch = 256

// List implements rooms.Store. A room that does not decode is left out
// and logged: one damaged key must not take the lobby down.
func (s *Store) List(ctx context.Context, game string) ([]*rooms.Room, error) {
	ctx, cancel, err := s.begin(ctx, "list")
	if err != nil {
		return nil, err
	}
	defer cancel()
	ids, err := s.c.ZRange(ctx, s.k.lobby(game), 0, -1).Result()
	if err != nil {
		return nil, s.fail(ctx, "list", err)
	}
	out, err := s.mget(ctx, ids)
	if err != nil {
		return nil, err
	}
	s.ok()
	return out, nil
}

// mget reads the rooms ids, listBatch at a time, leaving out those deleted
// meanwhile and those that do not decode (logged: one damaged key must not
// take the lobby down).
func (s *Store) mget(ctx context.Context, ids []string) ([]*rooms.Room, error) {
	out := make([]*rooms.Room, 0, len(ids))
	for len(ids) > 0 {
		batch := ids[:min(len(ids), listBatch)]
		ids = ids[len(batch):]
		ks := make([]string, len(batch))
		for i, id := range batch {
			ks[i] = s.k.room(id)
		}
		vs, err := s.c.MGet(ctx, ks...).Result()
		if err != nil {
			return nil, s.fail(ctx, "list", err)
		}
		for i, v := range vs {
			b, ok := v.(string)
			if !ok {
				continue // deleted since the ZRANGE
			}
			r, err := decodeRoom(batch[i], []byte(b))
			if err != nil {
				s.o.Metrics.Dropped("malformed")
				s.log.Error("room store: a stored room does not decode; left out of the list", "room", batch[i], "err", err)
				continue
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// Due implements rooms.Store. WakeAt is indexed to the microsecond: a room
// due less than 1 µs after now may be listed (a wake-up that finds nothing
// to do, which is harmless).
func (s *Store) Due(ctx context.Context, now time.Time, limit int) ([]string, error) {
	ctx, cancel, err := s.begin(ctx, "due")
	if err != nil {
		return nil, err
	}
	defer cancel()
	by := &goredis.ZRangeBy{Min: "-inf", Max: score(now)}
	if limit > 0 {
		by.Count = int64(limit)
	}
	ids, err := s.c.ZRangeByScore(ctx, s.k.due(), by).Result()
	if err != nil {
		return nil, s.fail(ctx, "due", err)
	}
	s.ok()
	return ids, nil
}

// Claim implements rooms.Claimer with SET NX PX.
func (s *Store) Claim(ctx context.Context, id string, ttl time.Duration) (bool, error) {
	ctx, cancel, err := s.begin(ctx, "claim")
	if err != nil {
		return false, err
	}
	defer cancel()
	ok, err := s.c.SetNX(ctx, s.k.claim(id), s.o.Owner, ttl).Result()
	if err != nil {
		return false, s.fail(ctx, "claim", err)
	}
	s.ok()
	return ok, nil
}

// AddSettled implements rooms.Store.
func (s *Store) AddSettled(ctx context.Context, n int64) error {
	ctx, cancel, err := s.begin(ctx, "settled")
	if err != nil {
		return err
	}
	defer cancel()
	if err := s.c.IncrBy(ctx, s.k.settled(), n).Err(); err != nil {
		return s.fail(ctx, "settled", err)
	}
	s.ok()
	return nil
}

// Settled implements rooms.Store.
func (s *Store) Settled(ctx context.Context) (int64, error) {
	ctx, cancel, err := s.begin(ctx, "settled")
	if err != nil {
		return 0, err
	}
	defer cancel()
	v, err := s.c.Get(ctx, s.k.settled()).Result()
	if errors.Is(err, goredis.Nil) {
		s.ok()
		return 0, nil
	}
	if err != nil {
		return 0, s.fail(ctx, "settled", err)
	}
	s.ok()
	return parseCount(v)
}

// parseCount decodes the settled counter.
func parseCount(v string) (int64, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("settled counter %.40q: %w", v, ErrMalformed)
	}
	return n, nil
}

// Match implements rooms.Matcher with one script (matchScript): the oldest
// waiting room takes the seat, or the new room is stored, in one step.
func (s *Store) Match(ctx context.Context, seat rooms.Seat, newRoom *rooms.Room) (*rooms.Room, bool, bool, error) {
	if len(newRoom.Players) != 1 || newRoom.Players[0].PlayerID != seat.PlayerID || newRoom.Phase != rooms.Waiting {
		return nil, false, false, fmt.Errorf("redisstore: match: the new room %q must hold the player alone, waiting", newRoom.ID)
	}
	nr := newRoom.Clone()
	nr.Version = 1
	newJSON, err := rooms.EncodeRoom(nr)
	if err != nil {
		return nil, false, false, err
	}
	seatJSON, err := json.Marshal(seat)
	if err != nil {
		return nil, false, false, fmt.Errorf("redisstore: match: %w", err)
	}
	ctx, cancel, err := s.begin(ctx, "match")
	if err != nil {
		return nil, false, false, err
	}
	defer cancel()
	keys := []string{s.k.waiting(nr.Game, nr.Size), s.k.seats(nr.Game), s.k.due(), s.k.room(nr.ID), s.k.lobby(""), s.k.lobby(nr.Game), s.k.counts()}
	v, err := matchScript.Run(ctx, s.c, keys, seat.PlayerID, seatJSON, newJSON, nr.ID, score(nr.Created), s.k.room(""), score(time.Now()), nr.Size).Result()
	if err != nil {
		return nil, false, false, s.fail(ctx, "match", err)
	}
	s.ok()
	status, id, raw, full, err := parseMatchReply(v)
	if err != nil {
		return nil, false, false, fmt.Errorf("redisstore: match: %w", err)
	}
	switch status {
	case replySeated:
		return nil, false, false, fmt.Errorf("match %q: in room %.80q: %w", seat.PlayerID, id, rooms.ErrPlayerSeated)
	case replyExists:
		return nil, false, false, fmt.Errorf("match: create room %q: %w", nr.ID, rooms.ErrRoomExists)
	case replyCreated:
		if id != nr.ID {
			return nil, false, false, fmt.Errorf("redisstore: match: %w: created %.80q, not %q", ErrMalformed, id, nr.ID)
		}
		return nr, true, full, nil
	}
	r, err := decodeRoom(id, []byte(raw))
	if err != nil {
		return nil, false, false, err
	}
	if r.Seat(seat.PlayerID) < 0 {
		return nil, false, false, fmt.Errorf("redisstore: match: %w: room %q does not seat %q", ErrMalformed, id, seat.PlayerID)
	}
	return r, false, full, nil
}

// Counts implements rooms.Counter: the counters the scripts keep with
// every change.
func (s *Store) Counts(ctx context.Context) (rooms.Counts, error) {
	ctx, cancel, err := s.begin(ctx, "counts")
	if err != nil {
		return rooms.Counts{}, err
	}
	defer cancel()
	m, err := s.c.HGetAll(ctx, s.k.counts()).Result()
	if err != nil {
		return rooms.Counts{}, s.fail(ctx, "counts", err)
	}
	s.ok()
	return parseCounts(m)
}

// parseCounts decodes the counters' hash. A missing field is 0; a
// malformed one (or a negative count) is an error.
func parseCounts(m map[string]string) (rooms.Counts, error) {
	var c rooms.Counts
	for _, f := range []struct {
		name string
		dst  *int
	}{{"rooms", &c.Rooms}, {"waiting", &c.Waiting}, {"playing", &c.Playing}, {"over", &c.Over}, {"players", &c.Players}} {
		v, ok := m[f.name]
		if !ok {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return rooms.Counts{}, fmt.Errorf("counter %s %.40q: %w", f.name, v, ErrMalformed)
		}
		*f.dst = n
	}
	return c, nil
}

// ListPage implements rooms.Pager: one ZRANGE of the lobby, one MGET.
func (s *Store) ListPage(ctx context.Context, game string, offset, limit int) ([]*rooms.Room, int, error) {
	if offset < 0 || limit <= 0 {
		return nil, 0, fmt.Errorf("redisstore: list page: offset %d, limit %d", offset, limit)
	}
	ctx, cancel, err := s.begin(ctx, "list")
	if err != nil {
		return nil, 0, err
	}
	defer cancel()
	var total *goredis.IntCmd
	var page *goredis.StringSliceCmd
	_, err = s.c.Pipelined(ctx, func(p goredis.Pipeliner) error {
		total = p.ZCard(ctx, s.k.lobby(game))
		page = p.ZRange(ctx, s.k.lobby(game), int64(offset), int64(offset+limit-1))
		return nil
	})
	if err != nil {
		return nil, 0, s.fail(ctx, "list", err)
	}
	out, err := s.mget(ctx, page.Val())
	if err != nil {
		return nil, 0, err
	}
	s.ok()
	return out, int(total.Val()), nil
}
