package engineio

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

var sidPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{22}$`)

func TestNewID(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := NewID()
		if !sidPattern.MatchString(id) {
			t.Fatalf("NewID() = %q: want 22 URL-safe characters", id)
		}
		if seen[id] {
			t.Fatalf("NewID() repeated %q", id)
		}
		seen[id] = true
	}
}

func TestHandshakePolling(t *testing.T) {
	ts := newTestServer(t, Options{PingInterval: 300 * time.Millisecond, PingTimeout: 200 * time.Millisecond, MaxPayload: 12345})
	r := ts.get("EIO=4&transport=polling")
	if r.status != http.StatusOK || r.contentType != "text/plain; charset=UTF-8" {
		t.Fatalf("handshake: %d %q %q", r.status, r.contentType, r.body)
	}
	if !strings.HasPrefix(string(r.body), `0{"sid":"`) || strings.ContainsRune(string(r.body), recordSeparator) {
		t.Fatalf("handshake body %q: want only the open packet", r.body)
	}
	hs := parseOpen(t, Packet{Type: Open, Data: r.body[1:]})
	if !sidPattern.MatchString(hs.SID) {
		t.Errorf("sid %q is not 22 URL-safe characters", hs.SID)
	}
	if len(hs.Upgrades) != 1 || hs.Upgrades[0] != "websocket" {
		t.Errorf("upgrades %q, want [websocket]", hs.Upgrades)
	}
	if hs.PingInterval != 300 || hs.PingTimeout != 200 {
		t.Errorf("pingInterval %d, pingTimeout %d; want 300, 200", hs.PingInterval, hs.PingTimeout)
	}
	if hs.MaxPayload == nil || *hs.MaxPayload != 12345 {
		t.Errorf("maxPayload %v, want 12345", hs.MaxPayload)
	}
	sess := ts.rec.session(t)
	if sess.ID() != hs.SID || sess.Protocol() != 4 || sess.Transport() != TransportPolling {
		t.Errorf("session %s protocol %d transport %s", sess.ID(), sess.Protocol(), sess.Transport())
	}
	if q := sess.Request().URL.Query(); q.Get("EIO") != "4" || q.Get("transport") != "polling" {
		t.Errorf("session request query %v", q)
	}
	if ts.eng.Count() != 1 {
		t.Errorf("Count() = %d, want 1", ts.eng.Count())
	}
	if other := ts.handshake("EIO=4"); other.SID == hs.SID {
		t.Error("two handshakes got the same sid")
	}
}

func TestHandshakeDefaults(t *testing.T) {
	ts := newTestServer(t, Options{})
	hs := ts.handshake("EIO=4")
	if hs.PingInterval != 25000 || hs.PingTimeout != 20000 || hs.MaxPayload == nil || *hs.MaxPayload != 1_000_000 {
		t.Errorf("defaults: %+v", hs)
	}
	o := ts.eng.Options()
	if o.UpgradeTimeout != 10*time.Second || o.WriteTimeout != 10*time.Second || o.MaxQueuedPackets != 1024 || len(o.Transports) != 2 {
		t.Errorf("Options() = %+v", o)
	}
}

func TestHandshakeV3(t *testing.T) {
	ts := newTestServer(t, Options{AllowEIO3: true, PingInterval: 300 * time.Millisecond, PingTimeout: 200 * time.Millisecond})
	r := ts.get("EIO=3&transport=polling")
	if r.status != http.StatusOK {
		t.Fatalf("handshake: %d %q", r.status, r.body)
	}
	n, rest, ok := strings.Cut(string(r.body), ":")
	if !ok || n != strconv.Itoa(len(rest)) || !strings.HasPrefix(rest, "0{") {
		t.Fatalf("v3 handshake body %q: want one length-prefixed open packet", r.body)
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(rest[1:]), &raw); err != nil {
		t.Fatal(err)
	}
	if _, has := raw["maxPayload"]; has {
		t.Errorf("protocol 3 handshake has maxPayload: %s", rest)
	}
	if raw["pingInterval"] != 300.0 || raw["pingTimeout"] != 200.0 || !sidPattern.MatchString(raw["sid"].(string)) {
		t.Errorf("handshake %s", rest)
	}
	if s := ts.rec.session(t); s.Protocol() != 3 {
		t.Errorf("Protocol() = %d, want 3", s.Protocol())
	}
}

func TestHandshakeUpgrades(t *testing.T) {
	for _, tt := range []struct {
		name  string
		opts  Options
		query string
		ws    bool
		want  []string
	}{
		{"polling", Options{}, "EIO=4", false, []string{"websocket"}},
		{"upgrades disabled", Options{DisableUpgrades: true}, "EIO=4", false, []string{}},
		{"polling only", Options{Transports: []string{TransportPolling}}, "EIO=4", false, []string{}},
		{"websocket", Options{}, "EIO=4", true, []string{}},
		{"websocket v3", Options{AllowEIO3: true}, "EIO=3", true, []string{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t, tt.opts)
			var hs handshakeData
			if tt.ws {
				c := ts.dial(tt.query)
				p, err := DecodeText([]byte(readWSText(t, c)), 4)
				if err != nil {
					t.Fatal(err)
				}
				hs = parseOpen(t, p)
				if s := ts.rec.session(t); s.Transport() != TransportWebSocket {
					t.Errorf("Transport() = %s", s.Transport())
				}
			} else {
				hs = ts.handshake(tt.query)
			}
			if hs.Upgrades == nil || len(hs.Upgrades) != len(tt.want) || (len(tt.want) > 0 && hs.Upgrades[0] != tt.want[0]) {
				t.Errorf("upgrades %#v, want %#v", hs.Upgrades, tt.want)
			}
			if !sidPattern.MatchString(hs.SID) {
				t.Errorf("sid %q", hs.SID)
			}
		})
	}
}

