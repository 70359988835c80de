package socketio

import (
	"context"
	"testing"
)

func nspStats(srv *Server, name string) NamespaceStats {
	for _, n := range srv.Stats() {
		if n.Name == name {
			return n
		}
	}
	return NamespaceStats{Name: name}
}

// Stats counts each namespace's sockets, the events received, the acks
// answered and the acks received.
func TestStats(t *testing.T) {
	sockets := make(chan *Socket, 1)
	ts := newTestServer(t, Options{}, func(srv *Server) {
		srv.Of("/game").OnConnection(func(s *Socket) {
			s.On("move", func(e *Event) {
				if e.HasAck() {
					_ = e.Ack("ok")
				}
			})
			sockets <- s
		})
	})
	if got := nspStats(ts.srv, "/game"); got != (NamespaceStats{Name: "/game"}) {
		t.Fatalf("fresh namespace: %+v", got)
	}
	c := ts.dial(t, "EIO=4")
	c.connect("/game", "")
	s := recv(t, sockets)
	if got := nspStats(ts.srv, "/game").Sockets; got != 1 {
		t.Fatalf("sockets %d, want 1", got)
	}

	c.send(`2/game,["move","rock"]`)   // no ack
	c.send(`2/game,7["move","paper"]`) // acked
	c.expect(`3/game,7["ok"]`)

	answered := make(chan error, 1)
	go func() {
		_, err := s.EmitWithAck(context.Background(), "question")
		answered <- err
	}()
	c.expect(`2/game,0["question"]`)
	c.send(`3/game,0["yes"]`)
	if err := recv(t, answered); err != nil {
		t.Fatal(err)
	}

	want := NamespaceStats{Name: "/game", Sockets: 1, EventsReceived: 2, AcksSent: 1, AcksReceived: 1}
	if got := nspStats(ts.srv, "/game"); got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	c.send("1/game,")
	waitFor(t, "the socket to leave", func() bool { return nspStats(ts.srv, "/game").Sockets == 0 })
}
