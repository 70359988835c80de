package redis

import (
	"context"
	"os"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rpsio/rpsio/internal/redistest"
)

type silent struct{}

func (silent) Printf(context.Context, string, ...any) {}

// TestMain silences go-redis's own log (dial failures during the outage
// tests); the adapter's log goes through its Options.Logger.
//
// It also starts the redis-server of the Example functions.
func TestMain(m *testing.M) {
	goredis.SetLogger(silent{})
	rs, stop := redistest.StartMain()
	exampleAddr = rs.Addr()
	code := m.Run()
	stop()
	os.Exit(code)
}

var exampleAddr string

// RedisAddrForExamples is the address of the examples' Redis.
func RedisAddrForExamples() string { return exampleAddr }