func TestRequestErrors(t *testing.T) {
	deny := func(r *http.Request) error {
		if r.Header.Get("Origin") == "https://evil.example" {
			return errors.New("origin not allowed")
		}
		return nil
	}
	tests := []struct {
		name        string
		opts        Options
		method      string
		query       string
		header      http.Header
		wantStatus  int
		wantCode    int
		wantMessage string
	}{
		{"no transport", Options{}, "GET", "EIO=4", nil, 400, 0, "Transport unknown"},
		{"unknown transport", Options{}, "GET", "EIO=4&transport=flashsocket", nil, 400, 0, "Transport unknown"},
		{"transport not allowed", Options{Transports: []string{TransportWebSocket}}, "GET", "EIO=4&transport=polling", nil, 400, 0, "Transport unknown"},
		{"unknown sid", Options{}, "GET", "EIO=4&transport=polling&sid=nope", nil, 400, 1, "Session ID unknown"},
		{"unknown sid POST", Options{}, "POST", "EIO=4&transport=polling&sid=nope", nil, 400, 1, "Session ID unknown"},
		{"unknown sid websocket", Options{}, "GET", "EIO=4&transport=websocket&sid=nope", nil, 400, 1, "Session ID unknown"},
		{"POST without sid", Options{}, "POST", "EIO=4&transport=polling", nil, 400, 2, "Bad handshake method"},
		{"PUT without sid", Options{}, "PUT", "EIO=4&transport=polling", nil, 400, 2, "Bad handshake method"},
		{"websocket without upgrade", Options{}, "GET", "EIO=4&transport=websocket", nil, 400, 3, "Bad request"},
		{"no EIO", Options{}, "GET", "transport=polling", nil, 400, 5, "Unsupported protocol version"},
		{"EIO=abc", Options{}, "GET", "EIO=abc&transport=polling", nil, 400, 5, "Unsupported protocol version"},
		{"EIO=5", Options{}, "GET", "EIO=5&transport=polling", nil, 400, 5, "Unsupported protocol version"},
		{"EIO=3 not allowed", Options{}, "GET", "EIO=3&transport=polling", nil, 400, 5, "Unsupported protocol version"},
		{"forbidden", Options{AllowRequest: deny}, "GET", "EIO=4&transport=polling", http.Header{"Origin": {"https://evil.example"}}, 403, 4, "origin not allowed"},
		{"forbidden websocket", Options{AllowRequest: deny}, "GET", "EIO=4&transport=websocket", http.Header{
			"Origin": {"https://evil.example"}, "Connection": {"Upgrade"}, "Upgrade": {"websocket"},
			"Sec-Websocket-Version": {"13"}, "Sec-Websocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="},
		}, 403, 4, "origin not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t, tt.opts)
			r := ts.do(tt.method, tt.query, nil, tt.header)
			if r.status != tt.wantStatus || r.contentType != "application/json" {
				t.Fatalf("status %d, Content-Type %q, body %q; want %d application/json", r.status, r.contentType, r.body, tt.wantStatus)
			}
			want := `{"code":` + strconv.Itoa(tt.wantCode) + `,"message":"` + tt.wantMessage + `"}`
			if string(r.body) != want {
				t.Fatalf("body %s, want %s", r.body, want)
			}
			if len(ts.rec.sessions) != 0 || ts.eng.Count() != 0 {
				t.Fatal("a refused request opened a session")
			}
		})
	}
	// An allowed origin gets through.
	ts := newTestServer(t, Options{AllowRequest: deny})
	if r := ts.do("GET", "EIO=4&transport=polling", nil, http.Header{"Origin": {"https://ok.example"}}); r.status != 200 {
		t.Fatalf("allowed origin: %d %s", r.status, r.body)
	}
}

func TestRequestErrorStatus(t *testing.T) {
	for code := CodeUnknownTransport; code <= CodeUnsupportedVersion; code++ {
		e := requestError(code)
		want := http.StatusBadRequest
		if code == CodeForbidden {
			want = http.StatusForbidden
		}
		if e.Status() != want || e.Message == "" || e.Error() != "engineio: "+e.Message {
			t.Errorf("code %d: %d %q %q", code, e.Status(), e.Message, e.Error())
		}
	}
}

func TestMaxPayload(t *testing.T) {
	ts := newTestServer(t, Options{MaxPayload: 100})
	t.Run("at the limit", func(t *testing.T) {
		hs := ts.handshake("EIO=4")
		ts.rec.session(t)
		if r := ts.post("EIO=4&transport=polling&sid="+hs.SID, "4"+strings.Repeat("x", 99)); r.status != 200 || string(r.body) != "ok" {
			t.Fatalf("POST of 100 bytes: %d %q", r.status, r.body)
		}
		if p := ts.rec.message(t); len(p.Data) != 99 {
			t.Fatalf("message of %d bytes", len(p.Data))
		}
	})
	t.Run("over the limit", func(t *testing.T) {
		hs := ts.handshake("EIO=4")
		ts.rec.session(t)
		if r := ts.post("EIO=4&transport=polling&sid="+hs.SID, "4"+strings.Repeat("x", 200)); r.status != http.StatusRequestEntityTooLarge {
			t.Fatalf("POST of 201 bytes: %d %q, want 413", r.status, r.body)
		}
		if c := ts.rec.closed(t); c.sid != hs.SID || c.reason != ReasonTransportError {
			t.Fatalf("close %+v", c)
		}
		if r := ts.get("EIO=4&transport=polling&sid=" + hs.SID); r.status != 400 || !strings.Contains(string(r.body), `"code":1`) {
			t.Fatalf("GET after 413: %d %s", r.status, r.body)
		}
	})
	t.Run("chunked over the limit", func(t *testing.T) {
		hs := ts.handshake("EIO=4")
		ts.rec.session(t)
		// A reader of unknown length makes the client send chunks, so the
		// server only learns the size while reading.
		body := io.MultiReader(strings.NewReader("4"), strings.NewReader(strings.Repeat("y", 300)))
		req, _ := http.NewRequest("POST", ts.url("EIO=4&transport=polling&sid="+hs.SID), body)
		resp, err := ts.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge || req.ContentLength != 0 {
			t.Fatalf("chunked POST: %d (ContentLength %d), want 413", resp.StatusCode, req.ContentLength)
		}
		if c := ts.rec.closed(t); c.sid != hs.SID || c.reason != ReasonTransportError {
			t.Fatalf("close %+v", c)
		}
	})
	t.Run("websocket message over the limit", func(t *testing.T) {
		c := ts.dial("EIO=4")
		readWSText(t, c)
		sess := ts.rec.session(t)
		writeWS(t, c, "4"+strings.Repeat("z", 200))
		waitClosed(t, c)
		if cl := ts.rec.closed(t); cl.sid != sess.ID() || cl.reason != ReasonTransportError {
			t.Fatalf("close %+v", cl)
		}
	})
}

