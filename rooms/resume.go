package rooms

import (
	"context"
	"fmt"
)

// Resume is Reconnect for a client whose connection state was recovered
// (Socket.IO connection state recovery): it marks playerID connected again
// and subscribes their sockets to the room's channel, but sends them no
// catch-up, since they got every event they missed. The room's players get
// "room" if the player was disconnected, the recovered player included.
// Errors as Reconnect's.
func (m *Manager) Resume(ctx context.Context, gameName, playerID string) (*Status, error) {
	if err := m.enterPlayer(gameName, playerID); err != nil {
		return nil, fmt.Errorf("resume: %w", err)
	}
	defer m.wg.Done()
	st, err := m.rejoin(ctx, gameName, playerID, false, false)
	if err != nil {
		return nil, fmt.Errorf("resume %q: %w", playerID, err)
	}
	return st, nil
}
