package engineio

import (
	"sync"
	"sync/atomic"
)

// Stats is a snapshot of a Server's connection figures, for monitoring.
type Stats struct {
	// Sessions are the open sessions by their current transport.
	Sessions map[string]int
	// Opened counts the sessions opened since start, by the transport of
	// their handshake.
	Opened map[string]uint64
	// Upgrades counts polling sessions upgraded to WebSocket.
	Upgrades uint64
	// Closed counts the sessions closed since start, by reason
	// (ReasonSlowClient for a client whose queue filled, ReasonPingTimeout,
	// ReasonServerShutdown, ...).
	Closed map[string]uint64
}

// counters are updated on session open, upgrade and close: rare events next
// to the packets, so a mutex for the by-reason map costs nothing.
type counters struct {
	openedPolling atomic.Uint64
	openedWS      atomic.Uint64
	upgrades      atomic.Uint64

	mu     sync.Mutex
	closed map[string]uint64
}

func (c *counters) opened(transport string) {
	if transport == TransportWebSocket {
		c.openedWS.Add(1)
	} else {
		c.openedPolling.Add(1)
	}
}

func (c *counters) upgraded() { c.upgrades.Add(1) }

func (c *counters) closedWith(reason string) {
	c.mu.Lock()
	if c.closed == nil {
		c.closed = map[string]uint64{}
	}
	c.closed[reason]++
	c.mu.Unlock()
}

// Stats returns the server's connection figures. It takes each session's
// lock in turn, never two at once, and allocates: call it at scrape
// intervals, not per packet.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	all := make([]*Session, 0, len(s.sessions))
	for _, sess := range s.sessions {
		all = append(all, sess)
	}
	s.mu.Unlock()
	st := Stats{
		Sessions: map[string]int{TransportPolling: 0, TransportWebSocket: 0},
		Opened: map[string]uint64{
			TransportPolling:   s.stats.openedPolling.Load(),
			TransportWebSocket: s.stats.openedWS.Load(),
		},
		Upgrades: s.stats.upgrades.Load(),
		Closed:   map[string]uint64{},
	}
	for _, sess := range all {
		sess.mu.Lock()
		if !sess.closed { // closed polling sessions wait for their last GET
			st.Sessions[sess.transport]++
		}
		sess.mu.Unlock()
	}
	s.stats.mu.Lock()
	for r, n := range s.stats.closed {
		st.Closed[r] = n
	}
	s.stats.mu.Unlock()
	return st
}