func TestConcurrentGetEndsSession(t *testing.T) {
	ts := newTestServer(t, Options{})
	hs := ts.handshake("EIO=4")
	sess := ts.rec.session(t)
	q := "EIO=4&transport=polling&sid=" + hs.SID
	first := make(chan response, 1)
	go func() { first <- ts.get(q) }()
	waitFor(t, "the first GET to wait", func() bool { return pollPending(sess) })

	if r := ts.get(q); r.status != http.StatusBadRequest {
		t.Fatalf("second GET: %d %q, want 400", r.status, r.body)
	}
	if r := <-first; r.status != 200 || string(r.body) != "1" {
		t.Fatalf("first GET: %d %q, want the close packet", r.status, r.body)
	}
	if c := ts.rec.closed(t); c.reason != ReasonTransportError {
		t.Fatalf("close reason %q", c.reason)
	}
	if r := ts.get(q); r.status != 400 || string(r.body) != `{"code":1,"message":"Session ID unknown"}` {
		t.Fatalf("later GET: %d %s", r.status, r.body)
	}
	if ts.eng.Count() != 0 {
		t.Fatalf("Count() = %d", ts.eng.Count())
	}
}

func TestPollingEcho(t *testing.T) {
	tests := []struct {
		name        string
		query       string
		contentType string
		body        string
		wantType    string
		want        string
		messages    []Packet
	}{
		{"v4", "EIO=4", "text/plain;charset=UTF-8", "4hello\x1e4wörld 😀\x1ebAQID",
			"text/plain; charset=UTF-8", "4hello\x1e4wörld 😀\x1ebAQID",
			[]Packet{msg("hello"), msg("wörld 😀"), bin(1, 2, 3)}},
		{"v3 text", "EIO=3", "text/plain;charset=UTF-8", "6:4hello3:4😀",
			"text/plain; charset=UTF-8", "6:4hello3:4😀",
			[]Packet{msg("hello"), msg("😀")}},
		{"v3 binary", "EIO=3", "application/octet-stream", "\x00\x06\xff4hello\x01\x04\xff\x04\x01\x02\x03",
			"application/octet-stream", "\x00\x06\xff4hello\x01\x04\xff\x04\x01\x02\x03",
			[]Packet{msg("hello"), bin(1, 2, 3)}},
		{"v3 b64", "EIO=3&b64=1", "text/plain;charset=UTF-8", "6:b4AQID2:4a",
			"text/plain; charset=UTF-8", "6:b4AQID2:4a",
			[]Packet{bin(1, 2, 3), msg("a")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t, Options{AllowEIO3: true})
			hs := ts.handshake(tt.query)
			ts.rec.session(t)
			q := tt.query + "&transport=polling&sid=" + hs.SID
			r := ts.do("POST", q, []byte(tt.body), http.Header{"Content-Type": {tt.contentType}})
			if r.status != 200 || string(r.body) != "ok" {
				t.Fatalf("POST: %d %q", r.status, r.body)
			}
			for _, want := range tt.messages {
				if got := ts.rec.message(t); !samePacket(got, want) {
					t.Fatalf("handler got %+v, want %+v", got, want)
				}
			}
			r = ts.get(q)
			if r.status != 200 || r.contentType != tt.wantType || string(r.body) != tt.want {
				t.Fatalf("GET: %d %q %q; want %q %q", r.status, r.contentType, r.body, tt.wantType, tt.want)
			}
		})
	}
}

func TestPollingWaitsForPackets(t *testing.T) {
	ts := newTestServer(t, Options{})
	hs := ts.handshake("EIO=4")
	sess := ts.rec.session(t)
	got := make(chan response, 1)
	go func() { got <- ts.get("EIO=4&transport=polling&sid=" + hs.SID) }()
	waitFor(t, "the GET to wait", func() bool { return pollPending(sess) })
	if err := sess.Send(msg("a"), msg("b"), bin(7)); err != nil {
		t.Fatal(err)
	}
	if r := <-got; string(r.body) != "4a\x1e4b\x1ebBw==" {
		t.Fatalf("GET: %q", r.body)
	}
}

func TestPollingBadRequests(t *testing.T) {
	ts := newTestServer(t, Options{})
	t.Run("bad payload", func(t *testing.T) {
		hs := ts.handshake("EIO=4")
		ts.rec.session(t)
		r := ts.post("EIO=4&transport=polling&sid="+hs.SID, "9nope")
		if r.status != 400 || string(r.body) != `{"code":3,"message":"Bad request"}` {
			t.Fatalf("POST: %d %s", r.status, r.body)
		}
		if c := ts.rec.closed(t); c.reason != ReasonTransportError {
			t.Fatalf("close %+v", c)
		}
	})
	t.Run("PUT with sid", func(t *testing.T) {
		hs := ts.handshake("EIO=4")
		ts.rec.session(t)
		if r := ts.do("PUT", "EIO=4&transport=polling&sid="+hs.SID, []byte("4x"), nil); r.status != 400 || !strings.Contains(string(r.body), `"code":3`) {
			t.Fatalf("PUT: %d %s", r.status, r.body)
		}
	})
}

