package socketio

import (
	"context"
	"errors"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/rpsio/rpsio/socketio/parser"
)

func TestEvents(t *testing.T) {
	events := make(chan *Event, 10)
	var anySeen []string
	ts := newTestServer(t, Options{}, func(srv *Server) {
		srv.Of("/").OnConnection(func(s *Socket) {
			s.OnAny(func(e *Event) { anySeen = append(anySeen, e.Name) })
			s.On("hello", func(e *Event) { events <- e })
			s.On("42", func(e *Event) { events <- e })
			s.On("replaced", func(e *Event) { t.Error("replaced handler called") })
			s.On("replaced", func(e *Event) { events <- e })
		})
	})
	c := ts.dial(t, "EIO=4")
	c.connect("/", "")

	c.send(`2["hello","w",1,{"a":[1,2]},null]`)
	e := recv(t, events)
	if e.Name != "hello" || e.HasAck() || !reflect.DeepEqual(e.Args, []any{"w", 1.0, map[string]any{"a": []any{1.0, 2.0}}, nil}) {
		t.Fatalf("event %q %#v ack %v", e.Name, e.Args, e.HasAck())
	}
	var v struct{ A []int }
	if err := e.Bind(2, &v); err != nil || !reflect.DeepEqual(v.A, []int{1, 2}) {
		t.Fatalf("Bind = %v, %+v", err, v)
	}
	var str string
	if err := e.Bind(0, &str); err != nil || str != "w" {
		t.Fatalf("Bind = %v, %q", err, str)
	}
	if err := e.Bind(4, &str); err == nil {
		t.Fatal("Bind past the last argument succeeded")
	}
	if err := e.Ack(); !errors.Is(err, ErrNoAck) {
		t.Fatalf("Ack without ack id: %v", err)
	}

	c.send(`2[42,"x"]`) // a number is a valid event name
	if e := recv(t, events); e.Name != "42" || e.Args[0] != "x" {
		t.Fatalf("event %q %v", e.Name, e.Args)
	}
	c.send(`2["unhandled"]`)
	c.send(`2["replaced"]`)
	if e := recv(t, events); e.Name != "replaced" {
		t.Fatalf("event %q", e.Name)
	}
	if want := []string{"hello", "42", "unhandled", "replaced"}; !reflect.DeepEqual(anySeen, want) {
		t.Fatalf("OnAny saw %v, want %v", anySeen, want)
	}
}

func TestAckFromServer(t *testing.T) {
	ts := newTestServer(t, Options{}, func(srv *Server) {
		srv.Of("/").OnConnection(func(s *Socket) {
			s.On("sum", func(e *Event) {
				var a, b float64
				_ = e.Bind(0, &a)
				_ = e.Bind(1, &b)
				if err := e.Ack(a + b); err != nil {
					t.Error(err)
				}
				if err := e.Ack(0); !errors.Is(err, ErrAlreadyAcked) {
					t.Errorf("second Ack: %v", err)
				}
			})
			s.On("empty", func(e *Event) { _ = e.Ack() })
			s.On("later", func(e *Event) {
				go func() { _ = e.Ack("from another goroutine") }()
			})
		})
		srv.Of("/custom").OnConnection(func(s *Socket) {
			s.On("sum", func(e *Event) { _ = e.Ack("custom") })
		})
	})
	c := ts.dial(t, "EIO=4")
	c.connect("/", "")
	c.connect("/custom", "")
	c.send(`21["sum",1,2]`)
	c.expect(`31[3]`)
	c.send(`20["empty"]`)
	c.expect(`30[]`)
	c.send(`2123456789012345["later"]`)
	c.expect(`3123456789012345["from another goroutine"]`)
	c.send(`2/custom,7["sum"]`)
	c.expect(`3/custom,7["custom"]`)
}

