package socketio

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/rpsio/rpsio/socketio/engineio"
)

func TestConnect(t *testing.T) {
	sockets := make(chan *Socket, 10)
	ts := newTestServer(t, Options{}, func(srv *Server) {
		srv.Of("/").OnConnection(func(s *Socket) { sockets <- s })
		srv.Of("/custom")
	})
	c := ts.dial(t, "EIO=4&x=1")
	if _, ok := c.open["maxPayload"]; !ok {
		t.Errorf("open packet %v without maxPayload", c.open)
	}
	c.send(`0{"token":"abc"}`)
	reply := c.text()
	m := connectReply.FindStringSubmatch(reply)
	if m == nil || m[1] != "" {
		t.Fatalf("CONNECT reply %q, want 0{\"sid\":...}", reply)
	}
	s := recv(t, sockets)
	if s.ID() != m[2] || s.ID() == c.open["sid"] {
		t.Errorf("socket id %s, reply %s, engine sid %v", s.ID(), m[2], c.open["sid"])
	}
	h := s.Handshake()
	if h.Auth["token"] != "abc" || h.Query.Get("x") != "1" || h.Query.Get("EIO") != "4" ||
		h.Address != "127.0.0.1" || h.Secure || !strings.HasPrefix(h.URL, "/socket.io/?") || h.Headers.Get("Sec-Websocket-Key") == "" || h.Time.IsZero() {
		t.Errorf("handshake %+v", h)
	}
	if s.Namespace() != ts.srv.Of("/") || s.Namespace().Name() != "/" || s.Transport() != engineio.TransportWebSocket || !s.Connected() {
		t.Errorf("socket namespace %q transport %s connected %v", s.Namespace().Name(), s.Transport(), s.Connected())
	}
	if got := ts.srv.Of("/").LocalSocket(s.ID()); got != s {
		t.Errorf("LocalSocket = %v", got)
	}
	if all := ts.srv.Of("").LocalSockets(); len(all) != 1 || all[0] != s {
		t.Errorf("LocalSockets = %v", all)
	}
	if ts.srv.Engine().Count() != 1 {
		t.Errorf("engine Count = %d", ts.srv.Engine().Count())
	}

	// A second CONNECT to the same namespace is ignored; another namespace
	// is joined over the same connection.
	c.send("0")
	id := c.connect("/custom", "")
	if id == s.ID() {
		t.Error("two namespaces got the same socket id")
	}
	select {
	case s2 := <-sockets:
		t.Fatalf("second socket %s in /", s2.ID())
	default:
	}
}

func TestConnectAuthDefaults(t *testing.T) {
	sockets := make(chan *Socket, 10)
	ts := newTestServer(t, Options{}, func(srv *Server) {
		srv.Of("custom").OnConnection(func(s *Socket) { sockets <- s })
	})
	c := ts.dial(t, "EIO=4")
	c.connect("/custom", "")
	s := recv(t, sockets)
	if s.Namespace().Name() != "/custom" || s.Handshake().Auth == nil || len(s.Handshake().Auth) != 0 {
		t.Fatalf("namespace %q auth %#v", s.Namespace().Name(), s.Handshake().Auth)
	}
}

func TestMiddleware(t *testing.T) {
	sockets := make(chan *Socket, 10)
	var order []string
	ts := newTestServer(t, Options{}, func(srv *Server) {
		srv.Of("/").OnConnection(func(s *Socket) { sockets <- s })
		srv.Of("/refused").Use(func(*Socket) error {
			return &ConnectError{Message: "refused", Data: map[string]any{"reason": "test"}}
		})
		srv.Of("/refused").OnConnection(func(s *Socket) { t.Error("refused socket connected") })
		srv.Of("/plain").Use(func(*Socket) error { return errors.New("not allowed") })
		srv.Of("/panics").Use(func(*Socket) error { panic("middleware bug") })
		ok := srv.Of("/ok")
		ok.Use(func(s *Socket) error {
			order = append(order, "first")
			s.Set("user", s.Handshake().Auth["user"])
			return nil
		})
		ok.Use(func(s *Socket) error {
			order = append(order, "second")
			if v, _ := s.Get("user"); v != "bob" {
				return &ConnectError{Message: "who are you?"}
			}
			return nil
		})
		ok.OnConnection(func(s *Socket) { sockets <- s })
	})
	c := ts.dial(t, "EIO=4")
	c.send("0/refused,")
	c.expect(`4/refused,{"data":{"reason":"test"},"message":"refused"}`)
	c.send("0/plain,")
	c.expect(`4/plain,{"message":"not allowed"}`)
	c.send("0/panics,")
	c.expect(`4/panics,{"message":"server error"}`)
	c.send(`0/ok,{"user":"eve"}`)
	c.expect(`4/ok,{"message":"who are you?"}`)
	c.connect("/ok", `{"user":"bob"}`)
	s := recv(t, sockets)
	if v, _ := s.Get("user"); v != "bob" || s.Data()["user"] != "bob" {
		t.Fatalf("data %v", s.Data())
	}
	if strings.Join(order, ",") != "first,second,first,second" {
		t.Fatalf("middleware order %v", order)
	}
	// The connection is still usable.
	c.connect("/", "")
	recv(t, sockets)
}

