package rooms_test

import (
	"testing"

	"github.com/rpsio/rpsio/rooms"
	"github.com/rpsio/rpsio/rooms/roomstest"
)

func TestMemoryStore(t *testing.T) {
	roomstest.RunStoreTests(t, func(*testing.T) rooms.Store { return rooms.NewMemoryStore() })
}