func TestEmitWithAck(t *testing.T) {
	sockets := make(chan *Socket, 10)
	ts := newTestServer(t, Options{}, func(srv *Server) {
		srv.Of("/").OnConnection(func(s *Socket) { sockets <- s })
	})
	c, s := ts.dialSocket(t, "", sockets)

	type result struct {
		args []any
		err  error
	}
	ask := func(ctx context.Context, args ...any) chan result {
		ch := make(chan result, 1)
		go func() {
			a, err := s.EmitWithAck(ctx, "question", args...)
			ch <- result{a, err}
		}()
		return ch
	}

	t.Run("answered", func(t *testing.T) {
		r1 := ask(context.Background(), "q1")
		p1 := c.packet()
		r2 := ask(context.Background(), "q2")
		p2 := c.packet()
		if p1.Type != parser.Event || !p1.HasID || !p2.HasID || p1.ID == p2.ID {
			t.Fatalf("packets %+v %+v", p1, p2)
		}
		// Answered in the other order.
		c.send("3" + strconv.FormatUint(p2.ID, 10) + `["a2",2]`)
		c.send("3" + strconv.FormatUint(p1.ID, 10) + `["a1"]`)
		if r := recv(t, r1); r.err != nil || !reflect.DeepEqual(r.args, []any{"a1"}) {
			t.Fatalf("first: %v %v", r.args, r.err)
		}
		if r := recv(t, r2); r.err != nil || !reflect.DeepEqual(r.args, []any{"a2", 2.0}) {
			t.Fatalf("second: %v %v", r.args, r.err)
		}
		// An ack nobody waits for is ignored.
		c.send("3" + strconv.FormatUint(p1.ID, 10) + `["again"]`)
		c.send(`399["unknown"]`)
	})

	t.Run("timeout", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		r := ask(ctx, "slow")
		p := c.packet()
		res := recv(t, r)
		if !errors.Is(res.err, ErrAckTimeout) || !errors.Is(res.err, context.DeadlineExceeded) {
			t.Fatalf("err %v, want ErrAckTimeout wrapping DeadlineExceeded", res.err)
		}
		// A late answer does no harm.
		c.send("3" + strconv.FormatUint(p.ID, 10) + `["late"]`)
		r = ask(context.Background(), "after")
		p = c.packet()
		c.send("3" + strconv.FormatUint(p.ID, 10) + `["ok"]`)
		if res := recv(t, r); res.err != nil || res.args[0] != "ok" {
			t.Fatalf("after a timeout: %v %v", res.args, res.err)
		}
	})

	t.Run("binary answer", func(t *testing.T) {
		r := ask(context.Background(), []byte("bin question"))
		p := c.packet()
		if b, _ := p.Data.([]any)[1].([]byte); string(b) != "bin question" {
			t.Fatalf("question %#v", p.Data)
		}
		c.send("61-" + strconv.FormatUint(p.ID, 10) + `[{"_placeholder":true,"num":0}]`)
		c.sendBinary([]byte{0, 1, 2})
		if res := recv(t, r); res.err != nil || !reflect.DeepEqual(res.args, []any{[]byte{0, 1, 2}}) {
			t.Fatalf("binary answer %#v %v", res.args, res.err)
		}
	})

	t.Run("disconnected", func(t *testing.T) {
		r := ask(context.Background(), "never answered")
		c.packet()
		c.send("1") // leave the namespace
		if res := recv(t, r); !errors.Is(res.err, ErrDisconnected) {
			t.Fatalf("err %v, want ErrDisconnected", res.err)
		}
		if _, err := s.EmitWithAck(context.Background(), "x"); !errors.Is(err, ErrDisconnected) {
			t.Fatalf("EmitWithAck after disconnect: %v", err)
		}
		if err := s.Emit("x"); !errors.Is(err, ErrDisconnected) {
			t.Fatalf("Emit after disconnect: %v", err)
		}
	})
}

func TestReservedEvents(t *testing.T) {
	sockets := make(chan *Socket, 1)
	ts := newTestServer(t, Options{}, func(srv *Server) {
		srv.Of("/").OnConnection(func(s *Socket) { sockets <- s })
	})
	_, s := ts.dialSocket(t, "", sockets)
	for name := range reservedEvents {
		if err := s.Emit(name); !errors.Is(err, ErrReservedEvent) {
			t.Errorf("Emit(%q): %v", name, err)
		}
		if _, err := s.EmitWithAck(context.Background(), name); !errors.Is(err, ErrReservedEvent) {
			t.Errorf("EmitWithAck(%q): %v", name, err)
		}
		if err := ts.srv.Of("/").Emit(name); !errors.Is(err, ErrReservedEvent) {
			t.Errorf("Namespace.Emit(%q): %v", name, err)
		}
	}
}