func TestInvalidNamespace(t *testing.T) {
	ts := newTestServer(t, Options{}, nil)
	c := ts.dial(t, "EIO=4")
	c.send("0/nope,")
	c.expect(`4/nope,{"message":"Invalid namespace"}`)
	c.send(`0/nope,{"token":1}`)
	c.expect(`4/nope,{"message":"Invalid namespace"}`)
	c.connect("/", "")
}

func TestDynamicNamespace(t *testing.T) {
	sockets := make(chan *Socket, 10)
	var parent *Namespace
	ts := newTestServer(t, Options{}, func(srv *Server) {
		parent = srv.OfFunc(func(name string, auth map[string]any) bool {
			return strings.HasPrefix(name, "/room-") && auth["ok"] == true
		})
		parent.Use(func(s *Socket) error { s.Set("parent middleware", true); return nil })
		parent.OnConnection(func(s *Socket) { sockets <- s })
	})
	if parent.Name() != "" || parent.Adapter() != nil {
		t.Fatalf("dynamic parent %q %v", parent.Name(), parent.Adapter())
	}
	c := ts.dial(t, "EIO=4")
	c.send(`0/room-1,{"ok":false}`)
	c.expect(`4/room-1,{"message":"Invalid namespace"}`)
	c.send(`0/other,{"ok":true}`)
	c.expect(`4/other,{"message":"Invalid namespace"}`)
	c.connect("/room-1", `{"ok":true}`)
	s := recv(t, sockets)
	if s.Namespace().Name() != "/room-1" || s.Namespace() != ts.srv.Of("/room-1") {
		t.Fatalf("namespace %q", s.Namespace().Name())
	}
	if v, _ := s.Get("parent middleware"); v != true {
		t.Fatal("the parent's middleware did not run")
	}
	c2 := ts.dial(t, "EIO=4")
	c2.connect("/room-2", `{"ok":true}`)
	recv(t, sockets)

	// Emitting on the parent reaches every child.
	if err := parent.Emit("hi", 1); err != nil {
		t.Fatal(err)
	}
	c.expect(`2/room-1,["hi",1]`)
	c2.expect(`2/room-2,["hi",1]`)
	infos, err := parent.FetchSockets(t.Context())
	if err != nil || len(infos) != 2 {
		t.Fatalf("FetchSockets = %v, %v", infos, err)
	}
}

func TestNamespaceDisconnectKeepsOthers(t *testing.T) {
	reasons := make(chan string, 10)
	ts := newTestServer(t, Options{}, func(srv *Server) {
		for _, name := range []string{"/", "/custom"} {
			srv.Of(name).OnConnection(func(s *Socket) {
				s.On("echo", func(e *Event) { _ = s.Emit("echo", e.Args...) })
				s.OnDisconnect(func(r string) { reasons <- s.Namespace().Name() + " " + r })
			})
		}
	})
	c := ts.dial(t, "EIO=4")
	c.connect("/", "")
	id := c.connect("/custom", "")
	c.send("1/custom,")
	if r := recv(t, reasons); r != "/custom client namespace disconnect" {
		t.Fatalf("disconnect %q", r)
	}
	if ts.srv.Of("/custom").LocalSocket(id) != nil {
		t.Fatal("the socket is still in its namespace")
	}
	// "/" still works.
	c.send(`2["echo","x"]`)
	c.expect(`2["echo","x"]`)
	// And the namespace can be joined again.
	c.connect("/custom", "")
	c.send(`2/custom,["echo","y"]`)
	c.expect(`2/custom,["echo","y"]`)
}

