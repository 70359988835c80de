package redis

import (
	"context"
	"os"
	"testing"

	goredis "github.com/redis/go-redis/v9"
)

type silent struct{}

func (silent) Printf(context.Context, string, ...any) {}

// TestMain silences go-redis's own log (dial failures during the outage
// tests); the adapter's log goes through its Options.Logger.
func TestMain(m *testing.M) {
	goredis.SetLogger(silent{})
	os.Exit(m.Run())
}
