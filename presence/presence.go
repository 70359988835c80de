// Package presence says which players are connected: on this node
// ([Memory], one node) or on any live node of a cluster (package
// presence/redispresence, through Redis). A player counts as connected
// while any of their sockets is, on any node that lives; the room engine
// marks them disconnected (and their reconnect grace starts) when the last
// one goes, including when the node that held it dies.
//
// Every implementation runs the conformance suite in
// presence/presencetest. Trackers are safe for concurrent use.
package presence

import (
	"context"
	"sync"
)

// Tracker records the sockets of players, by game, and answers for the
// cluster.
type Tracker interface {
	// Arrive records a socket of playerID in game on this node. An error
	// means the record did not reach the cluster yet: the tracker retries
	// on its own (and calls back, see redispresence.Options.OnBack).
	Arrive(ctx context.Context, game, playerID string) error
	// Depart records that a socket of playerID in game on this node went
	// away. gone reports that the player now has no socket on any node:
	// mark them disconnected. An error means the cluster could not be told
	// yet (gone is false): the tracker retries on its own and reports the
	// player gone later (redispresence.Options.OnGone).
	Depart(ctx context.Context, game, playerID string) (gone bool, err error)
	// Online reports whether playerID has a socket in game on a live node.
	Online(ctx context.Context, game, playerID string) (bool, error)
	// Stats returns the live nodes and their connections.
	Stats(ctx context.Context) (Stats, error)
}

// Stats are the cluster's figures.
type Stats struct {
	Nodes       int `json:"nodes"`       // live nodes
	Connections int `json:"connections"` // Engine.IO connections on them
}

// Key is a player in a game.
type Key struct{ Game, Player string }

// Memory is the Tracker of one node: sockets counted in memory.
type Memory struct {
	conns func() int

	mu    sync.Mutex
	count map[Key]int
}

var _ Tracker = (*Memory)(nil)

// NewMemory returns a Memory whose Stats report connections() (nil: 0)
// connections on one node.
func NewMemory(connections func() int) *Memory {
	if connections == nil {
		connections = func() int { return 0 }
	}
	return &Memory{conns: connections, count: map[Key]int{}}
}

// Arrive implements Tracker.
func (m *Memory) Arrive(ctx context.Context, game, playerID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	m.count[Key{game, playerID}]++
	m.mu.Unlock()
	return nil
}

// Depart implements Tracker. Departing a player who has no socket does
// nothing and reports them gone.
func (m *Memory) Depart(ctx context.Context, game, playerID string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	k := Key{game, playerID}
	if m.count[k] > 1 {
		m.count[k]--
		return false, nil
	}
	delete(m.count, k)
	return true, nil
}

// Online implements Tracker.
func (m *Memory) Online(ctx context.Context, game, playerID string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.count[Key{game, playerID}] > 0, nil
}

// Stats implements Tracker: one node.
func (m *Memory) Stats(ctx context.Context) (Stats, error) {
	if err := ctx.Err(); err != nil {
		return Stats{}, err
	}
	return Stats{Nodes: 1, Connections: m.conns()}, nil
}
