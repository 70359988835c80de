package redis

import (
	"encoding/hex"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rpsio/rpsio/internal/redistest"
	"github.com/rpsio/rpsio/internal/siotest"
	"github.com/rpsio/rpsio/socketio"
)

// spy subscribes to everything of a prefix and hands over what is
// published, as a Node node would receive it.
func spy(t *testing.T, rs *redistest.Server, patterns ...string) <-chan *goredis.Message {
	t.Helper()
	rdb := goredis.NewClient(&goredis.Options{Addr: rs.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	ps := rdb.PSubscribe(t.Context(), patterns...)
	t.Cleanup(func() { _ = ps.Close() })
	for range patterns {
		if _, err := ps.Receive(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	return ps.Channel()
}

func next(t *testing.T, ch <-chan *goredis.Message) *goredis.Message {
	t.Helper()
	select {
	case m := <-ch:
		return m
	case <-time.After(siotest.Wait):
		t.Fatal("nothing published")
		return nil
	}
}

func uidOf(n *node, nsp string) string { return n.nsp(nsp).Adapter().(*nspAdapter).uid }

// TestClassicWireFormat: what a Go node publishes is byte for byte what
// @socket.io/redis-adapter publishes (shared/specs/redis-adapter-wire.md).
func TestClassicWireFormat(t *testing.T) {
	rs := redistest.Start(t)
	A := startNode(t, rs, "A", Options{})
	_, sa := A.client("/", "a")
	sa.Join("r1")
	pub := spy(t, rs, "socket.io*")
	uid := uidOf(A, "/")

	// §1.2's example, with our uid for "abcdef".
	must(t, A.nsp("/").To("r1").Emit("ev", 1, []byte{1, 2}))
	m := next(t, pub)
	want := "93a6" + hex.EncodeToString([]byte(uid)) + "83a47479706502a46461746193a2657601c4020102a36e7370a12f83a5726f6f6d7391a27231a665786365707490a5666c61677380"
	if m.Channel != "socket.io#/#r1#" || hex.EncodeToString([]byte(m.Payload)) != want {
		t.Fatalf("broadcast on %s:\n%x\nwant\n%s", m.Channel, m.Payload, want)
	}
	// Several rooms and volatile: the namespace channel, flags set.
	must(t, A.nsp("/").To("r1", "r2", "r1").Except(sa.ID()).Volatile().Emit("ev"))
	m = next(t, pub)
	if m.Channel != "socket.io#/#" || !strings.Contains(m.Payload, "\xa5rooms\x92\xa2r1\xa2r2") || !strings.Contains(m.Payload, "\xa8volatile\xc3") {
		t.Fatalf("broadcast on %s: %q", m.Channel, m.Payload)
	}
	// Local: nothing published; the next message is the next operation.
	must(t, A.nsp("/").Local().Emit("ev"))

	jsonReq := func(m *goredis.Message) map[string]any {
		t.Helper()
		if m.Channel != "socket.io-request#/#" {
			t.Fatalf("request on %s", m.Channel)
		}
		var v map[string]any
		if err := json.Unmarshal([]byte(m.Payload), &v); err != nil {
			t.Fatalf("request %q: %v", m.Payload, err)
		}
		return v
	}
	must(t, A.nsp("/").In("r1").SocketsJoin(t.Context(), "t2"))
	if got := next(t, pub).Payload; got != `{"uid":"`+uid+`","type":2,"opts":{"rooms":["r1"],"except":[]},"rooms":["t2"]}` {
		t.Fatalf("socketsJoin: %s", got)
	}
	must(t, A.nsp("/").In("r3").DisconnectSockets(t.Context(), false))
	if got := next(t, pub).Payload; got != `{"uid":"`+uid+`","type":4,"opts":{"rooms":["r3"],"except":[]},"close":false}` {
		t.Fatalf("disconnectSockets: %s", got)
	}
	must(t, A.nsp("/").ServerSideEmit(t.Context(), "hello", 1, []byte{7}))
	if got := next(t, pub).Payload; got != `{"uid":"`+uid+`","type":6,"data":["hello",1,{"data":[7],"type":"Buffer"}]}` {
		t.Fatalf("serverSideEmit: %s", got)
	}
	// A request to a second node: a fake one, subscribed and answering as
	// Node would, with Node's shapes (time a date string, query strings).
	fake := goredis.NewClient(&goredis.Options{Addr: rs.Addr()})
	defer fake.Close()
	ps := fake.Subscribe(t.Context(), "socket.io-request#/#")
	defer ps.Close()
	if _, err := ps.Receive(t.Context()); err != nil {
		t.Fatal(err)
	}
	reqs := ps.Channel()
	type result struct {
		socks []socketio.SocketInfo
		err   error
	}
	done := make(chan result, 1)
	go func() {
		s, err := A.nsp("/").In("r9").FetchSockets(t.Context())
		done <- result{s, err}
	}()
	req := jsonReq(next(t, reqs))
	if req["type"] != 5.0 || req["uid"] != uid || len(req["requestId"].(string)) != 6 ||
		!reflect.DeepEqual(req["opts"], map[string]any{"rooms": []any{"r9"}, "except": []any{}}) {
		t.Fatalf("fetchSockets request %v", req)
	}
	nodeSocket := `{"id":"Lldm0123456789abcdef","handshake":{"headers":{"host":"x","set-cookie":["a","b"]},` +
		`"time":"Tue Nov 14 2023 22:13:20 GMT+0000 (Coordinated Universal Time)","address":"::1","xdomain":false,"secure":false,` +
		`"issued":1700000000123,"url":"/socket.io/?EIO=4&transport=websocket","query":{"EIO":"4","transport":"websocket"},"auth":{"token":"t"}},` +
		`"rooms":["Lldm0123456789abcdef","r9"],"data":{"n":1}}`
	fake.Publish(t.Context(), "socket.io-response#/#", `{"requestId":"`+req["requestId"].(string)+`","sockets":[`+nodeSocket+`]}`)
	r := <-done
	if r.err != nil || len(r.socks) != 1 {
		t.Fatalf("FetchSockets %v %v", r.socks, r.err)
	}
	s := r.socks[0]
	want2 := socketio.SocketInfo{
		ID: "Lldm0123456789abcdef", Namespace: "/", Rooms: []string{"Lldm0123456789abcdef", "r9"}, Data: map[string]any{"n": 1.0},
		Handshake: socketio.HandshakeInfo{
			Headers: map[string][]string{"Host": {"x"}, "Set-Cookie": {"a", "b"}},
			Query:   map[string][]string{"EIO": {"4"}, "transport": {"websocket"}},
			Auth:    map[string]any{"token": "t"}, Address: "::1", Time: 1700000000123, URL: "/socket.io/?EIO=4&transport=websocket",
		},
	}
	if !reflect.DeepEqual(s, want2) {
		t.Fatalf("decoded Node socket\n%+v\nwant\n%+v", s, want2)
	}
	// And what we answer looks like Node's.
	fake.Publish(t.Context(), "socket.io-request#/#", `{"uid":"other1","requestId":"req123","type":5,"opts":{"rooms":["r1"],"except":[]}}`)
	var resp *goredis.Message
	for resp = next(t, pub); !strings.Contains(resp.Payload, `"req123"`) || resp.Channel != "socket.io-response#/#"; resp = next(t, pub) {
	}
	var rv struct {
		RequestID string `json:"requestId"`
		Sockets   []map[string]any
	}
	if err := json.Unmarshal([]byte(resp.Payload), &rv); err != nil || rv.RequestID != "req123" || len(rv.Sockets) != 1 {
		t.Fatalf("our fetch answer %s", resp.Payload)
	}
	hs := rv.Sockets[0]["handshake"].(map[string]any)
	if _, ok := hs["time"].(string); !ok || hs["issued"] == nil || hs["query"].(map[string]any)["EIO"] != "4" ||
		hs["headers"].(map[string]any)["upgrade"] != "websocket" || rv.Sockets[0]["id"] != sa.ID() {
		t.Fatalf("our fetch answer %s", resp.Payload)
	}
}

// TestEmitter: what @socket.io/redis-emitter 5.x publishes (observed
// bytes) acts on a Go node.
func TestEmitter(t *testing.T) {
	rs := redistest.Start(t)
	A := startNode(t, rs, "A", Options{})
	a, sa := A.client("/", "a")
	c, _ := A.client("/custom", "c")
	sa.Join("r1")
	em := goredis.NewClient(&goredis.Options{Addr: rs.Addr()})
	defer em.Close()
	pub := func(ch, payload string) { must(t, em.Publish(t.Context(), ch, payload).Err()) }
	msgpack := func(h string) string { b, _ := hex.DecodeString(h); return string(b) }

	// emitter.to("r1").emit("hi", 1) and of("/custom").emit("hi").
	pub("socket.io#/#r1#", msgpack("93a7656d697474657283a47479706502a46461746192a2686901a36e7370a12f83a5726f6f6d7391a27231a5666c61677380a665786365707490"))
	if e := a.Expect("hi"); !reflect.DeepEqual(e.Args, []any{1.0}) {
		t.Fatalf("hi %v", e.Args)
	}
	pub("socket.io#/custom#", msgpack("93a7656d697474657283a47479706502a46461746191a26869a36e7370a72f637573746f6d83a5726f6f6d7390a5666c61677380a665786365707490"))
	c.Expect("hi")
	pub("socket.io-request#/#", `{"type":2,"opts":{"rooms":["r1"],"except":[]},"rooms":["t2"]}`)
	poll(t, "a to join t2", func() bool { return slices.Contains(sa.Rooms(), "t2") })
	pub("socket.io-request#/#", `{"type":3,"opts":{"rooms":["r1"],"except":[]},"rooms":["t2"]}`)
	poll(t, "a to leave t2", func() bool { return !slices.Contains(sa.Rooms(), "t2") })
	pub("socket.io-request#/#", `{"uid":"emitter","type":6,"data":["side","x"]}`)
	if got := <-A.side; !reflect.DeepEqual(got, []any{"x"}) {
		t.Fatalf("side %v", got)
	}
	malformedBefore := A.cluster.Stats().Malformed
	pub("socket.io-request#/#", `{"type":`)
	pub("socket.io#/#", "\xc1")
	pub("socket.io-request#/#", `{"type":4,"opts":{"rooms":["r1"],"except":[]},"close":true}`)
	select {
	case <-a.Closed:
	case <-time.After(siotest.Wait):
		t.Fatal("not disconnected")
	}
	if got := A.cluster.Stats().Malformed - malformedBefore; got != 2 {
		t.Fatalf("%d malformed counted, want 2", got)
	}
}

// fuzzAdapter is a namespace adapter not connected to Redis: what it would
// publish is dropped.
func fuzzAdapter(t testing.TB, sharded bool) *nspAdapter {
	rdb := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1"})
	t.Cleanup(func() { _ = rdb.Close() })
	srv := socketio.NewServer(socketio.Options{Adapter: New(rdb, Options{Sharded: sharded, Logger: quiet}).Adapter, Logger: quiet})
	a := srv.Of("/").Adapter().(*nspAdapter)
	a.AddAll("sid", []string{"sid", "r1"})
	return a
}

func seeds(f *testing.F) {
	for _, s := range []string{
		`{"uid":"x","requestId":"abcdef","type":5,"opts":{"rooms":["r1"],"except":[]}}`,
		`{"uid":"x","requestId":"abcdef","type":6,"data":["whoami"]}`,
		`{"type":2,"opts":{"rooms":["r1"],"except":[]},"rooms":["t2"]}`,
		`{"type":8,"requestId":"abcdef","clientCount":1}`,
		`{"requestId":"abcdef","sockets":[{"id":"a","rooms":["a"],"handshake":{"time":"x","query":{"a":["b"]}}}]}`,
		`{"type":9,"data":{"requestId":"0d83","packet":["whoami"]},"uid":"0941","nsp":"/"}`,
		`{"type":3,"data":{"packet":{"type":2,"data":["ev",1]},"opts":{"rooms":["r1"],"except":[],"flags":{}}},"uid":"u","nsp":"/"}`,
		`{"type":7,"data":{"opts":{"rooms":[],"except":[]},"requestId":"r"},"uid":"u","nsp":"/"}`,
		"\x93\xa7emitter\x83\xa4type\x02\xa4data\x92\xa2hi\x01\xa3nsp\xa1/\x83\xa5rooms\x91\xa2r1\xa5flags\x80\xa6except\x90",
		"\x85\xa3uid\xa1x\xa9requestId\xa1r\xa4type\x07\xa6packet\x83\xa4type\x02\xa4data\x91\xa1q\xa3nsp\xa1/\xa4opts\x83\xa5rooms\x90\xa6except\x90\xa5flags\x81\xa7timeout\xcd\x07\xd0",
	} {
		f.Add([]byte(s))
	}
}

func FuzzClassicBroadcast(f *testing.F) {
	seeds(f)
	for _, h := range []string{
		"93a6616263646566" + "83a47479706502a46461746193a2657601c4020102a36e7370a12f83a5726f6f6d7391a27231a665786365707490a5666c61677380",
		// The same from an rpsio peer, with its recovery offset "nodeX-lx3k-1" as a 4th element.
		"94a6616263646566" + "83a47479706502a46461746193a2657601c4020102a36e7370a12f83a5726f6f6d7391a27231a665786365707490a5666c61677380" + "ac" + "6e6f6465582d6c78336b2d31",
		"93a661626364656683a47479706502a464617461dc0019a26576c0c3c200ffccffce00010000d2ffff63c0cb3ff8000000000000cf35c9adc5dea00000cb3e7ad7f29abcaf48cb0000000000000001cf0000000000000000cb3fb99999a0000000cf8000000000000000d3c000000000000000a0b03c263ee280a8225c0a01c3a9f09f9880aa626164efbfbd75746638d7ff1d5353006553f100c400908082a17a01a16192c4010381a162c40104a36e7370a12f83a5726f6f6d7393a27231a27232a27231a665786365707491a178a5666c61677382a8766f6c6174696c65c3a774696d656f757405",
	} {
		b, _ := hex.DecodeString(h)
		f.Add(b)
	}
	a := fuzzAdapter(f, false)
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = a.handleBroadcast(b)
		checkBroadcast(t, a, b) // as the generic decoding does (broadcast_test.go)
	})
}

func FuzzClassicRequest(f *testing.F) {
	seeds(f)
	a := fuzzAdapter(f, false)
	f.Fuzz(func(t *testing.T, b []byte) { _ = a.handleRequest(b) })
}

func FuzzClassicResponse(f *testing.F) {
	seeds(f)
	a := fuzzAdapter(f, false)
	f.Fuzz(func(t *testing.T, b []byte) {
		// A pending request of each kind, so that answers are applied.
		for typ, id := range map[int]string{reqRemoteFetch: "abcdef", reqAllRooms: "r", reqServerSideEmit: "0d83"} {
			a.mu.Lock()
			a.requests[id] = &pending{typ: typ, expected: 2, done: make(chan struct{}), rooms: map[string]struct{}{}}
			a.ackRequests["PWC9bl"] = &ackPending{onCount: func(int) {}, onAck: func(any) {}}
			a.mu.Unlock()
		}
		_ = a.handleResponse(b)
	})
}

func FuzzSharded(f *testing.F) {
	seeds(f)
	a := fuzzAdapter(f, true)
	f.Fuzz(func(t *testing.T, b []byte) {
		a.mu.Lock()
		a.requests["0d83"] = &pending{typ: reqServerSideEmit, expected: 2, done: make(chan struct{}), rooms: map[string]struct{}{}}
		a.mu.Unlock()
		a.onShardedMessage(&goredis.Message{Channel: a.channel, Payload: string(b)})
		a.onShardedMessage(&goredis.Message{Channel: a.respChannel, Payload: string(b)})
	})
}