func TestCORS(t *testing.T) {
	t.Run("any origin", func(t *testing.T) {
		ts := newTestServer(t, Options{CORS: &CORS{Origins: []string{"*"}}})
		req, _ := http.NewRequest("GET", ts.url("EIO=4&transport=polling"), nil)
		req.Header.Set("Origin", "https://app.example")
		resp, err := ts.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Header.Get("Access-Control-Allow-Origin") != "*" || resp.Header.Get("Access-Control-Allow-Credentials") != "" {
			t.Fatalf("headers %v", resp.Header)
		}
	})
	t.Run("credentials and preflight", func(t *testing.T) {
		ts := newTestServer(t, Options{CORS: &CORS{Origins: []string{"https://APP.example"}, Credentials: true}})
		req, _ := http.NewRequest("OPTIONS", ts.url("EIO=4&transport=polling"), nil)
		req.Header.Set("Origin", "https://app.example")
		req.Header.Set("Access-Control-Request-Headers", "content-type")
		resp, err := ts.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		h := resp.Header
		if resp.StatusCode != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != "https://app.example" ||
			h.Get("Access-Control-Allow-Credentials") != "true" || h.Get("Access-Control-Allow-Headers") != "content-type" ||
			!strings.Contains(h.Get("Access-Control-Allow-Methods"), "POST") {
			t.Fatalf("preflight: %d %v", resp.StatusCode, h)
		}
		req, _ = http.NewRequest("GET", ts.url("EIO=4&transport=polling"), nil)
		req.Header.Set("Origin", "https://other.example")
		resp, err = ts.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatalf("other origin: %d %v", resp.StatusCode, resp.Header)
		}
	})
}

func TestHeartbeatWebSocket(t *testing.T) {
	const interval, timeout = 50 * time.Millisecond, 300 * time.Millisecond
	ts := newTestServer(t, Options{PingInterval: interval, PingTimeout: timeout})
	start := time.Now()
	c := ts.dial("EIO=4")
	readWSText(t, c)
	sess := ts.rec.session(t)
	if got := readWSText(t, c); got != "2" {
		t.Fatalf("got %q, want a ping", got)
	}
	if d := time.Since(start); d < interval {
		t.Fatalf("first ping after %v, before pingInterval %v", d, interval)
	}
	pong := time.Now()
	writeWS(t, c, "3")
	if got := readWSText(t, c); got != "2" {
		t.Fatalf("got %q, want a second ping", got)
	}
	if d := time.Since(pong); d < interval {
		t.Fatalf("second ping %v after the pong, before pingInterval", d)
	}
	// No pong this time: the server gives up pingTimeout after its ping,
	// itself pingInterval after the last pong.
	waitClosed(t, c)
	if d := time.Since(pong); d < interval+timeout {
		t.Fatalf("closed %v after the pong, before pingInterval+pingTimeout %v", d, interval+timeout)
	}
	if cl := ts.rec.closed(t); cl.sid != sess.ID() || cl.reason != ReasonPingTimeout {
		t.Fatalf("close %+v", cl)
	}
}

func TestHeartbeatPolling(t *testing.T) {
	const interval, timeout = 50 * time.Millisecond, 50 * time.Millisecond
	ts := newTestServer(t, Options{PingInterval: interval, PingTimeout: timeout})
	start := time.Now()
	hs := ts.handshake("EIO=4")
	sess := ts.rec.session(t)
	q := "EIO=4&transport=polling&sid=" + hs.SID
	if r := ts.get(q); string(r.body) != "2" {
		t.Fatalf("GET: %q, want a ping", r.body)
	}
	if d := time.Since(start); d < interval {
		t.Fatalf("ping after %v, before pingInterval", d)
	}
	if cl := ts.rec.closed(t); cl.sid != sess.ID() || cl.reason != ReasonPingTimeout {
		t.Fatalf("close %+v", cl)
	}
	select {
	case <-sess.Done():
	default:
		t.Fatal("Done() is not closed")
	}
	if r := ts.get(q); r.status != 400 || !strings.Contains(string(r.body), `"code":1`) {
		t.Fatalf("GET after the timeout: %d %s", r.status, r.body)
	}
}

func TestHeartbeatPollingAnswered(t *testing.T) {
	ts := newTestServer(t, Options{PingInterval: 50 * time.Millisecond, PingTimeout: 500 * time.Millisecond})
	hs := ts.handshake("EIO=4")
	ts.rec.session(t)
	q := "EIO=4&transport=polling&sid=" + hs.SID
	for i := range 3 {
		if r := ts.get(q); string(r.body) != "2" {
			t.Fatalf("GET %d: %q, want a ping", i, r.body)
		}
		if r := ts.post(q, "3"); string(r.body) != "ok" {
			t.Fatalf("POST pong: %q", r.body)
		}
	}
	if len(ts.rec.closes) != 0 {
		t.Fatal("the session closed although every ping was answered")
	}
}

func TestHeartbeatV3(t *testing.T) {
	const interval, timeout = 50 * time.Millisecond, 50 * time.Millisecond
	ts := newTestServer(t, Options{AllowEIO3: true, PingInterval: interval, PingTimeout: timeout})
	c := ts.dial("EIO=3")
	readWSText(t, c)
	sess := ts.rec.session(t)
	writeWS(t, c, "2hello")
	if got := readWSText(t, c); got != "3hello" {
		t.Fatalf("got %q, want the pong echoing the ping's data", got)
	}
	last := time.Now()
	writeWS(t, c, "2")
	if got := readWSText(t, c); got != "3" {
		t.Fatalf("got %q, want a pong", got)
	}
	// The client stops pinging. A protocol 3 server never pings: the next
	// thing read is the end of the connection.
	_ = c.SetReadDeadline(time.Now().Add(waitTimeout))
	if mt, data, err := c.ReadMessage(); err == nil {
		t.Fatalf("got frame %d %q, want the connection closed", mt, data)
	}
	if d := time.Since(last); d < interval+timeout {
		t.Fatalf("closed %v after the last ping, before pingInterval+pingTimeout", d)
	}
	if cl := ts.rec.closed(t); cl.sid != sess.ID() || cl.reason != ReasonPingTimeout {
		t.Fatalf("close %+v", cl)
	}
}

