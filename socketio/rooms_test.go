package socketio

import (
	"reflect"
	"slices"
	"sort"
	"testing"
)

// roomsFixture is three clients on "/": a in r1, b in r1 and r2, c in r2.
type roomsFixture struct {
	ts      *testServer
	nsp     *Namespace
	clients map[string]*client
	sockets map[string]*Socket
}

func newRoomsFixture(t *testing.T) *roomsFixture {
	sockets := make(chan *Socket, 10)
	ts := newTestServer(t, Options{}, func(srv *Server) {
		srv.Of("/").OnConnection(func(s *Socket) {
			s.Set("name", s.Handshake().Auth["name"])
			sockets <- s
		})
	})
	f := &roomsFixture{ts: ts, nsp: ts.srv.Of("/"), clients: map[string]*client{}, sockets: map[string]*Socket{}}
	for _, name := range []string{"a", "b", "c"} {
		f.clients[name], f.sockets[name] = ts.dialSocket(t, `{"name":"`+name+`"}`, sockets)
	}
	f.sockets["a"].Join("r1")
	f.sockets["b"].Join("r1", "r2")
	f.sockets["c"].Join("r2")
	return f
}

// deliveries runs emit, then sends a "sentinel" event to everyone and
// returns, per client, the events that came before it.
func (f *roomsFixture) deliveries(t *testing.T, emit func() error) map[string][]string {
	t.Helper()
	if err := emit(); err != nil {
		t.Fatal(err)
	}
	if err := f.nsp.Emit("sentinel"); err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for name, c := range f.clients {
		for {
			ev, _ := c.event()
			if ev == "sentinel" {
				break
			}
			got[name] = append(got[name], ev)
		}
	}
	return got
}