func TestPolling(t *testing.T) {
	ts := newTestServer(t, Options{}, func(srv *Server) {
		srv.Of("/").OnConnection(func(s *Socket) {
			s.On("echo", func(e *Event) { _ = s.Emit("echo", e.Args...) })
		})
	})
	base := ts.hs.URL + "/socket.io/?EIO=4&transport=polling"
	get := func(url string) string {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	post := func(url, body string) {
		t.Helper()
		resp, err := http.Post(url, "text/plain;charset=UTF-8", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("POST %q: %d", body, resp.StatusCode)
		}
	}
	open := get(base)
	sid, _, _ := strings.Cut(strings.TrimPrefix(open, `0{"sid":"`), `"`)
	url := base + "&sid=" + sid
	post(url, "40")
	if m := connectReply.FindStringSubmatch(strings.TrimPrefix(get(url), "4")); m == nil {
		t.Fatal("no CONNECT reply")
	}
	post(url, "42[\"echo\",\"x\"]\x1e42[\"echo\",\"y\"]")
	if got := get(url); got != "42[\"echo\",\"x\"]\x1e42[\"echo\",\"y\"]" {
		t.Fatalf("GET %q", got)
	}
	// Binary goes base64.
	post(url, "451-[\"echo\",{\"_placeholder\":true,\"num\":0}]\x1ebAQID")
	if got := get(url); got != "451-[\"echo\",{\"_placeholder\":true,\"num\":0}]\x1ebAQID" {
		t.Fatalf("GET %q", got)
	}
	http.DefaultClient.CloseIdleConnections()
}

func TestProtocol4(t *testing.T) {
	sockets := make(chan *Socket, 10)
	ts := newTestServer(t, Options{}, func(srv *Server) {
		for _, name := range []string{"/", "/custom"} {
			srv.Of(name).OnConnection(func(s *Socket) {
				sockets <- s
				s.On("echo", func(e *Event) { _ = s.Emit("echo", e.Args...) })
				s.On("ack", func(e *Event) { _ = e.Ack(e.Args...) })
			})
		}
		srv.Of("/refused").Use(func(*Socket) error {
			return &ConnectError{Message: "refused", Data: map[string]any{"reason": "test"}}
		})
		srv.Of("/plain").Use(func(*Socket) error { return errors.New("not allowed") })
	})
	c := ts.dial(t, "EIO=3")
	if _, ok := c.open["maxPayload"]; ok {
		t.Errorf("protocol 3 open packet %v has maxPayload", c.open)
	}
	// Connected to "/" without asking.
	c.expect("0")
	s := recv(t, sockets)
	if s.Namespace().Name() != "/" || len(s.Handshake().Auth) != 0 {
		t.Fatalf("socket in %q with auth %v", s.Namespace().Name(), s.Handshake().Auth)
	}
	// The namespace's query is the auth.
	c.send("0/custom?token=x&n=2,")
	c.expect("0/custom,")
	s = recv(t, sockets)
	if s.Namespace().Name() != "/custom" || s.Handshake().Auth["token"] != "x" || s.Handshake().Auth["n"] != "2" {
		t.Fatalf("socket in %q with auth %v", s.Namespace().Name(), s.Handshake().Auth)
	}
	// CONNECT_ERROR carries the data, else the message.
	c.send("0/refused,")
	c.expect(`4/refused,{"reason":"test"}`)
	c.send("0/plain,")
	c.expect(`4/plain,"not allowed"`)
	c.send("0/nope,")
	c.expect(`4/nope,{"message":"Invalid namespace"}`) // an object in protocol 4 too, as the reference

	c.send(`2/custom,["echo","x"]`)
	c.expect(`2/custom,["echo","x"]`)
	// Binary frames carry the type byte.
	c.send(`51-3["ack",{"_placeholder":true,"num":0}]`)
	c.sendBinary([]byte{1, 2})
	c.expect(`61-3[{"_placeholder":true,"num":0}]`)
	if b := c.binary(); string(b) != "\x01\x02" {
		t.Fatalf("attachment %q", b)
	}
}

// A packet for a namespace the client has not joined closes the connection,
// as the reference server does.
func TestPacketForUnjoinedNamespaceCloses(t *testing.T) {
	for _, pkt := range []string{`2/custom,["echo","x"]`, `3/custom,1[]`, `1/custom,`} {
		t.Run(pkt, func(t *testing.T) {
			reasons := make(chan string, 1)
			ts := newTestServer(t, Options{}, func(srv *Server) {
				srv.Of("/custom")
				srv.Of("/").OnConnection(func(s *Socket) {
					s.OnDisconnect(func(r string) { reasons <- r })
				})
			})
			c := ts.dial(t, "EIO=4")
			c.connect("/", "")
			c.send(pkt)
			if r := recv(t, reasons); r != ReasonParseError {
				t.Fatalf("reason %q", r)
			}
			_ = c.waitClosed() // fails the test if the server keeps the connection
		})
	}
}
