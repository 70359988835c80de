package server

import (
	"context"
	"errors"
	"strings"

	"github.com/rpsio/rpsio/rooms"
	"github.com/rpsio/rpsio/socketio"
)

// resume serves a socket restored by connection state recovery: its
// player is marked connected again without a catch-up, and its room
// channels are made those of the room the store has it in now (the
// restored ones are as of its disconnection; the room may have changed or
// gone since).
func (g *gameNS) resume(ctx context.Context, s *socketio.Socket, playerID string) {
	current := ""
	st, err := g.rooms.Resume(ctx, g.rules.Name(), playerID)
	switch {
	case err == nil:
		current = rooms.Channel(st.RoomID)
	case !errors.Is(err, rooms.ErrNotInRoom):
		g.log.Warn("resume failed", "player", playerID, "err", err)
		return // keep what was restored: the store could not tell
	}
	for _, r := range s.Rooms() {
		if strings.HasPrefix(r, rooms.Channel("")) && r != current {
			s.Leave(r)
		}
	}
	if current != "" {
		s.Join(current)
	}
}

// MaxRecoveredPackets bounds what a recovered client may have missed; one
// that missed more gets a new session (and the catch-up).
const MaxRecoveredPackets = 1000

// recoveryOptions turns connection state recovery on for cfg's window
// (nil when it is 0), with store (nil: in memory, one node; a cluster
// passes its Redis store).
func recoveryOptions(cfg Config, store socketio.RecoveryStore) *socketio.RecoveryOptions {
	if cfg.RecoveryWindow <= 0 {
		return nil
	}
	return &socketio.RecoveryOptions{
		MaxDisconnectionDuration: cfg.RecoveryWindow,
		MaxPackets:               MaxRecoveredPackets,
		Store:                    store,
	}
}
