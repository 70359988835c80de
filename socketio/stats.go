package socketio

import (
	"sort"
	"sync/atomic"
)

// NamespaceStats are one namespace's figures on this node, for monitoring.
type NamespaceStats struct {
	Name string
	// Sockets connected to this node.
	Sockets int
	// EventsReceived counts the events clients sent.
	EventsReceived uint64
	// AcksSent counts the acknowledgements answered to clients (Event.Ack).
	AcksSent uint64
	// AcksReceived counts the acknowledgements clients answered to
	// EmitWithAck.
	AcksReceived uint64
}

// nspCounters are a namespace's counters: atomics, bumped on the
// connection's reader goroutine.
type nspCounters struct {
	events, acksSent, acksReceived atomic.Uint64
}

// Stats returns the figures of every namespace of this node (dynamic
// parents excluded, their children included), sorted by name. Call it at
// scrape intervals: it allocates.
func (s *Server) Stats() []NamespaceStats {
	s.mu.RLock()
	nsps := make([]*Namespace, 0, len(s.nsps))
	for _, n := range s.nsps {
		nsps = append(nsps, n)
	}
	s.mu.RUnlock()
	out := make([]NamespaceStats, 0, len(nsps))
	for _, n := range nsps {
		n.mu.RLock()
		sockets := len(n.sockets)
		n.mu.RUnlock()
		out = append(out, NamespaceStats{
			Name:           n.name,
			Sockets:        sockets,
			EventsReceived: n.stats.events.Load(),
			AcksSent:       n.stats.acksSent.Load(),
			AcksReceived:   n.stats.acksReceived.Load(),
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
