package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rpsio/rpsio/socketio"
)

// RecoveryStoreOptions bound a Cluster's RecoveryStore. Zero values take the
// defaults written on each field.
type RecoveryStoreOptions struct {
	// MaxSessions per namespace: beyond it, the sessions saved longest ago
	// are dropped first. Default 10,000.
	MaxSessions int
	// MaxRoomPackets: the most packets of one node kept for one room (or
	// for the whole namespace); the oldest go first. A session that
	// missed more from one of its rooms cannot be recovered anyway when
	// this is socketio.RecoveryOptions.MaxPackets. Default 1000.
	MaxRoomPackets int
}

func (o RecoveryStoreOptions) withDefaults() RecoveryStoreOptions {
	if o.MaxSessions <= 0 {
		o.MaxSessions = 10_000
	}
	if o.MaxRoomPackets <= 0 {
		o.MaxRoomPackets = 1000
	}
	return o
}

// RecoveryStore returns a socketio.RecoveryStore in the Cluster's Redis,
// which every node of the cluster reads: a client recovers its session
// through any node. Pass it as socketio.RecoveryOptions.Store with the
// Cluster's Adapter as socketio.Options.Adapter.
//
// Its writes (packets as they are emitted, sessions as sockets leave) go
// through the Cluster's publishing queue, in order with the publishes:
// a node that received a broadcast can read it from the store. Reads (a
// recovery) go straight to Redis.
//
// Keys, all of one namespace in one Redis Cluster slot (the {hash tag}),
// P being the Cluster's Prefix and N the namespace:
//
//	{P#N}#rec#log#<node>#r#<room>   stream: that node's packets to room, ID <time>-<seq>
//	{P#N}#rec#log#<node>#all        stream: its packets to the whole namespace
//	{P#N}#rec#nodes                 sorted set: the nodes keeping packets, by last write
//	                                (plus a second, refreshed about once a second)
//	{P#N}#rec#s#<pid>               a saved session (JSON), expiring with it
//	{P#N}#rec#sessions              sorted set: saved sessions by time, to drop the oldest
//
// A stream entry has the fields t (the encoded packet), r and e (its rooms
// and except rooms, JSON arrays), n (its attachments' count) and a0, a1,
// ... (the attachments). Node peers never read any of it.
func (c *Cluster) RecoveryStore(opts RecoveryStoreOptions) socketio.RecoveryStore {
	return &recoveryStore{c: c, opts: opts.withDefaults()}
}

type recoveryStore struct {
	c    *Cluster
	opts RecoveryStoreOptions

	// listedMu guards listed: per namespace, until when this node's
	// entry in the nodes' sorted set lists it (Unix ms).
	listedMu sync.Mutex
	listed   map[string]int64
}

// listAhead: a node keeping packets writes its entry in the nodes' sorted
// set as if written this much later than it is, and refreshes it only when
// a packet would outlive it: about once per listAhead instead of with
// every packet.
const listAhead = time.Second

// listNow tells whether Keep of a packet kept at now for ttl writes the
// node's entry for nsp, and returns the entry's score and lifetime.
func (s *recoveryStore) listNow(nsp string, now int64, ttl time.Duration) (bool, int64, time.Duration) {
	s.listedMu.Lock()
	defer s.listedMu.Unlock()
	if now+ttl.Milliseconds() <= s.listed[nsp] {
		return false, 0, 0
	}
	if s.listed == nil {
		s.listed = map[string]int64{}
	}
	life := ttl + listAhead
	s.listed[nsp] = now + life.Milliseconds()
	return true, now + listAhead.Milliseconds(), life
}

// Run implements socketio.RecoveryStore: it takes a share of the Cluster's
// connection and goroutines, as a namespace's adapter does.
func (s *recoveryStore) Run(ctx context.Context) error { return s.c.acquire(ctx) }

// Close implements socketio.RecoveryStore: the last share flushes the
// queue.
func (s *recoveryStore) Close(ctx context.Context) error { return s.c.release(ctx) }

func (s *recoveryStore) base(nsp string) string {
	return "{" + s.c.opts.Prefix + "#" + nsp + "}#rec#"
}

func (s *recoveryStore) logKey(nsp, node string, room string, all bool) string {
	if all {
		return s.base(nsp) + "log#" + node + "#all"
	}
	return s.base(nsp) + "log#" + node + "#r#" + room
}

func streamID(o socketio.Offset) string {
	return strconv.FormatInt(o.Time, 10) + "-" + strconv.FormatUint(o.Seq, 10)
}

