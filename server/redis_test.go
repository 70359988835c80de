package server

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/rpsio/rpsio/internal/redistest"
)

// TestRunWithRedis: with --redis-url the app joins the cluster in Run, and
// Run fails, naming Redis, when it cannot be reached.
func TestRunWithRedis(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	rs := redistest.Start(t)
	cfg, err := ParseConfig([]string{"--redis-url", rs.URL(), "--redis-prefix", "rpsio-test"}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	app, err := New(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	if err := app.Run(ctx); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if out, _ := rs.Do("PUBSUB", "NUMSUB", "rpsio-test-request#/rps#"); out != "*2 rpsio-test-request#/rps# 1" {
		t.Fatalf("the /rps namespace is not subscribed: %s", out)
	}
	if err := app.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}

	rs.Stop()
	app, err = New(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	err = app.Run(ctx)
	if err == nil || !strings.Contains(err.Error(), "cannot reach Redis") || !strings.Contains(err.Error(), rs.Addr()) {
		t.Fatalf("Run without Redis = %v", err)
	}
	_ = app.Shutdown(ctx)

	if _, err := New(Config{RedisURL: "http://nope"}, log); err == nil {
		t.Fatal("a bad --redis-url was accepted")
	}
}