func TestHeartbeatV3Polling(t *testing.T) {
	ts := newTestServer(t, Options{AllowEIO3: true, PingInterval: 50 * time.Millisecond, PingTimeout: 50 * time.Millisecond})
	hs := ts.handshake("EIO=3")
	sess := ts.rec.session(t)
	q := "EIO=3&transport=polling&sid=" + hs.SID
	if r := ts.post(q, "6:2probe"); string(r.body) != "ok" {
		t.Fatalf("POST: %q", r.body)
	}
	if r := ts.get(q); string(r.body) != "6:3probe" {
		t.Fatalf("GET: %q", r.body)
	}
	if cl := ts.rec.closed(t); cl.sid != sess.ID() || cl.reason != ReasonPingTimeout {
		t.Fatalf("close %+v", cl)
	}
}

func TestCloseFromClientPolling(t *testing.T) {
	ts := newTestServer(t, Options{})
	hs := ts.handshake("EIO=4")
	sess := ts.rec.session(t)
	q := "EIO=4&transport=polling&sid=" + hs.SID
	pending := make(chan response, 1)
	go func() { pending <- ts.get(q) }()
	waitFor(t, "the GET to wait", func() bool { return pollPending(sess) })
	if r := ts.post(q, "1"); string(r.body) != "ok" {
		t.Fatalf("POST close: %d %q", r.status, r.body)
	}
	if r := <-pending; r.status != 200 || string(r.body) != "6" {
		t.Fatalf("pending GET: %d %q, want a noop", r.status, r.body)
	}
	if cl := ts.rec.closed(t); cl.sid != hs.SID || cl.reason != ReasonTransportClose {
		t.Fatalf("close %+v", cl)
	}
	if r := ts.get(q); r.status != 400 || !strings.Contains(string(r.body), `"code":1`) {
		t.Fatalf("GET after close: %d %s", r.status, r.body)
	}
}

func TestCloseFromClientWebSocket(t *testing.T) {
	ts := newTestServer(t, Options{})
	t.Run("close frame", func(t *testing.T) {
		c := ts.dial("EIO=4")
		readWSText(t, c)
		sess := ts.rec.session(t)
		if err := c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")); err != nil {
			t.Fatal(err)
		}
		if cl := ts.rec.closed(t); cl.sid != sess.ID() || cl.reason != ReasonTransportClose {
			t.Fatalf("close %+v", cl)
		}
	})
	t.Run("close packet", func(t *testing.T) {
		c := ts.dial("EIO=4")
		readWSText(t, c)
		sess := ts.rec.session(t)
		writeWS(t, c, "1")
		waitClosed(t, c)
		if cl := ts.rec.closed(t); cl.sid != sess.ID() || cl.reason != ReasonTransportClose {
			t.Fatalf("close %+v", cl)
		}
	})
	t.Run("connection dropped", func(t *testing.T) {
		c := ts.dial("EIO=4")
		readWSText(t, c)
		sess := ts.rec.session(t)
		c.Close()
		if cl := ts.rec.closed(t); cl.sid != sess.ID() || cl.reason != ReasonTransportClose {
			t.Fatalf("close %+v", cl)
		}
	})
	t.Run("invalid frame", func(t *testing.T) {
		c := ts.dial("EIO=4")
		readWSText(t, c)
		sess := ts.rec.session(t)
		writeWS(t, c, "9")
		waitClosed(t, c)
		if cl := ts.rec.closed(t); cl.sid != sess.ID() || cl.reason != ReasonTransportError {
			t.Fatalf("close %+v", cl)
		}
	})
}

func TestCloseFromServerPolling(t *testing.T) {
	ts := newTestServer(t, Options{})
	hs := ts.handshake("EIO=4")
	sess := ts.rec.session(t)
	q := "EIO=4&transport=polling&sid=" + hs.SID
	pending := make(chan response, 1)
	go func() { pending <- ts.get(q) }()
	waitFor(t, "the GET to wait", func() bool { return pollPending(sess) })
	sess.Close(ReasonForcedClose)
	sess.Close("twice") // no effect
	if r := <-pending; r.status != 200 || string(r.body) != "1" {
		t.Fatalf("pending GET: %d %q, want the close packet", r.status, r.body)
	}
	if cl := ts.rec.closed(t); cl.reason != ReasonForcedClose {
		t.Fatalf("close %+v", cl)
	}
	if err := sess.Send(msg("late")); !errors.Is(err, ErrSessionClosed) {
		t.Fatalf("Send after Close: %v", err)
	}
	if len(ts.rec.closes) != 0 {
		t.Fatal("OnClose called twice")
	}
}

func TestCloseFlushesQueue(t *testing.T) {
	ts := newTestServer(t, Options{})
	t.Run("websocket", func(t *testing.T) {
		c := ts.dial("EIO=4")
		readWSText(t, c)
		sess := ts.rec.session(t)
		_ = sess.Send(msg("bye"))
		sess.Close(ReasonForcedClose)
		if got := readWSText(t, c); got != "4bye" {
			t.Fatalf("got %q", got)
		}
		err := waitClosed(t, c)
		if !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
			t.Fatalf("read error %v, want a normal close", err)
		}
		if cl := ts.rec.closed(t); cl.reason != ReasonForcedClose {
			t.Fatalf("close %+v", cl)
		}
	})
}

func TestSendQueueFull(t *testing.T) {
	ts := newTestServer(t, Options{MaxQueuedPackets: 4})
	ts.handshake("EIO=4")
	sess := ts.rec.session(t)
	if err := sess.Send(msg("1"), msg("2"), msg("3")); err != nil {
		t.Fatal(err)
	}
	if err := sess.Send(msg("4"), msg("5")); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("Send over the limit: %v, want ErrQueueFull", err)
	}
	if cl := ts.rec.closed(t); cl.reason != ReasonSlowClient {
		t.Fatalf("close %+v", cl)
	}
	if err := sess.Send(msg("6")); !errors.Is(err, ErrSessionClosed) {
		t.Fatalf("Send after: %v", err)
	}
}

