package server

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// /metrics parses as Prometheus text, and its counters move with a round
// played over the wire.
func TestMetricsMoveWithARound(t *testing.T) {
	app, hs := newTestApp(t)
	app.MarkReady()

	before := scrape(t, hs)
	if v := mustValue(t, before, "rpsio_rounds_settled_total"); v != 0 {
		t.Fatalf("rounds settled before any round: %v", v)
	}
	if v := mustValue(t, before, "rpsio_ready"); v != 1 {
		t.Fatalf("rpsio_ready %v, want 1", v)
	}
	for _, name := range []string{"go_goroutines", "go_memstats_heap_alloc_bytes", "process_open_fds"} {
		if before[name] == nil {
			t.Errorf("%s missing: the Go runtime and process collectors are not registered", name)
		}
	}
	eventsBefore, _ := value(before, "rpsio_events_received_total", "namespace", "/rps")

	a, b := dialRPS(t, hs, "ann"), dialRPS(t, hs, "bob")
	playRound(t, a, b)

	after := scrape(t, hs)
	checks := []struct {
		name   string
		labels []string
		want   float64
	}{
		{"rpsio_rounds_settled_total", nil, 1},
		{"rpsio_events_received_total", []string{"namespace", "/rps"}, eventsBefore + 4}, // 2 joins, 2 chooses
		{"rpsio_acks_sent_total", []string{"namespace", "/rps"}, 4},
		{"rpsio_connections", []string{"transport", "websocket"}, 2},
		{"rpsio_connections", []string{"transport", "polling"}, 0},
		{"rpsio_connections_opened_total", []string{"transport", "websocket"}, 2},
		{"rpsio_namespace_sockets", []string{"namespace", "/rps"}, 2},
		{"rpsio_namespace_sockets", []string{"namespace", "/"}, 0},
		{"rpsio_rooms", []string{"state", "playing"}, 1},
		{"rpsio_rooms", []string{"state", "waiting"}, 0},
		{"rpsio_players", nil, 2},
		{"rpsio_room_stats_up", nil, 1},
	}
	for _, c := range checks {
		if got := mustValue(t, after, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}

	// A client leaving shows in the connection counters.
	a.ws.Close()
	deadline := time.Now().Add(waitTimeout)
	for {
		m := scrape(t, hs)
		if v, _ := value(m, "rpsio_connections", "transport", "websocket"); v == 1 {
			if closed := mustValue(t, m, "rpsio_connections_closed_total", "reason", "transport close"); closed != 1 {
				t.Fatalf("closed{transport close} = %v, want 1", closed)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("rpsio_connections did not drop to 1 after a client left")
		}
		time.Sleep(10 * time.Millisecond)
	}

	problems, err := testutil.GatherAndLint(app.Metrics().Registry())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if p.Metric == "process_cpu_seconds_total" || p.Metric[:3] == "go_" {
			continue // the stock collectors' own names
		}
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string { return "request timed out" }
func (timeoutErr) Timeout() bool { return true }

// What an adapter feeds through Component shows in /metrics with its
// component label, and a Redis outage shows there and in /readyz's body.
func TestAdapterMetrics(t *testing.T) {
	app, hs := newTestApp(t)
	app.MarkReady()
	am := app.Metrics().Component("adapter")
	am.RedisConnected(true, nil)
	am.ObservePublish("broadcast", 3, 2*time.Millisecond, nil)
	am.ObservePublish("broadcast", 1, time.Millisecond, errors.New("connection reset"))
	am.ObserveRequest("fetchSockets", 20*time.Millisecond, nil)
	am.ObserveRequest("fetchSockets", 5*time.Second, fmt.Errorf("fetch: %w", context.DeadlineExceeded))
	am.ObserveRequest("serverSideEmit", 5*time.Second, timeoutErr{})
	am.ObserveRequest("serverSideEmit", time.Millisecond, errors.New("closed"))
	am.RedisError("subscribe", errors.New("EOF"))
	am.Dropped("malformed")
	am.Dropped("malformed")
	app.Metrics().Component("rooms").RedisConnected(false, errors.New("dial tcp 127.0.0.1:6379: connection refused"))

	m := scrape(t, hs)
	checks := []struct {
		name   string
		labels []string
		want   float64
	}{
		{"rpsio_redis_publish_duration_seconds", []string{"component", "adapter", "kind", "broadcast"}, 2},
		{"rpsio_redis_published_messages_total", []string{"component", "adapter", "kind", "broadcast"}, 3}, // the failed one is an error
		{"rpsio_redis_request_duration_seconds", []string{"component", "adapter", "kind", "fetchSockets", "outcome", "ok"}, 1},
		{"rpsio_redis_request_duration_seconds", []string{"component", "adapter", "kind", "fetchSockets", "outcome", "timeout"}, 1},
		{"rpsio_redis_request_duration_seconds", []string{"component", "adapter", "kind", "serverSideEmit", "outcome", "timeout"}, 1},
		{"rpsio_redis_request_duration_seconds", []string{"component", "adapter", "kind", "serverSideEmit", "outcome", "error"}, 1},
		{"rpsio_redis_errors_total", []string{"component", "adapter", "op", "publish"}, 1},
		{"rpsio_redis_errors_total", []string{"component", "adapter", "op", "subscribe"}, 1},
		{"rpsio_redis_dropped_messages_total", []string{"component", "adapter", "reason", "malformed"}, 2},
		{"rpsio_redis_connected", []string{"component", "adapter"}, 1},
		{"rpsio_redis_connected", []string{"component", "rooms"}, 0},
		{"rpsio_ready", nil, 1}, // a Redis outage never makes the node unready
	}
	for _, c := range checks {
		if got := mustValue(t, m, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if m["rpsio_redis_publish_duration_seconds"].GetMetric()[0].GetHistogram().GetSampleSum() <= 0 {
		t.Error("publish durations were not recorded")
	}
}

// In-memory mode exports no Redis series at all.
func TestNoRedisSeriesInMemory(t *testing.T) {
	_, hs := newTestApp(t)
	m := scrape(t, hs)
	for name := range m {
		if len(name) > 11 && name[:11] == "rpsio_redis" {
			t.Errorf("%s present with no Redis", name)
		}
	}
}
