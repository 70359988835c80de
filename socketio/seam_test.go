package socketio

import (
	"context"
	"errors"
	"reflect"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/rpsio/rpsio/socketio/parser"
)

// lifeAdapter records Run and Close. Its Run calls back into the server,
// which deadlocks if the server holds its lock while starting adapters.
type lifeAdapter struct {
	*InMemoryAdapter
	mu     sync.Mutex
	runs   int
	closes int
	runErr error
	onRun  func()
}

func (a *lifeAdapter) Run(context.Context) error {
	if a.onRun != nil {
		a.onRun()
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.runs++
	return a.runErr
}

func (a *lifeAdapter) Close(context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.closes++
	return nil
}

func (a *lifeAdapter) counts() (int, int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.runs, a.closes
}

func TestRunStartsAdaptersOutsideTheLock(t *testing.T) {
	var mu sync.Mutex
	made := map[string]*lifeAdapter{}
	var srv *Server
	fail := errors.New("no backend")
	ts := newTestServer(t, Options{Adapter: func(n *Namespace) Adapter {
		a := &lifeAdapter{InMemoryAdapter: NewInMemoryAdapter(n)}
		// Reentrant: looks the namespace list up while being started.
		a.onRun = func() { _ = srv.Of("/") }
		if n.Name() == "/bad" {
			a.runErr = fail
		}
		mu.Lock()
		made[n.Name()] = a
		mu.Unlock()
		return a
	}}, func(s *Server) {
		srv = s
		s.Of("/a")
		s.Of("/bad")
		s.OfFunc(func(name string, _ map[string]any) bool { return name == "/dyn" })
	})
	get := func(name string) *lifeAdapter {
		mu.Lock()
		defer mu.Unlock()
		return made[name]
	}
	if r, _ := get("/a").counts(); r != 0 {
		t.Fatal("adapter started before Run")
	}
	err := srv.Run(t.Context())
	if !errors.Is(err, fail) {
		t.Fatalf("Run = %v, want the /bad adapter's error", err)
	}
	for _, name := range []string{"/", "/a", "/bad"} {
		if r, c := get(name).counts(); r != 1 || c != 0 {
			t.Fatalf("%s: %d runs, %d closes", name, r, c)
		}
	}
	// Created after Run: started by Of, once.
	srv.Of("/late")
	srv.Of("/late")
	if r, _ := get("/late").counts(); r != 1 {
		t.Fatalf("/late: %d runs", r)
	}
	// A dynamic child is started when a client creates it.
	c := ts.dial(t, "EIO=4")
	c.connect("/dyn", "")
	if r, _ := get("/dyn").counts(); r != 1 {
		t.Fatalf("/dyn: %d runs", r)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"/", "/a", "/bad", "/late", "/dyn"} {
		if r, c := get(name).counts(); r != 1 || c != 1 {
			t.Fatalf("%s after Shutdown: %d runs, %d closes", name, r, c)
		}
	}
	if err := srv.Run(t.Context()); !errors.Is(err, ErrServerClosed) {
		t.Fatalf("Run after Shutdown = %v", err)
	}
	// A namespace made after Shutdown is not started.
	srv.Of("/after")
	if r, _ := get("/after").counts(); r != 0 {
		t.Fatal("adapter started after Shutdown")
	}
}

func TestBroadcastEmitWithAck(t *testing.T) {
	sockets := make(chan *Socket, 4)
	ts := newTestServer(t, Options{}, func(srv *Server) {
		srv.Of("/").OnConnection(func(s *Socket) { sockets <- s })
	})
	nsp := ts.srv.Of("/")
	a, sa := ts.dialSocket(t, "", sockets)
	b, sb := ts.dialSocket(t, "", sockets)
	_, sc := ts.dialSocket(t, "", sockets)
	sa.Join("r")
	sb.Join("r")
	_ = sc

	type result struct {
		acks []any
		err  error
	}
	done := make(chan result, 1)
	go func() {
		acks, err := nsp.To("r").Timeout(waitTimeout).EmitWithAck(context.Background(), "q", 1)
		done <- result{acks, err}
	}()
	// Each client gets the packet with an ack id, and answers.
	for i, c := range []*client{a, b} {
		p := c.packet()
		if p.Type != parser.Event || !p.HasID || !reflect.DeepEqual(p.Data, []any{"q", 1.0}) {
			t.Fatalf("client %d got %+v", i, p)
		}
		text, atts, err := parser.Encode(&parser.Packet{Type: parser.Ack, Namespace: "/", ID: p.ID, HasID: true, Data: []any{i, "ignored"}})
		if err != nil || len(atts) != 0 {
			t.Fatal(err)
		}
		c.send(string(text))
	}
	r := recv(t, done)
	if r.err != nil {
		t.Fatal(r.err)
	}
	got := []float64{r.acks[0].(float64), r.acks[1].(float64)}
	sort.Float64s(got)
	if !reflect.DeepEqual(got, []float64{0, 1}) {
		t.Fatalf("acks %v", r.acks)
	}

	// One client never answers: the answers that came, and ErrAckTimeout.
	go func() {
		acks, err := nsp.To("r").Timeout(300*time.Millisecond).EmitWithAck(context.Background(), "q2")
		done <- result{acks, err}
	}()
	pa := a.packet()
	_ = b.packet()
	text, _, _ := parser.Encode(&parser.Packet{Type: parser.Ack, Namespace: "/", ID: pa.ID, HasID: true, Data: []any{"late-not"}})
	a.send(string(text))
	r = recv(t, done)
	if !errors.Is(r.err, ErrAckTimeout) || !reflect.DeepEqual(r.acks, []any{"late-not"}) {
		t.Fatalf("partial: %v %v", r.acks, r.err)
	}

	// Nobody selected: no answer at once.
	acks, err := nsp.To("empty").Timeout(waitTimeout).EmitWithAck(t.Context(), "q3")
	if err != nil || len(acks) != 0 {
		t.Fatalf("empty room: %v %v", acks, err)
	}
	if _, err := nsp.EmitWithAck(t.Context(), "disconnect"); !errors.Is(err, ErrReservedEvent) {
		t.Fatalf("reserved: %v", err)
	}
}

func TestServerSideEmitWithAckInMemory(t *testing.T) {
	ts := newTestServer(t, Options{}, nil)
	nsp := ts.srv.Of("/")
	got, err := nsp.ServerSideEmitWithAck(t.Context(), "whoami")
	if err != nil || got == nil || len(got) != 0 {
		t.Fatalf("no other node: %v %v", got, err)
	}
	if _, err := nsp.ServerSideEmitWithAck(t.Context(), "connect"); !errors.Is(err, ErrReservedEvent) {
		t.Fatalf("reserved: %v", err)
	}
	// What an adapter dispatches reaches both handler forms; only the
	// first answer is passed on.
	var plain []any
	nsp.OnServerSideEmit("whoami", func(args []any) { plain = args })
	nsp.OnServerSideEmitWithAck("whoami", func(args []any, ack func(any)) { ack("first") })
	nsp.OnServerSideEmitWithAck("whoami", func(args []any, ack func(any)) { ack("second") })
	nsp.OnServerSideEmitWithAck("whoami", func(args []any, ack func(any)) { panic("handler bug") })
	var answers []any
	nsp.DispatchServerSideEmitWithAck("whoami", []any{"x"}, func(v any) { answers = append(answers, v) })
	if !reflect.DeepEqual(plain, []any{"x"}) || !reflect.DeepEqual(answers, []any{"first"}) {
		t.Fatalf("plain %v answers %v", plain, answers)
	}
	// Without an ack the handlers' answers go nowhere.
	nsp.DispatchServerSideEmit("whoami", nil)
}

func TestAllRoomsInMemory(t *testing.T) {
	sockets := make(chan *Socket, 1)
	ts := newTestServer(t, Options{}, func(srv *Server) {
		srv.Of("/").OnConnection(func(s *Socket) { sockets <- s })
	})
	_, s := ts.dialSocket(t, "", sockets)
	s.Join("r")
	rooms, err := ts.srv.Of("/").AllRooms(t.Context())
	if err != nil || !reflect.DeepEqual(rooms, sorted(s.ID(), "r")) {
		t.Fatalf("AllRooms = %v, %v", rooms, err)
	}
}
