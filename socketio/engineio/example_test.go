package engineio_test

import (
	"net/http"

	"github.com/rpsio/rpsio/socketio/engineio"
)

// echo sends every message back on its session.
type echo struct{ s *engineio.Session }

func (e echo) OnMessage(p engineio.Packet) { _ = e.s.Send(p) }
func (e echo) OnClose(reason string)       {}

// A bare Engine.IO echo server, as socketio/conformance serves it.
func ExampleNewServer() {
	srv := engineio.NewServer(engineio.Options{
		AllowEIO3:    true,
		OnConnection: func(s *engineio.Session) engineio.SessionHandler { return echo{s} },
	})
	mux := http.NewServeMux()
	mux.Handle("/engine.io/", srv)
	_ = http.ListenAndServe // serve mux with an http.Server; Shutdown(ctx) both on exit
}