func TestSendVolatile(t *testing.T) {
	ts := newTestServer(t, Options{})
	hs := ts.handshake("EIO=4")
	sess := ts.rec.session(t)
	if sess.SendVolatile(msg("dropped")) {
		t.Fatal("SendVolatile sent with no GET waiting")
	}
	got := make(chan response, 1)
	go func() { got <- ts.get("EIO=4&transport=polling&sid=" + hs.SID) }()
	waitFor(t, "the GET to wait", func() bool { return pollPending(sess) })
	if !sess.SendVolatile(msg("kept")) {
		t.Fatal("SendVolatile dropped with a GET waiting")
	}
	if r := <-got; string(r.body) != "4kept" {
		t.Fatalf("GET: %q", r.body)
	}
	sess.Close(ReasonForcedClose)
	if sess.SendVolatile(msg("x")) {
		t.Fatal("SendVolatile on a closed session")
	}
}

type panicHandler struct{ closes chan string }

func (panicHandler) OnMessage(Packet)        { panic("boom") }
func (h panicHandler) OnClose(reason string) { h.closes <- reason }

func TestHandlerPanicClosesSession(t *testing.T) {
	closes := make(chan string, 1)
	ts := newTestServer(t, Options{OnConnection: func(*Session) SessionHandler { return panicHandler{closes} }})
	c := ts.dial("EIO=4")
	readWSText(t, c)
	writeWS(t, c, "4hi")
	waitClosed(t, c)
	select {
	case r := <-closes:
		if r != ReasonTransportError {
			t.Fatalf("reason %q", r)
		}
	case <-time.After(waitTimeout):
		t.Fatal("not closed")
	}
}

func TestUpgrade(t *testing.T) {
	for _, protocol := range []int{3, 4} {
		t.Run("v"+strconv.Itoa(protocol), func(t *testing.T) {
			ts := newTestServer(t, Options{AllowEIO3: true})
			eio := "EIO=" + strconv.Itoa(protocol)
			hs := ts.handshake(eio)
			sess := ts.rec.session(t)
			q := eio + "&transport=polling&sid=" + hs.SID

			// A WebSocket request for the session without the upgrade headers.
			if r := ts.get(eio + "&transport=websocket&sid=" + hs.SID); r.status != 400 || !strings.Contains(string(r.body), `"code":3`) {
				t.Fatalf("websocket GET without upgrade: %d %s", r.status, r.body)
			}

			pending := make(chan response, 1)
			go func() { pending <- ts.get(q) }()
			waitFor(t, "the GET to wait", func() bool { return pollPending(sess) })

			c := ts.dial(eio + "&sid=" + hs.SID)
			writeWS(t, c, "2probe")
			if got := readWSText(t, c); got != "3probe" {
				t.Fatalf("got %q, want 3probe", got)
			}
			wantNoop := "6"
			if protocol == 3 {
				wantNoop = "1:6"
			}
			if r := <-pending; string(r.body) != wantNoop {
				t.Fatalf("pending GET: %q, want a noop", r.body)
			}
			if sess.Transport() != TransportPolling {
				t.Fatal("upgraded before the upgrade packet")
			}
			writeWS(t, c, "5")
			waitFor(t, "the upgrade", func() bool { return sess.Transport() == TransportWebSocket })

			_ = sess.Send(msg("over ws"))
			if got := readWSText(t, c); got != "4over ws" {
				t.Fatalf("got %q", got)
			}
			writeWS(t, c, "4echo me")
			if got := readWSText(t, c); got != "4echo me" {
				t.Fatalf("echo: %q", got)
			}
			for _, method := range []string{"GET", "POST"} {
				if r := ts.do(method, q, []byte("4x"), nil); r.status != 400 || string(r.body) != `{"code":3,"message":"Bad request"}` {
					t.Fatalf("%s on the upgraded session: %d %s", method, r.status, r.body)
				}
			}
			// A second WebSocket is accepted and closed at once with an
			// empty close frame (1005), as the reference does.
			c2 := ts.dial(eio + "&sid=" + hs.SID)
			var ce *websocket.CloseError
			if err := waitClosed(t, c2); !errors.As(err, &ce) || ce.Code != websocket.CloseNoStatusReceived {
				t.Fatalf("second WebSocket: %v, want a close frame without status", err)
			}
			writeWS(t, c, "4still here")
			if got := readWSText(t, c); got != "4still here" {
				t.Fatalf("after the second WebSocket: %q", got)
			}
			if len(ts.rec.closes) != 0 {
				t.Fatal("the session closed")
			}
		})
	}
}

// TestSecondWebSocketRacingUpgrade is the official suites' "ignores
// WebSocket connection with same sid after upgrade": the second WebSocket
// arrives while the first may still be probing. Either way it is accepted
// and closed, and the first carries on.
func TestSecondWebSocketRacingUpgrade(t *testing.T) {
	for i := 0; i < 20; i++ {
		ts := newTestServer(t, Options{})
		hs := ts.handshake("EIO=4")
		c := ts.dial("EIO=4&sid=" + hs.SID)
		writeWS(t, c, "2probe")
		writeWS(t, c, "5")
		c2 := ts.dial("EIO=4&sid=" + hs.SID)
		var ce *websocket.CloseError
		if err := waitClosed(t, c2); !errors.As(err, &ce) || ce.Code != websocket.CloseNoStatusReceived {
			t.Fatalf("second WebSocket: %v, want a close frame without status", err)
		}
		if got := readWSText(t, c); got != "3probe" {
			t.Fatalf("got %q, want 3probe", got)
		}
		writeWS(t, c, "4hello")
		if got := readWSText(t, c); got != "4hello" {
			t.Fatalf("echo: %q", got)
		}
		if len(ts.rec.closes) != 0 {
			t.Fatal("the session closed")
		}
	}
}