// queue hands commands to the Cluster's writer; what cannot be queued is
// dropped and counted (Stats.PublishDropped), as a publish is.
func (s *recoveryStore) queue(cmds func(ctx context.Context, p goredis.Pipeliner)) {
	s.c.mu.Lock()
	r := s.c.run
	s.c.mu.Unlock()
	if r == nil {
		s.c.publishDropped.Add(1)
		return
	}
	_ = s.c.enqueueRun(r, pubItem{cmds: cmds})
}

// Sync implements socketio.RecoveryStore: a marker goes through the queue.
func (s *recoveryStore) Sync(ctx context.Context) error {
	s.c.mu.Lock()
	r := s.c.run
	s.c.mu.Unlock()
	if r == nil {
		return ErrNotRunning
	}
	done := make(chan struct{})
	if err := s.c.enqueueRun(r, pubItem{done: done}); err != nil {
		return err
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("redis recovery store: waiting for the queue: %w", ctx.Err())
	}
}

// Keep implements socketio.RecoveryStore.
func (s *recoveryStore) Keep(nsp string, p *socketio.KeptPacket, ttl time.Duration) {
	// x: when it expires (Unix ms): the stream lives as long as it is
	// written, its entries not.
	values := []any{"t", p.Text, "r", jsonStrings(p.Rooms), "e", jsonStrings(p.Except), "n", len(p.Attachments),
		"x", time.Now().Add(ttl).UnixMilli()}
	for i, a := range p.Attachments {
		values = append(values, "a"+strconv.Itoa(i), a)
	}
	var keys []string
	if len(p.Rooms) == 0 {
		keys = []string{s.logKey(nsp, p.Offset.Node, "", true)}
	} else {
		for _, r := range p.Rooms {
			keys = append(keys, s.logKey(nsp, p.Offset.Node, r, false))
		}
	}
	id := streamID(p.Offset)
	nodes := s.base(nsp) + "nodes"
	node := p.Offset.Node
	maxLen := int64(s.opts.MaxRoomPackets)
	// The node's entry in the nodes' sorted set only when this packet
	// would outlive it (listNow): three commands fewer for most packets
	// (for a room game a packet is one small event, and these were half
	// of what recovery sent Redis).
	now := time.Now().UnixMilli()
	list, score, life := s.listNow(nsp, now, ttl)
	s.queue(func(ctx context.Context, pipe goredis.Pipeliner) {
		for _, k := range keys {
			pipe.XAdd(ctx, &goredis.XAddArgs{Stream: k, ID: id, MaxLen: maxLen, Values: values})
			pipe.PExpire(ctx, k, ttl)
		}
		if list {
			pipe.ZAdd(ctx, nodes, goredis.Z{Score: float64(score), Member: node})
			pipe.ZRemRangeByScore(ctx, nodes, "-inf", "("+strconv.FormatInt(now-ttl.Milliseconds(), 10))
			pipe.PExpire(ctx, nodes, life)
		}
	})
}

func jsonStrings(ss []string) string {
	if len(ss) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(ss)
	return string(b)
}

// saveScript stores a session and drops the oldest beyond the bound; the
// sorted set's scores are Redis's own clock in microseconds (so that
// sessions saved in one millisecond keep their order).
// KEYS: the session, the sessions' sorted set. ARGV: value, ttl (ms), pid,
// the bound, the prefix of session keys (same slot).
var saveScript = goredis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('ZADD', KEYS[2], now, ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. (now - tonumber(ARGV[2]) * 1000))
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[4])
if over > 0 then
  local old = redis.call('ZPOPMIN', KEYS[2], over)
  for i = 1, #old, 2 do redis.call('DEL', ARGV[5] .. old[i]) end