func TestRooms(t *testing.T) {
	f := newRoomsFixture(t)
	a, b, c := f.sockets["a"], f.sockets["b"], f.sockets["c"]
	if got := a.Rooms(); !reflect.DeepEqual(got, sorted(a.ID(), "r1")) {
		t.Fatalf("a.Rooms() = %v", got)
	}
	if got := f.nsp.Adapter().Rooms(); !reflect.DeepEqual(got, sorted(a.ID(), b.ID(), c.ID(), "r1", "r2")) {
		t.Fatalf("Adapter().Rooms() = %v", got)
	}

	tests := []struct {
		name string
		emit func() error
		want map[string][]string
	}{
		{"namespace", func() error { return f.nsp.Emit("e") }, all("a", "b", "c")},
		{"to r1", func() error { return f.nsp.To("r1").Emit("e") }, all("a", "b")},
		{"in r2", func() error { return f.nsp.In("r2").Emit("e") }, all("b", "c")},
		{"to r1 and r2, once each", func() error { return f.nsp.To("r1").To("r2").Emit("e") }, all("a", "b", "c")},
		{"to r1 and r2 in one call", func() error { return f.nsp.To("r1", "r2").Emit("e") }, all("a", "b", "c")},
		{"to r1 except r2", func() error { return f.nsp.To("r1").Except("r2").Emit("e") }, all("a")},
		{"except r1", func() error { return f.nsp.Except("r1").Emit("e") }, all("c")},
		{"to a socket id", func() error { return f.nsp.To(c.ID()).Emit("e") }, all("c")},
		{"socket to r1 leaves it out", func() error { return a.To("r1").Emit("e") }, all("b")},
		{"socket broadcast", func() error { return a.Broadcast().Emit("e") }, all("b", "c")},
		{"local", func() error { return f.nsp.Local().Emit("e") }, all("a", "b", "c")},
		{"local to r2", func() error { return f.nsp.Local().To("r2").Emit("e") }, all("b", "c")},
		{"volatile", func() error { return f.nsp.Volatile().Emit("e") }, all("a", "b", "c")},
		{"unknown room", func() error { return f.nsp.To("nobody").Emit("e") }, all()},
		{"operator in", func() error { return f.nsp.Except("r1").In("r2").Emit("e") }, all("c")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := f.deliveries(t, tt.emit); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("delivered to %v, want %v", got, tt.want)
			}
		})
	}

	t.Run("operators are values", func(t *testing.T) {
		base := f.nsp.To("r1")
		_ = base.Except("r2").Volatile()
		if o := base.Options(); !reflect.DeepEqual(o.Rooms, []string{"r1"}) || o.Except != nil || o.Flags.Volatile {
			t.Fatalf("base operator changed: %+v", o)
		}
	})

	t.Run("leave", func(t *testing.T) {
		b.Leave("r1")
		if got := b.Rooms(); !reflect.DeepEqual(got, sorted(b.ID(), "r2")) {
			t.Fatalf("b.Rooms() = %v", got)
		}
		if got := f.deliveries(t, func() error { return f.nsp.To("r1").Emit("e") }); !reflect.DeepEqual(got, all("a")) {
			t.Fatalf("delivered to %v", got)
		}
		b.Join("r1")
	})

	t.Run("SocketsJoin and SocketsLeave", func(t *testing.T) {
		ctx := t.Context()
		if err := f.nsp.In("r2").SocketsJoin(ctx, "r3", "r4"); err != nil {
			t.Fatal(err)
		}
		if got := f.deliveries(t, func() error { return f.nsp.To("r3").Emit("e") }); !reflect.DeepEqual(got, all("b", "c")) {
			t.Fatalf("r3: %v", got)
		}
		if err := f.nsp.SocketsJoin(ctx, "r5"); err != nil {
			t.Fatal(err)
		}
		if err := f.nsp.Except("r1").SocketsLeave(ctx, "r3", "r5"); err != nil {
			t.Fatal(err)
		}
		if got := f.deliveries(t, func() error { return f.nsp.To("r3").Emit("e") }); !reflect.DeepEqual(got, all("b")) {
			t.Fatalf("r3 after leave: %v", got)
		}
		if got := f.deliveries(t, func() error { return f.nsp.To("r5").Emit("e") }); !reflect.DeepEqual(got, all("a", "b")) {
			t.Fatalf("r5: %v", got)
		}
		if err := f.nsp.SocketsLeave(ctx, "r3", "r4", "r5"); err != nil {
			t.Fatal(err)
		}
		if got := f.nsp.Adapter().Rooms(); slices.Contains(got, "r3") || slices.Contains(got, "r5") {
			t.Fatalf("rooms left behind: %v", got)
		}
	})

	t.Run("FetchSockets", func(t *testing.T) {
		infos, err := f.nsp.In("r2").FetchSockets(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		sort.Slice(infos, func(i, j int) bool { return infos[i].Data["name"].(string) < infos[j].Data["name"].(string) })
		if len(infos) != 2 || infos[0].ID != b.ID() || infos[1].ID != c.ID() {
			t.Fatalf("FetchSockets = %+v", infos)
		}
		i := infos[0]
		if i.Namespace != "/" || !reflect.DeepEqual(i.Rooms, sorted(b.ID(), "r1", "r2")) || i.Handshake.Auth["name"] != "b" ||
			i.Handshake.Address != "127.0.0.1" || i.Handshake.Time == 0 || i.Handshake.Query["EIO"][0] != "4" {
			t.Fatalf("info %+v", i)
		}
		all, _ := f.nsp.FetchSockets(t.Context())
		if len(all) != 3 {
			t.Fatalf("%d sockets", len(all))
		}
	})

	t.Run("DisconnectSockets", func(t *testing.T) {
		reasons := make(chan string, 3)
		for _, s := range f.sockets {
			s.OnDisconnect(func(r string) { reasons <- s.Data()["name"].(string) + ": " + r })
		}
		if err := f.nsp.To("r1").Except("r2").DisconnectSockets(t.Context(), false); err != nil {
			t.Fatal(err)
		}
		f.clients["a"].expect("1")
		if r := recv(t, reasons); r != "a: server namespace disconnect" {
			t.Fatalf("reason %q", r)
		}
		if a.Connected() || len(a.Rooms()) != 0 || f.nsp.LocalSocket(a.ID()) != nil {
			t.Fatalf("a is still there: rooms %v", a.Rooms())
		}
		delete(f.clients, "a")
		if got := f.deliveries(t, func() error { return f.nsp.To("r1").Emit("e") }); !reflect.DeepEqual(got, all("b")) {
			t.Fatalf("after the disconnect: %v", got)
		}
		if err := f.nsp.DisconnectSockets(t.Context(), true); err != nil {
			t.Fatal(err)
		}
		f.clients["b"].waitClosed()
		f.clients["c"].waitClosed()
		recv(t, reasons)
		recv(t, reasons)
		if n := len(f.nsp.LocalSockets()); n != 0 {
			t.Fatalf("%d sockets left", n)
		}
	})
}

func all(names ...string) map[string][]string {
	m := map[string][]string{}
	for _, n := range names {
		m[n] = []string{"e"}
	}
	return m
}

func sorted(s ...string) []string {
	sort.Strings(s)
	return s
}

func TestServerSideEmit(t *testing.T) {
	ts := newTestServer(t, Options{}, nil)
	nsp := ts.srv.Of("/")
	got := make(chan []any, 1)
	nsp.OnServerSideEmit("hello", func(args []any) { got <- args })
	// The in-memory adapter has no other node: nothing is dispatched.
	if err := nsp.ServerSideEmit(t.Context(), "hello", 1); err != nil {
		t.Fatal(err)
	}
	select {
	case a := <-got:
		t.Fatalf("dispatched locally: %v", a)
	default:
	}
	// What an adapter hands over reaches the handlers.
	nsp.DispatchServerSideEmit("hello", []any{"x"})
	if a := recv(t, got); !reflect.DeepEqual(a, []any{"x"}) {
		t.Fatalf("args %v", a)
	}
}