func TestUpgradeRefused(t *testing.T) {
	t.Run("upgrades disabled", func(t *testing.T) {
		ts := newTestServer(t, Options{DisableUpgrades: true})
		hs := ts.handshake("EIO=4")
		if _, err := ts.tryDial("EIO=4&sid=" + hs.SID); !errors.Is(err, websocket.ErrBadHandshake) {
			t.Fatalf("upgrade: %v, want a refused handshake", err)
		}
	})
	t.Run("bad probe", func(t *testing.T) {
		ts := newTestServer(t, Options{})
		hs := ts.handshake("EIO=4")
		sess := ts.rec.session(t)
		c := ts.dial("EIO=4&sid=" + hs.SID)
		writeWS(t, c, "4not a probe")
		waitClosed(t, c)
		// The session goes on polling and may try again.
		if sess.Transport() != TransportPolling {
			t.Fatal("transport changed")
		}
		waitFor(t, "the upgrade to be dropped", func() bool {
			sess.mu.Lock()
			defer sess.mu.Unlock()
			return !sess.upgrading
		})
		c = ts.dial("EIO=4&sid=" + hs.SID)
		writeWS(t, c, "2probe")
		if got := readWSText(t, c); got != "3probe" {
			t.Fatalf("second probe: %q", got)
		}
	})
}

// TestUpgradeOrder sends 100 numbered messages from the server while the
// client upgrades and checks each arrives exactly once and in order, over
// polling first and the WebSocket after.
func TestUpgradeOrder(t *testing.T) {
	ts := newTestServer(t, Options{})
	hs := ts.handshake("EIO=4")
	sess := ts.rec.session(t)
	send := func(from, to int) {
		for i := from; i < to; i++ {
			if err := sess.Send(msg(strconv.Itoa(i))); err != nil {
				t.Errorf("Send %d: %v", i, err)
			}
		}
	}

	// The client polls until it is told to pause, as a real client does
	// once it has the 3probe.
	var got []string // written by the poller, then by this goroutine
	var pause atomic.Bool
	pollerDone := make(chan struct{})
	go func() {
		defer close(pollerDone)
		for !pause.Load() {
			for _, p := range ts.poll(hs.SID, 4) {
				if p.Type == Message {
					got = append(got, string(p.Data))
				}
			}
		}
	}()

	send(0, 25) // before the upgrade starts
	c := ts.dial("EIO=4&sid=" + hs.SID)
	writeWS(t, c, "2probe")
	send(25, 50) // while probing
	if got := readWSText(t, c); got != "3probe" {
		t.Fatalf("got %q, want 3probe", got)
	}
	pause.Store(true)
	<-pollerDone
	send(50, 75) // polling paused, not yet upgraded: queued
	sent := make(chan struct{})
	go func() { defer close(sent); send(75, 100) }() // racing the upgrade
	writeWS(t, c, "5")
	for len(got) < 100 {
		p, err := DecodeText([]byte(readWSText(t, c)), 4)
		if err != nil || p.Type != Message {
			t.Fatalf("WebSocket packet %+v, %v", p, err)
		}
		got = append(got, string(p.Data))
	}
	<-sent
	for i, s := range got {
		if s != strconv.Itoa(i) {
			t.Fatalf("message %d is %q; all: %q", i, s, got)
		}
	}
	// Nothing more: a final message is the next thing on the WebSocket.
	_ = sess.Send(msg("end"))
	if s := readWSText(t, c); s != "4end" {
		t.Fatalf("after the 100 messages: %q", s)
	}
}

func TestWebSocketOnly(t *testing.T) {
	ts := newTestServer(t, Options{AllowEIO3: true, Transports: []string{TransportWebSocket}})
	if r := ts.get("EIO=4&transport=polling"); r.status != 400 || !strings.Contains(string(r.body), `"code":0`) {
		t.Fatalf("polling handshake: %d %s", r.status, r.body)
	}
	t.Run("v4", func(t *testing.T) {
		c := ts.dial("EIO=4")
		p, _ := DecodeText([]byte(readWSText(t, c)), 4)
		hs := parseOpen(t, p)
		sess := ts.rec.session(t)
		if sess.ID() != hs.SID || sess.Transport() != TransportWebSocket || hs.MaxPayload == nil {
			t.Fatalf("session %s %s, handshake %+v", sess.ID(), sess.Transport(), hs)
		}
		writeWS(t, c, "4héllo")
		if got := readWSText(t, c); got != "4héllo" {
			t.Fatalf("text echo %q", got)
		}
		if err := c.WriteMessage(websocket.BinaryMessage, []byte{1, 2, 3}); err != nil {
			t.Fatal(err)
		}
		if mt, data := readWS(t, c); mt != websocket.BinaryMessage || string(data) != "\x01\x02\x03" {
			t.Fatalf("binary echo %d %q, want the raw bytes", mt, data)
		}
		writeWS(t, c, "bBAU=") // base64 text is a binary message too
		if mt, data := readWS(t, c); mt != websocket.BinaryMessage || string(data) != "\x04\x05" {
			t.Fatalf("base64 echo %d %q", mt, data)
		}
		ts.rec.message(t)
		ts.rec.message(t)
		if p := ts.rec.message(t); !p.Binary || string(p.Data) != "\x04\x05" {
			t.Fatalf("handler got %+v", p)
		}
	})
	t.Run("v3", func(t *testing.T) {
		c := ts.dial("EIO=3")
		p, _ := DecodeText([]byte(readWSText(t, c)), 3)
		if hs := parseOpen(t, p); hs.MaxPayload != nil {
			t.Fatalf("v3 handshake with maxPayload: %+v", hs)
		}
		sess := ts.rec.session(t)
		if err := c.WriteMessage(websocket.BinaryMessage, []byte{4, 1, 2}); err != nil {
			t.Fatal(err)
		}
		if mt, data := readWS(t, c); mt != websocket.BinaryMessage || string(data) != "\x04\x01\x02" {
			t.Fatalf("binary echo %d %q, want the type byte and the bytes", mt, data)
		}
		if p := ts.rec.message(t); !p.Binary || string(p.Data) != "\x01\x02" {
			t.Fatalf("handler got %+v", p)
		}
		writeWS(t, c, "b4AQID")
		if mt, data := readWS(t, c); mt != websocket.BinaryMessage || string(data) != "\x04\x01\x02\x03" {
			t.Fatalf("base64 echo %d %q", mt, data)
		}
		ts.rec.message(t)
		// A binary frame of a type other than message ends the session.
		if err := c.WriteMessage(websocket.BinaryMessage, []byte{2, 1}); err != nil {
			t.Fatal(err)
		}
		waitClosed(t, c)
		if cl := ts.rec.closed(t); cl.sid != sess.ID() || cl.reason != ReasonTransportError {
			t.Fatalf("close %+v", cl)
		}
	})
}

