package server

import (
	"context"

	"github.com/rpsio/rpsio/rooms"
)

// roomStatser is the one method of the room engine the metrics read.
type roomStatser interface {
	Stats(ctx context.Context) (rooms.Stats, error)
}

// roomsStats adapts the room engine's statistics to GameStats.
func roomsStats(m roomStatser) GameStatsSource {
	return func(ctx context.Context) (GameStats, error) {
		st, err := m.Stats(ctx)
		if err != nil {
			return GameStats{}, err
		}
		return GameStats{
			RoomsByState:  map[string]int{"waiting": st.Waiting, "playing": st.Playing},
			Players:       st.Players,
			RoundsSettled: st.RoundsSettled,
		}, nil
	}
}