end
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 1
`)

// SaveSession implements socketio.RecoveryStore.
func (s *recoveryStore) SaveSession(nsp string, sess *socketio.RecoverySession, ttl time.Duration) {
	b, err := encodeSession(sess)
	if err != nil {
		s.c.log.Error("redis recovery store: encoding a session; not saved", "nsp", nsp, "err", err)
		return
	}
	base := s.base(nsp)
	keys := []string{base + "s#" + sess.PID, base + "sessions"}
	pid, bound := sess.PID, s.opts.MaxSessions
	s.queue(func(ctx context.Context, pipe goredis.Pipeliner) {
		// EVAL, not EVALSHA: a pipeline cannot fall back on NOSCRIPT, and
		// sessions are saved at disconnections only.
		saveScript.Eval(ctx, pipe, keys, b, ttl.Milliseconds(), pid, bound, base+"s#")
	})
}

// TakeSession implements socketio.RecoveryStore.
func (s *recoveryStore) TakeSession(ctx context.Context, nsp, pid string) (*socketio.RecoverySession, error) {
	base := s.base(nsp)
	var get *goredis.StringCmd
	_, err := s.c.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		get = p.GetDel(ctx, base+"s#"+pid)
		p.ZRem(ctx, base+"sessions", pid)
		return nil
	})
	b, gerr := get.Bytes()
	if errors.Is(gerr, goredis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("redis recovery store: taking a session: %w", err)
	}
	sess, err := decodeSession(b)
	if err != nil {
		s.c.malformed.Add(1)
		return nil, err
	}
	if sess.PID != pid {
		s.c.malformed.Add(1)
		return nil, malformed("session: pid %q under key of %q", sess.PID, pid)
	}
	return sess, nil
}

// Missed implements socketio.RecoveryStore.
func (s *recoveryStore) Missed(ctx context.Context, nsp string, q socketio.MissedQuery) ([]*socketio.KeptPacket, error) {
	base := s.base(nsp)
	nodes, err := s.c.client.ZRange(ctx, base+"nodes", 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("redis recovery store: listing the nodes: %w", err)
	}
	type read struct {
		node  string
		from  socketio.Offset // exclusive; zero Seq: from NotBefore, inclusive
		info  *goredis.XInfoStreamCmd
		rng   *goredis.XMessageSliceCmd
		key   string
		known bool
	}
	var reads []*read
	_, _ = s.c.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for _, node := range nodes {
			if !validNode(node) {
				continue
			}
			after, known := q.After[node]
			start := strconv.FormatInt(q.NotBefore, 10) + "-0"
			if known {
				start = "(" + streamID(after)
			}
			keys := []string{s.logKey(nsp, node, "", true)}
			for _, r := range q.Rooms {
				keys = append(keys, s.logKey(nsp, node, r, false))
			}
			for _, k := range keys {
				rd := &read{node: node, from: after, key: k, known: known}
				rd.info = p.XInfoStream(ctx, k)
				rd.rng = p.XRangeN(ctx, k, start, "+", int64(q.Limit)+1)
				reads = append(reads, rd)
			}
		}
		return nil
	})
	seen := map[socketio.Offset]bool{}
	var out []*socketio.KeptPacket
	now := time.Now().UnixMilli()
	for _, rd := range reads {
		info, err := rd.info.Result()
		if err != nil {
			if isNoSuchKey(err) {
				continue // nothing kept there
			}
			return nil, fmt.Errorf("redis recovery store: reading %s: %w", rd.key, err)
		}
		// A stream is trimmed from its front only (MAXLEN), so what was
		// trimmed is older than its first entry. If anything was, and the
		// cut is before that first entry, packets the query needs may be
		// gone (when the cut falls between the last trimmed entry and the
		// first kept one, the session missed the whole stream: at the
		// bound anyway).
		if trimmed := info.EntriesAdded - info.Length; trimmed > 0 {
			first, err := parseStreamID(info.FirstEntry.ID)
			if err != nil {
				first = socketio.Offset{Time: 1<<63 - 1, Seq: 1<<64 - 1} // empty: all trimmed
			}
			gone := rd.from.Seq < first.Seq
			if !rd.known {
				gone = q.NotBefore <= first.Time
			}
			if gone {
				return nil, fmt.Errorf("%w: %d entries trimmed from %s, whose first is %s", socketio.ErrPacketsGone, trimmed, rd.key, info.FirstEntry.ID)
			}
		}
		msgs, err := rd.rng.Result()
		if err != nil {
			return nil, fmt.Errorf("redis recovery store: reading %s: %w", rd.key, err)
		}
		for _, m := range msgs {
			p, err := decodeEntry(rd.node, m)
			if err != nil {
				s.c.malformed.Add(1)
				return nil, fmt.Errorf("redis recovery store: %s: %w", rd.key, err)
			}
			if seen[p.Offset] || !p.For(q.Rooms) || expires(m) <= now {
				continue
			}
			seen[p.Offset] = true
			out = append(out, p)
			if len(out) > q.Limit {
				return out, nil
			}
		}
	}
	return out, nil
}

// expires is an entry's x field; an entry without one does not expire
// (its stream does).
func expires(m goredis.XMessage) int64 {
	s, _ := m.Values["x"].(string)
	x, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 1<<63 - 1
	}
	return x
}

func isNoSuchKey(err error) bool {
	return err != nil && strings.Contains(err.Error(), "no such key")
}

func validNode(s string) bool {
	_, err := socketio.ParseOffset(s + "-1-1")
	return err == nil
}

// parseStreamID reads "<time>-<seq>".
func parseStreamID(id string) (socketio.Offset, error) {
	ts, seqs, ok := strings.Cut(id, "-")
	t, err1 := strconv.ParseInt(ts, 10, 64)
	seq, err2 := strconv.ParseUint(seqs, 10, 64)
	if !ok || err1 != nil || err2 != nil || t < 0 {
		return socketio.Offset{}, malformed("stream id %.40q", id)
	}
	return socketio.Offset{Time: t, Seq: seq}, nil
}

// maxAttachments bounds what an entry from Redis may claim.
const maxAttachments = 1000

// decodeEntry reads a stream entry of node's log.
func decodeEntry(node string, m goredis.XMessage) (*socketio.KeptPacket, error) {
	off, err := parseStreamID(m.ID)
	if err != nil {
		return nil, err
	}
	off.Node = node
	if off.Seq == 0 {
		return nil, malformed("entry %s: seq 0", m.ID)
	}
	str := func(k string) (string, error) {
		v, ok := m.Values[k].(string)
		if !ok {
			return "", malformed("entry %s: field %q missing", m.ID, k)
		}
		return v, nil
	}
	text, err := str("t")
	if err != nil {
		return nil, err
	}
	p := &socketio.KeptPacket{Offset: off, Text: []byte(text)}
	for _, f := range []struct {
		key string
		dst *[]string
	}{{"r", &p.Rooms}, {"e", &p.Except}} {
		v, err := str(f.key)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(v), f.dst); err != nil {
			return nil, malformed("entry %s: field %q: %v", m.ID, f.key, err)
		}
		if len(*f.dst) == 0 {
			*f.dst = nil
		}
	}
	ns, err := str("n")
	if err != nil {
		return nil, err
	}
	n, err := strconv.Atoi(ns)
	if err != nil || n < 0 || n > maxAttachments {
		return nil, malformed("entry %s: %q attachments", m.ID, ns)
	}
	for i := 0; i < n; i++ {
		a, err := str("a" + strconv.Itoa(i))
		if err != nil {
			return nil, err
		}
		p.Attachments = append(p.Attachments, []byte(a))
	}
	return p, nil
}

// wireSession is a session as JSON: times in Unix ms, offsets in their
// text form, packet bytes in base64.
type wireSession struct {
	PID            string            `json:"pid"`
	SID            string            `json:"sid"`
	Rooms          []string          `json:"rooms"`
	Data           map[string]any    `json:"data"`
	ConnectedAt    int64             `json:"connectedAt"`
	DisconnectedAt int64             `json:"disconnectedAt"`
	Sent           []wireSent        `json:"sent"`
	SentBefore     string            `json:"sentBefore,omitempty"`
	Seen           map[string]string `json:"seen"`
}

type wireSent struct {
	Offset      string   `json:"o"`
	Text        []byte   `json:"t"`
	Attachments [][]byte `json:"a,omitempty"`
}

func encodeSession(s *socketio.RecoverySession) ([]byte, error) {
	w := wireSession{
		PID: s.PID, SID: s.SID, Rooms: s.Rooms, Data: s.Data,
		ConnectedAt: s.ConnectedAt.UnixMilli(), DisconnectedAt: s.DisconnectedAt.UnixMilli(),
		SentBefore: s.SentBefore.String(), Seen: map[string]string{},
	}
	for _, p := range s.Sent {
		w.Sent = append(w.Sent, wireSent{p.Offset.String(), p.Text, p.Attachments})
	}
	for n, o := range s.Seen {
		w.Seen[n] = o.String()
	}
	b, err := json.Marshal(w)
	if err != nil {
		// Data that JSON cannot carry (say a channel): the session goes
		// without it rather than not at all.
		w.Data = map[string]any{}
		var err2 error
		if b, err2 = json.Marshal(w); err2 != nil {
			return nil, err2
		}
	}
	return b, nil
}

func decodeSession(b []byte) (*socketio.RecoverySession, error) {
	var w wireSession
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, malformed("session: %v", err)
	}
	if w.PID == "" || w.SID == "" {
		return nil, malformed("session without pid or sid")
	}
	s := &socketio.RecoverySession{
		PID: w.PID, SID: w.SID, Rooms: w.Rooms, Data: w.Data,
		ConnectedAt: time.UnixMilli(w.ConnectedAt), DisconnectedAt: time.UnixMilli(w.DisconnectedAt),
		Seen: map[string]socketio.Offset{},
	}
	if w.SentBefore != "" {
		o, err := socketio.ParseOffset(w.SentBefore)
		if err != nil {
			return nil, malformed("session: sentBefore: %v", err)
		}
		s.SentBefore = o
	}
	for _, p := range w.Sent {
		o, err := socketio.ParseOffset(p.Offset)
		if err != nil {
			return nil, malformed("session: sent: %v", err)
		}
		s.Sent = append(s.Sent, &socketio.KeptPacket{Offset: o, Text: p.Text, Attachments: p.Attachments})
	}
	for n, os := range w.Seen {
		o, err := socketio.ParseOffset(os)
		if err != nil || o.Node != n {
			return nil, malformed("session: seen %q: %q", n, os)
		}
		s.Seen[n] = o
	}
	return s, nil
}