func TestBinaryEvents(t *testing.T) {
	events := make(chan *Event, 10)
	ts := newTestServer(t, Options{}, func(srv *Server) {
		srv.Of("/").OnConnection(func(s *Socket) {
			s.On("upload", func(e *Event) {
				events <- e
				if e.HasAck() {
					_ = e.Ack([]byte("ok"), "text", map[string]any{"nested": []byte{7}})
				}
			})
			s.On("download", func(e *Event) {
				_ = s.Emit("file", map[string]any{"name": "a.bin", "data": []byte{9, 8}})
			})
		})
		srv.Of("/custom").OnConnection(func(s *Socket) {
			s.On("upload", func(e *Event) { events <- e })
		})
	})
	c := ts.dial(t, "EIO=4")
	c.connect("/", "")
	c.connect("/custom", "")

	c.send(`51-["upload",{"_placeholder":true,"num":0}]`)
	c.sendBinary([]byte{1, 2, 3})
	if e := recv(t, events); !reflect.DeepEqual(e.Args, []any{[]byte{1, 2, 3}}) {
		t.Fatalf("args %#v", e.Args)
	}

	c.send(`52-/custom,["upload",{"_placeholder":true,"num":1},{"k":{"_placeholder":true,"num":0}}]`)
	c.sendBinary([]byte("zero"))
	c.sendBinary([]byte("one"))
	if e := recv(t, events); !reflect.DeepEqual(e.Args, []any{[]byte("one"), map[string]any{"k": []byte("zero")}}) {
		t.Fatalf("args %#v", e.Args)
	}

	// With an ack, answered with binary.
	c.send(`51-5["upload",{"_placeholder":true,"num":0}]`)
	c.sendBinary([]byte{})
	if e := recv(t, events); !reflect.DeepEqual(e.Args, []any{[]byte{}}) {
		t.Fatalf("args %#v", e.Args)
	}
	c.expect(`62-5[{"_placeholder":true,"num":0},"text",{"nested":{"_placeholder":true,"num":1}}]`)
	if b := c.binary(); string(b) != "ok" {
		t.Fatalf("attachment 0 %q", b)
	}
	if b := c.binary(); string(b) != "\x07" {
		t.Fatalf("attachment 1 %q", b)
	}

	// From the server.
	c.send(`2["download"]`)
	c.expect(`51-["file",{"data":{"_placeholder":true,"num":0},"name":"a.bin"}]`)
	if b := c.binary(); string(b) != "\x09\x08" {
		t.Fatalf("attachment %q", b)
	}
}

func TestInvalidPacketClosesConnection(t *testing.T) {
	tests := []struct {
		name   string
		send   []string // text frames; "\x00..." is a binary frame
		reason string
	}{
		{"event data not an array", []string{`2"x"`}, ReasonParseError},
		{"event name not a string", []string{`2[{}]`}, ReasonParseError},
		{"reserved event name", []string{`2["disconnect"]`}, ReasonParseError},
		{"unknown type", []string{`9`}, ReasonParseError},
		{"bad JSON", []string{`2["a"`}, ReasonParseError},
		{"disconnect with data", []string{`1{}`}, ReasonParseError},
		{"connect with a string", []string{`0"x"`}, ReasonParseError},
		{"binary when not reconstructing", []string{"\x00abc"}, ReasonParseError},
		{"plaintext while reconstructing", []string{`51-["a",{"_placeholder":true,"num":0}]`, `2["b"]`}, ReasonParseError},
		{"placeholder out of range", []string{`51-["a",{"_placeholder":true,"num":4}]`, "\x00x"}, ReasonParseError},
		{"too many attachments", []string{`511-["a"]`}, ReasonParseError},
	}
	reasons := make(chan string, 100)
	ts := newTestServer(t, Options{}, func(srv *Server) {
		srv.Of("/").OnConnection(func(s *Socket) {
			s.OnDisconnect(func(r string) { reasons <- r })
		})
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ts.dial(t, "EIO=4")
			c.connect("/", "")
			for _, m := range tt.send {
				if m != "" && m[0] == 0 {
					c.sendBinary([]byte(m[1:]))
				} else {
					c.send(m)
				}
			}
			c.waitClosed()
			if r := recv(t, reasons); r != tt.reason {
				t.Fatalf("disconnect reason %q, want %q", r, tt.reason)
			}
		})
	}
}