func TestShutdown(t *testing.T) {
	checkGoroutines := goroutineBaseline(t)
	ts := newTestServer(t, Options{})

	// A polling session with a GET waiting, an idle one, a WebSocket one
	// and an upgraded one.
	hsA := ts.handshake("EIO=4")
	sessA := ts.rec.session(t)
	pending := make(chan response, 1)
	go func() { pending <- ts.get("EIO=4&transport=polling&sid=" + hsA.SID) }()
	waitFor(t, "the GET to wait", func() bool { return pollPending(sessA) })
	ts.handshake("EIO=4")
	ts.rec.session(t)
	ws := ts.dial("EIO=4")
	readWSText(t, ws)
	ts.rec.session(t)
	hsD := ts.handshake("EIO=4")
	sessD := ts.rec.session(t)
	up := ts.dial("EIO=4&sid=" + hsD.SID)
	writeWS(t, up, "2probe")
	readWSText(t, up)
	writeWS(t, up, "5")
	waitFor(t, "the upgrade", func() bool { return sessD.Transport() == TransportWebSocket })

	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := ts.eng.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if r := <-pending; string(r.body) != "1" {
		t.Fatalf("pending GET: %q, want the close packet", r.body)
	}
	for _, c := range []*websocket.Conn{ws, up} {
		if err := waitClosed(t, c); !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
			t.Fatalf("WebSocket read: %v, want a normal close", err)
		}
	}
	for range 4 {
		if cl := ts.rec.closed(t); cl.reason != ReasonServerShutdown {
			t.Fatalf("close %+v", cl)
		}
	}
	if ts.eng.Count() != 0 {
		t.Fatalf("Count() = %d", ts.eng.Count())
	}
	// New sessions are refused.
	if r := ts.get("EIO=4&transport=polling"); r.status != 400 {
		t.Fatalf("handshake after Shutdown: %d %s", r.status, r.body)
	}
	late := ts.dial("EIO=4")
	if err := waitClosed(t, late); !websocket.IsCloseError(err, websocket.CloseGoingAway) {
		t.Fatalf("WebSocket handshake after Shutdown: %v, want going away", err)
	}
	if len(ts.rec.sessions) != 0 {
		t.Fatal("a session was opened after Shutdown")
	}

	for _, c := range []*websocket.Conn{ws, up, late} {
		c.Close()
	}
	ts.close()
	checkGoroutines()
}

func TestShutdownContext(t *testing.T) {
	// A handler whose OnClose never returns keeps Shutdown waiting until
	// its context ends.
	release := make(chan struct{})
	ts := newTestServer(t, Options{OnConnection: func(*Session) SessionHandler { return blockingClose{release} }})
	defer close(release)
	ts.handshake("EIO=4")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := ts.eng.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown: %v, want the context's error", err)
	}
}

type blockingClose struct{ release chan struct{} }

func (blockingClose) OnMessage(Packet) {}
func (b blockingClose) OnClose(string) { <-b.release }

// TestShutdownDuringProbe: a WebSocket still probing (2probe/3probe done,
// no 5 yet) is closed with its session, and Shutdown waits for it, rather
// than it lingering until UpgradeTimeout.
func TestShutdownDuringProbe(t *testing.T) {
	checkGoroutines := goroutineBaseline(t)
	ts := newTestServer(t, Options{UpgradeTimeout: time.Minute})
	hs := ts.handshake("EIO=4")
	ts.rec.session(t)
	c := ts.dial("EIO=4&sid=" + hs.SID)
	writeWS(t, c, "2probe")
	if got := readWSText(t, c); got != "3probe" {
		t.Fatalf("got %q", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := ts.eng.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	waitClosed(t, c)
	if cl := ts.rec.closed(t); cl.reason != ReasonServerShutdown {
		t.Fatalf("close %+v", cl)
	}
	c.Close()
	ts.close()
	checkGoroutines()
}

func TestSessionCloseDuringProbe(t *testing.T) {
	ts := newTestServer(t, Options{UpgradeTimeout: time.Minute})
	hs := ts.handshake("EIO=4")
	sess := ts.rec.session(t)
	c := ts.dial("EIO=4&sid=" + hs.SID)
	writeWS(t, c, "2probe")
	readWSText(t, c)
	sess.Close(ReasonForcedClose)
	waitClosed(t, c)
}

// TestPollAborted: a GET the client abandons frees the session for the
// next GET (no "concurrent GET" error), and packets sent after it wait for
// that next GET.
func TestPollAborted(t *testing.T) {
	ts := newTestServer(t, Options{})
	hs := ts.handshake("EIO=4")
	sess := ts.rec.session(t)
	q := "EIO=4&transport=polling&sid=" + hs.SID
	ctx, cancel := context.WithCancel(context.Background())
	aborted := make(chan struct{})
	go func() {
		defer close(aborted)
		req, _ := http.NewRequestWithContext(ctx, "GET", ts.url(q), nil)
		if resp, err := ts.client.Do(req); err == nil {
			resp.Body.Close()
			t.Error("the aborted GET got a response")
		}
	}()
	waitFor(t, "the GET to wait", func() bool { return pollPending(sess) })
	cancel()
	<-aborted
	waitFor(t, "the server to drop the GET", func() bool { return !pollPending(sess) })
	_ = sess.Send(msg("kept"))
	if r := ts.get(q); r.status != 200 || string(r.body) != "4kept" {
		t.Fatalf("next GET: %d %q", r.status, r.body)
	}
	if len(ts.rec.closes) != 0 {
		t.Fatal("the session closed")
	}
}
