package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// waitTimeout bounds every wait: tests wait for what they expect, never a
// fixed time, and fail after this.
const waitTimeout = 5 * time.Second

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

// newTestApp serves an App on a loopback port; args are extra flags.
func newTestApp(t *testing.T, args ...string) (*App, *httptest.Server) {
	t.Helper()
	base := []string{"--round-duration", "5s", "--round-gap", "0s", "--log-level", "error"}
	cfg, err := ParseConfig(append(base, args...), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	app, err := New(cfg, quietLog)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(app.Handler())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		_ = app.Shutdown(ctx)
		hs.Close()
	})
	return app, hs
}

// rpsClient is a raw Socket.IO client of /rps over one WebSocket. It
// answers pings itself and keeps every other frame until a wait takes it.
type rpsClient struct {
	*eioConn
	kept []string // frames read but not yet taken
}

func dialRPS(t *testing.T, hs *httptest.Server, name string) *rpsClient {
	t.Helper()
	c := &rpsClient{eioConn: dialEIO(t, hs.URL)}
	c.send(fmt.Sprintf(`40/rps,{"name":%q}`, name))
	c.take("the CONNECT reply", func(f string) bool { return strings.HasPrefix(f, `40/rps,{"sid":`) })
	c.event("welcome")
	return c
}

// take returns the first frame, kept or new, that match accepts.
func (c *rpsClient) take(what string, match func(string) bool) string {
	c.t.Helper()
	for i, f := range c.kept {
		if match(f) {
			c.kept = append(c.kept[:i], c.kept[i+1:]...)
			return f
		}
	}
	timeout := time.After(waitTimeout)
	for {
		select {
		case f, ok := <-c.frames:
			if !ok {
				c.t.Fatalf("connection ended (%v) while waiting for %s", c.err, what)
			}
			if match(f) {
				return f
			}
			c.kept = append(c.kept, f)
		case <-timeout:
			c.t.Fatalf("timed out waiting for %s; got %q", what, c.kept)
		}
	}
}

// emit sends event with a JSON argument and acknowledgement id.
func (c *rpsClient) emit(id int, event, argJSON string) {
	c.send(fmt.Sprintf(`42/rps,%d[%q,%s]`, id, event, argJSON))
}

// ack waits for the acknowledgement id and returns its first argument.
func (c *rpsClient) ack(id int) map[string]any {
	c.t.Helper()
	prefix := fmt.Sprintf("43/rps,%d[", id)
	f := c.take("ack "+prefix, func(f string) bool { return strings.HasPrefix(f, prefix) })
	var args []map[string]any
	if err := json.Unmarshal([]byte(strings.TrimPrefix(f, fmt.Sprintf("43/rps,%d", id))), &args); err != nil || len(args) == 0 {
		c.t.Fatalf("ack %q: %v", f, err)
	}
	return args[0]
}

// event waits for event and returns its first argument.
func (c *rpsClient) event(name string) map[string]any {
	c.t.Helper()
	prefix := fmt.Sprintf(`42/rps,[%q`, name)
	f := c.take("event "+name, func(f string) bool { return strings.HasPrefix(f, prefix) })
	var args []any
	if err := json.Unmarshal([]byte(strings.TrimPrefix(f, "42/rps,")), &args); err != nil || len(args) < 2 {
		c.t.Fatalf("event %q: %v", f, err)
	}
	m, _ := args[1].(map[string]any)
	return m
}

// closed waits for the server to end the connection and returns every frame
// received meanwhile and the read error.
func (c *rpsClient) closed() ([]string, error) {
	c.t.Helper()
	got := append([]string(nil), c.kept...)
	timeout := time.After(waitTimeout)
	for {
		select {
		case f, ok := <-c.frames:
			if !ok {
				return got, c.err
			}
			got = append(got, f)
		case <-timeout:
			c.t.Fatal("the server did not close the connection")
		}
	}
}

// playRound seats two clients in a room of two and plays one round.
func playRound(t *testing.T, a, b *rpsClient) {
	t.Helper()
	a.emit(1, "join", `{"size":2}`)
	if r := a.ack(1); r["ok"] != true {
		t.Fatalf("join: %v", r)
	}
	b.emit(1, "join", `{"size":2}`)
	if r := b.ack(1); r["ok"] != true {
		t.Fatalf("join: %v", r)
	}
	round := a.event("start")["round"]
	b.event("start")
	a.emit(2, "choose", fmt.Sprintf(`{"round":%v,"move":"rock"}`, round))
	b.emit(2, "choose", fmt.Sprintf(`{"round":%v,"move":"scissors"}`, round))
	for _, c := range []*rpsClient{a, b} {
		if r := c.ack(2); r["ok"] != true {
			t.Fatalf("choose: %v", r)
		}
		c.event("result")
	}
}

// scrape reads /metrics and parses it as the Prometheus text format.
func scrape(t *testing.T, hs *httptest.Server) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(hs.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %s", resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); expfmt.ResponseFormat(resp.Header).FormatType() != expfmt.TypeTextPlain {
		t.Fatalf("/metrics content type %q, want the text format", ct)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	return mfs
}

// value is the value of the series of family name with exactly these
// labels; ok is false if there is none.
func value(mfs map[string]*dto.MetricFamily, name string, labels ...string) (v float64, ok bool) {
	mf := mfs[name]
	if mf == nil {
		return 0, false
	}
	want := map[string]string{}
	for i := 0; i+1 < len(labels); i += 2 {
		want[labels[i]] = labels[i+1]
	}
	for _, m := range mf.GetMetric() {
		if len(m.GetLabel()) != len(want) {
			continue
		}
		match := true
		for _, l := range m.GetLabel() {
			if want[l.GetName()] != l.GetValue() {
				match = false
			}
		}
		if !match {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Untyped != nil:
			return m.Untyped.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}

func mustValue(t *testing.T, mfs map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	t.Helper()
	v, ok := value(mfs, name, labels...)
	if !ok {
		t.Fatalf("no series %s%v in /metrics", name, labels)
	}
	return v
}
