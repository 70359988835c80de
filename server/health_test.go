package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

func readyz(t *testing.T, hs *httptest.Server) (int, Readiness) {
	t.Helper()
	resp, err := http.Get(hs.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r Readiness
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatalf("/readyz body: %v", err)
	}
	return resp.StatusCode, r
}

// /readyz: starting until MarkReady, ready after, draining from Shutdown on
// and never back; a Redis outage changes the body only.
func TestReadinessTransitions(t *testing.T) {
	app, hs := newTestApp(t)

	code, r := readyz(t, hs)
	if code != http.StatusServiceUnavailable || r.Ready || r.Status != StateStarting || !strings.Contains(r.Reason, "starting") {
		t.Fatalf("before MarkReady: %d %+v", code, r)
	}
	app.MarkReady()
	if code, r = readyz(t, hs); code != http.StatusOK || !r.Ready || r.Status != StateReady || r.Redis != nil {
		t.Fatalf("after MarkReady: %d %+v", code, r)
	}

	// Redis lost after start: still ready, the body says what is wrong.
	app.Metrics().Component("adapter").RedisConnected(false, errors.New("dial tcp: connection refused"))
	code, r = readyz(t, hs)
	if code != http.StatusOK || !r.Ready {
		t.Fatalf("a Redis outage made the node unready: %d %+v", code, r)
	}
	if st := r.Redis["adapter"]; st.Connected || !strings.Contains(st.Error, "connection refused") || !strings.Contains(r.Reason, "Redis unreachable for adapter") {
		t.Fatalf("the outage is not in the body: %+v", r)
	}
	app.Metrics().Component("adapter").RedisConnected(true, nil)
	if code, r = readyz(t, hs); code != http.StatusOK || !r.Redis["adapter"].Connected || r.Redis["adapter"].Error != "" || r.Reason != "" {
		t.Fatalf("after Redis came back: %d %+v", code, r)
	}

	// /healthz is liveness only: it stays up whatever readiness says.
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := app.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	code, r = readyz(t, hs)
	if code != http.StatusServiceUnavailable || r.Ready || r.Status != StateDraining || !strings.Contains(r.Reason, "draining") {
		t.Fatalf("after Shutdown: %d %+v", code, r)
	}
	app.MarkReady()
	if code, _ = readyz(t, hs); code != http.StatusServiceUnavailable {
		t.Fatal("a draining node became ready again")
	}
	resp, err := http.Get(hs.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz while draining: %s", resp.Status)
	}
}

// Shutdown closes every Engine.IO session without a Socket.IO DISCONNECT
// (after which socket.io-client would not reconnect), over WebSocket and
// long-polling, and refuses new handshakes with 503 so a proxy retries them
// elsewhere.
func TestDrainClosesSessions(t *testing.T) {
	app, hs := newTestApp(t)
	app.MarkReady()

	ws := dialRPS(t, hs, "ann")
	sid := pollingConnect(t, hs)

	pending := make(chan string, 1)
	go func() { pending <- pollGet(t, hs, sid) }()

	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := app.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}

	frames, err := ws.closed()
	for _, f := range frames {
		if strings.HasPrefix(f, "41") {
			t.Fatalf("WebSocket client got a Socket.IO DISCONNECT %q: it would not reconnect", f)
		}
	}
	if !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
		t.Fatalf("WebSocket ended with %v, want a normal close", err)
	}

	body := <-pending
	packets := strings.Split(body, "\x1e")
	if strings.Contains(body, "41/rps") || packets[len(packets)-1] != "1" {
		t.Fatalf("polling client got %q, want the Engine.IO close packet and no DISCONNECT", body)
	}

	// New handshakes are refused with 503 while draining, on both transports.
	resp, err := http.Get(hs.URL + "/socket.io/?EIO=4&transport=polling")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(b), "draining") {
		t.Fatalf("polling handshake while draining: %s %q", resp.Status, b)
	}
	d := websocket.Dialer{HandshakeTimeout: waitTimeout}
	_, wsResp, err := d.Dial("ws"+strings.TrimPrefix(hs.URL, "http")+"/socket.io/?EIO=4&transport=websocket", nil)
	if err == nil || wsResp == nil || wsResp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("WebSocket handshake while draining: %v %v", err, wsResp)
	}
	wsResp.Body.Close()

	if v := mustValue(t, scrape(t, hs), "rpsio_connections_closed_total", "reason", "server shutting down"); v != 2 {
		t.Fatalf("closed{server shutting down} = %v, want 2", v)
	}
}

// pollingConnect opens a long-polling session joined to /rps and returns
// its sid once the welcome has arrived.
func pollingConnect(t *testing.T, hs *httptest.Server) string {
	t.Helper()
	open := pollGet(t, hs, "")
	var hsData struct {
		SID string `json:"sid"`
	}
	if !strings.HasPrefix(open, "0") || json.Unmarshal([]byte(open[1:]), &hsData) != nil {
		t.Fatalf("handshake %q", open)
	}
	resp, err := http.Post(hs.URL+"/socket.io/?EIO=4&transport=polling&sid="+hsData.SID, "text/plain;charset=UTF-8", strings.NewReader(`40/rps,{"name":"bob"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for got := ""; !strings.Contains(got, `"welcome"`); {
		got += pollGet(t, hs, hsData.SID)
	}
	return hsData.SID
}

// pollGet is one polling GET (the handshake if sid is empty).
func pollGet(t *testing.T, hs *httptest.Server, sid string) string {
	u := hs.URL + "/socket.io/?EIO=4&transport=polling"
	if sid != "" {
		u += "&sid=" + sid
	}
	resp, err := http.Get(u)
	if err != nil {
		t.Error(err)
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET %s: %s %q", u, resp.Status, b)
	}
	return string(b)
}
