package socketio

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"
)

// MemoryRecoveryStoreOptions bound a MemoryRecoveryStore. Zero values take
// the defaults written on each field.
type MemoryRecoveryStoreOptions struct {
	// MaxSessions: beyond it, the sessions saved longest ago are dropped
	// first. Default 10,000.
	MaxSessions int
	// MaxPackets: the most packets kept, over every namespace; beyond it
	// the oldest are dropped first. Default 100,000.
	MaxPackets int
	// Now is the clock; default time.Now. Tests set it.
	Now func() time.Time
}

func (o MemoryRecoveryStoreOptions) withDefaults() MemoryRecoveryStoreOptions {
	if o.MaxSessions <= 0 {
		o.MaxSessions = 10_000
	}
	if o.MaxPackets <= 0 {
		o.MaxPackets = 100_000
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// MemoryRecoveryStore is the RecoveryStore of one process: the default.
// Its memory is bounded by MaxSessions sessions (each holding at most
// RecoveryOptions.MaxPackets recent packets) and MaxPackets kept packets,
// which the sessions and the packets' rooms share rather than copy. Expired
// entries go when the store next writes. Several Servers of one process
// may share one, as nodes of a cluster do a Redis one.
type MemoryRecoveryStore struct {
	opts MemoryRecoveryStoreOptions

	mu       sync.Mutex
	nsps     map[string]*memNsp
	packets  queue[*memPacket]  // every kept packet, oldest first
	sessions queue[*memSession] // every saved session, oldest first
	nSess    int                // sessions held (queue entries may be stale)
	// emptied: logs left empty by a drop, whose mark must outlive their
	// packets until those would have expired; oldest first.
	emptied queue[*memLog]
}

type memNsp struct {
	// logs: per node, per room ("" key for packets to the whole
	// namespace, with all set), the packets in Seq order.
	logs     map[memLogKey]*memLog
	sessions map[string]*memSession // by pid
}

// memLog is one node's packets for one room, in Seq order. When a bound
// drops some before they expire, it remembers the last one dropped, so
// that a query that needed it fails rather than missing it.
type memLog struct {
	nsp *memNsp
	key memLogKey
	q   queue[*memPacket]
	// The last packet dropped before it expired: its offset and when it
	// would have expired (after that, no session can need it).
	dropped        Offset
	droppedExpires int64
}

type memLogKey struct {
	node, room string
	all        bool
}

type memPacket struct {
	nsp     *memNsp
	p       *KeptPacket
	expires int64 // Unix ms
	gone    bool
}

type memSession struct {
	nsp     *memNsp
	s       *RecoverySession
	expires int64
	gone    bool
}

// NewMemoryRecoveryStore returns an empty store.
func NewMemoryRecoveryStore(opts MemoryRecoveryStoreOptions) *MemoryRecoveryStore {
	return &MemoryRecoveryStore{opts: opts.withDefaults(), nsps: map[string]*memNsp{}}
}

var _ RecoveryStore = (*MemoryRecoveryStore)(nil)

// Run implements RecoveryStore: nothing to start.
func (m *MemoryRecoveryStore) Run(context.Context) error { return nil }

// Close implements RecoveryStore: nothing to flush.
func (m *MemoryRecoveryStore) Close(context.Context) error { return nil }

// Sync implements RecoveryStore: writes are read at once.
func (m *MemoryRecoveryStore) Sync(context.Context) error { return nil }

func (m *MemoryRecoveryStore) nsp(name string) *memNsp {
	n := m.nsps[name]
	if n == nil {
		n = &memNsp{logs: map[memLogKey]*memLog{}, sessions: map[string]*memSession{}}
		m.nsps[name] = n
	}
	return n
}

// Keep implements RecoveryStore.
func (m *MemoryRecoveryStore) Keep(nsp string, p *KeptPacket, ttl time.Duration) {
	now := m.opts.Now().UnixMilli()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.expireLocked(now)
	n := m.nsp(nsp)
	mp := &memPacket{nsp: n, p: p, expires: now + ttl.Milliseconds()}
	keys := logKeys(p)
	for _, k := range keys {
		l := n.logs[k]
		if l == nil {
			l = &memLog{nsp: n, key: k}
			n.logs[k] = l
		}
		l.q.push(mp)
	}
	m.packets.push(mp)
	for m.packets.len() > m.opts.MaxPackets {
		m.dropPacketLocked(m.packets.pop(), now)
	}
}

func logKeys(p *KeptPacket) []memLogKey {
	if len(p.Rooms) == 0 {
		return []memLogKey{{node: p.Offset.Node, all: true}}
	}
	keys := make([]memLogKey, 0, len(p.Rooms))
	for _, r := range p.Rooms {
		k := memLogKey{node: p.Offset.Node, room: r}
		dup := false
		for _, o := range keys {
			dup = dup || o == k
		}
		if !dup {
			keys = append(keys, k)
		}
	}
	return keys
}

// dropPacketLocked removes a packet taken from the front of m.packets
// from its logs, where it is at the front too (both are in Keep order).
func (m *MemoryRecoveryStore) dropPacketLocked(mp *memPacket, now int64) {
	mp.gone = true
	early := mp.expires > now
	for _, k := range logKeys(mp.p) {
		l := mp.nsp.logs[k]
		if l == nil {
			continue
		}
		if early {
			l.dropped, l.droppedExpires = mp.p.Offset, mp.expires
		}
		for l.q.len() > 0 && l.q.peek().gone {
			l.q.pop()
		}
		if l.q.len() == 0 {
			if l.droppedExpires > now {
				m.emptied.push(l)
			} else {
				delete(mp.nsp.logs, k)
			}
		}
	}
}

// expireLocked drops what has expired, oldest first. Entries expire in
// about the order they were added (same ttl), so the fronts are checked
// only: a later entry with a shorter ttl waits for those before it.
func (m *MemoryRecoveryStore) expireLocked(now int64) {
	for m.packets.len() > 0 && m.packets.peek().expires <= now {
		m.dropPacketLocked(m.packets.pop(), now)
	}
	for m.emptied.len() > 0 && m.emptied.peek().droppedExpires <= now {
		l := m.emptied.pop()
		if l.q.len() == 0 && l.droppedExpires <= now && l.nsp.logs[l.key] == l {
			delete(l.nsp.logs, l.key)
		}
	}
	for m.sessions.len() > 0 {
		ms := m.sessions.peek()
		if !ms.gone && ms.expires > now {
			break
		}
		m.sessions.pop()
		m.forgetSessionLocked(ms)
	}
}

func (m *MemoryRecoveryStore) forgetSessionLocked(ms *memSession) {
	if ms.gone {
		return
	}
	ms.gone = true
	m.nSess--
	if ms.nsp.sessions[ms.s.PID] == ms {
		delete(ms.nsp.sessions, ms.s.PID)
	}
}

// SaveSession implements RecoverySession.
func (m *MemoryRecoveryStore) SaveSession(nsp string, s *RecoverySession, ttl time.Duration) {
	now := m.opts.Now().UnixMilli()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.expireLocked(now)
	n := m.nsp(nsp)
	if old := n.sessions[s.PID]; old != nil {
		m.forgetSessionLocked(old)
	}
	ms := &memSession{nsp: n, s: s, expires: now + ttl.Milliseconds()}
	n.sessions[s.PID] = ms
	m.sessions.push(ms)
	m.nSess++
	for m.nSess > m.opts.MaxSessions {
		m.forgetSessionLocked(m.sessions.pop())
	}
	// Stale entries (taken or replaced sessions) are popped as they reach
	// the front; compact when they are most of the queue.
	if m.sessions.len() > 2*m.nSess+64 {
		m.sessions.filter(func(ms *memSession) bool { return !ms.gone })
	}
}

// TakeSession implements RecoveryStore.
func (m *MemoryRecoveryStore) TakeSession(_ context.Context, nsp, pid string) (*RecoverySession, error) {
	now := m.opts.Now().UnixMilli()
	m.mu.Lock()
	defer m.mu.Unlock()
	n := m.nsps[nsp]
	if n == nil {
		return nil, nil
	}
	ms := n.sessions[pid]
	if ms == nil {
		return nil, nil
	}
	m.forgetSessionLocked(ms)
	if ms.expires <= now {
		return nil, nil
	}
	return ms.s, nil
}

// Missed implements RecoveryStore.
func (m *MemoryRecoveryStore) Missed(_ context.Context, nsp string, q MissedQuery) ([]*KeptPacket, error) {
	now := m.opts.Now().UnixMilli()
	m.mu.Lock()
	defer m.mu.Unlock()
	n := m.nsps[nsp]
	if n == nil {
		return nil, nil
	}
	rooms := make(map[string]bool, len(q.Rooms))
	for _, r := range q.Rooms {
		rooms[r] = true
	}
	seen := map[*memPacket]bool{}
	var out []*KeptPacket
	for k, l := range n.logs {
		if !k.all && !rooms[k.room] {
			continue
		}
		after, known := q.After[k.node]
		past := func(o Offset) bool {
			if known {
				return o.Seq > after.Seq
			}
			return o.Time >= q.NotBefore
		}
		if !l.dropped.IsZero() && l.droppedExpires > now && past(l.dropped) {
			return nil, fmt.Errorf("%w: %s was dropped (MaxPackets %d)", ErrPacketsGone, l.dropped, m.opts.MaxPackets)
		}
		// The log is in Seq (and Time) order: find the first packet past
		// the cut, then take what follows.
		log := &l.q
		i := sort.Search(log.len(), func(i int) bool { return past(log.at(i).p.Offset) })
		for ; i < log.len(); i++ {
			mp := log.at(i)
			if mp.gone || mp.expires <= now || seen[mp] || !mp.p.For(q.Rooms) {
				continue
			}
			seen[mp] = true
			out = append(out, mp.p)
			if q.Limit >= 0 && len(out) > q.Limit {
				return out, nil
			}
		}
	}
	return out, nil
}

// queue is a FIFO on a slice that reuses its space.
type queue[T any] struct {
	items []T
	head  int
}

func (q *queue[T]) len() int          { return len(q.items) - q.head }
func (q *queue[T]) peek() T           { return q.items[q.head] }
func (q *queue[T]) at(i int) T        { return q.items[q.head+i] }
func (q *queue[T]) push(v T)          { q.items = append(q.items, v) }
func (q *queue[T]) compactable() bool { return q.head > 32 && q.head*2 > len(q.items) }

func (q *queue[T]) pop() T {
	var zero T
	v := q.items[q.head]
	q.items[q.head] = zero
	q.head++
	if q.head == len(q.items) {
		q.items, q.head = q.items[:0], 0
	} else if q.compactable() {
		n := copy(q.items, q.items[q.head:])
		clear(q.items[n:])
		q.items, q.head = q.items[:n], 0
	}
	return v
}

func (q *queue[T]) filter(keep func(T) bool) {
	out := q.items[:0]
	for _, v := range q.items[q.head:] {
		if keep(v) {
			out = append(out, v)
		}
	}
	clear(q.items[len(out):])
	q.items, q.head = out, 0
}
