package presence_test

import (
	"testing"

	"github.com/rpsio/rpsio/presence"
	"github.com/rpsio/rpsio/presence/presencetest"
)

func TestMemory(t *testing.T) {
	presencetest.RunTrackerTests(t, func(_ *testing.T, conns func() int) presence.Tracker { return presence.NewMemory(conns) })
}
