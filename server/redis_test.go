package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
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
	cfg, err := ParseConfig([]string{"--redis-url", rs.URL(), "--redis-prefix", "rpsio-test", "--token-secret", "test"}, func(string) string { return "" })
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

// TestRedisMetricsAndReadiness: with --redis-url the adapter reports
// through Metrics.Component("adapter"): /metrics shows it connected and
// its publishes moving with a round; Redis stopped shows in
// rpsio_redis_connected and in /readyz's body while the node stays ready
// and its local players keep playing; Redis back shows too; a malformed
// message on the cluster's channel is counted.
func TestRedisMetricsAndReadiness(t *testing.T) {
	rs := redistest.Start(t)
	app, hs := newTestApp(t, "--redis-url", rs.URL(), "--redis-prefix", "rpsio-test", "--token-secret", "test")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := app.Run(ctx); err != nil {
		t.Fatalf("Run: %v", err)
	}
	app.MarkReady()
	adapter := []string{"component", "adapter"}
	connected := func() float64 { v, _ := value(scrape(t, hs), "rpsio_redis_connected", adapter...); return v }
	waitFor(t, "rpsio_redis_connected 1", func() bool { return connected() == 1 })
	code, r := readyz(t, hs)
	if code != http.StatusOK || !r.Redis["adapter"].Connected || r.Reason != "" {
		t.Fatalf("/readyz connected: %d %+v", code, r)
	}

	// A round: its broadcasts (start, result, ...) are published.
	broadcast := append(adapter, "kind", "broadcast")
	m := scrape(t, hs)
	before, _ := value(m, "rpsio_redis_published_messages_total", broadcast...)
	a, b := dialRPS(t, hs, "ann"), dialRPS(t, hs, "bob")
	playRound(t, a, b)
	waitFor(t, "the round's broadcasts published", func() bool {
		v, _ := value(scrape(t, hs), "rpsio_redis_published_messages_total", broadcast...)
		return v >= before+2 // start and result at least
	})
	m = scrape(t, hs)
	if n := mustValue(t, m, "rpsio_redis_publish_duration_seconds", broadcast...); n < 1 {
		t.Fatalf("publish durations observed: %v", n)
	}
	if v, ok := value(m, "rpsio_redis_errors_total", append(adapter, "op", "publish")...); ok && v != 0 {
		t.Fatalf("publish errors with Redis up: %v", v)
	}

	// Redis down: connected 0, the body says so, the node stays ready and
	// its own players play on.
	rs.Stop()
	waitFor(t, "rpsio_redis_connected 0", func() bool { return connected() == 0 })
	code, r = readyz(t, hs)
	if st := r.Redis["adapter"]; code != http.StatusOK || !r.Ready || st.Connected || !strings.Contains(st.Error, "subscriber connection lost") ||
		!strings.Contains(r.Reason, "Redis unreachable for adapter") {
		t.Fatalf("/readyz during the outage: %d %+v", code, r)
	}
	m = scrape(t, hs)
	if v := mustValue(t, m, "rpsio_redis_errors_total", append(adapter, "op", "receive")...); v != 1 {
		t.Fatalf("receive errors %v, want 1", v)
	}
	if v := mustValue(t, m, "rpsio_ready"); v != 1 {
		t.Fatalf("rpsio_ready %v during the outage", v)
	}
	// The rooms live in Redis too: a move answers "unavailable" (issue 8),
	// while a broadcast still reaches this node's sockets and is queued for
	// the others, its publish retried and counted as an error.
	round := a.event("start")["round"]
	b.event("start")
	a.emit(3, "choose", fmt.Sprintf(`{"round":%v,"move":"paper"}`, round))
	if res := a.ack(3); res["ok"] != false || res["error"].(map[string]any)["code"] != "unavailable" {
		t.Fatalf("choose during the outage: %v", res)
	}
	if err := app.IO().Of("/rps").Emit("notice", "outage"); err != nil {
		t.Fatal(err)
	}
	a.event("notice")
	// go-redis's own retries (default options: 4 attempts of 5 dials)
	// take about 3.5 s before a pipeline fails.
	waitForWithin(t, 3*waitTimeout, "the publishes retried counted as errors", func() bool {
		v, _ := value(scrape(t, hs), "rpsio_redis_errors_total", append(adapter, "op", "publish")...)
		return v > 0
	})

	// Redis back.
	rs.Start()
	waitFor(t, "rpsio_redis_connected 1 again", func() bool { return connected() == 1 })
	// Presence and the room store notice at their own next call.
	waitForWithin(t, 3*waitTimeout, "every Redis component back in /readyz", func() bool {
		_, r := readyz(t, hs)
		return r.Reason == ""
	})
	code, r = readyz(t, hs)
	if st := r.Redis["adapter"]; code != http.StatusOK || !st.Connected || st.Error != "" || r.Reason != "" {
		t.Fatalf("/readyz after the outage: %d %+v", code, r)
	}

	// A malformed message on the namespace's broadcast channel.
	if _, err := rs.Do("PUBLISH", "rpsio-test#/rps#", "{not a message"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the malformed message counted", func() bool {
		v, _ := value(scrape(t, hs), "rpsio_redis_dropped_messages_total", append(adapter, "reason", "malformed")...)
		return v == 1
	})
}

// waitFor polls cond until it holds, failing after waitTimeout.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	waitForWithin(t, waitTimeout, what, cond)
}

func waitForWithin(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
