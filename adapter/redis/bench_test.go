package redis

import (
	"context"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rpsio/rpsio/adapter/internal/notepack"
	"github.com/rpsio/rpsio/internal/redistest"
	"github.com/rpsio/rpsio/socketio"
	"github.com/rpsio/rpsio/socketio/parser"
)

// benchPacket is a typical game broadcast: an event with a small object.
func benchPacket() *parser.Packet {
	return &parser.Packet{Type: parser.Event, Namespace: "/", Data: []any{"result", map[string]any{
		"round": 3.0, "moves": map[string]any{"p1": "rock", "p2": "paper"}, "scores": []any{1.0, -1.0},
	}}}
}

// BenchmarkEncodeBroadcast: the MessagePack a node publishes per broadcast,
// in a buffer of the pool as publishing takes it.
func BenchmarkEncodeBroadcast(b *testing.B) {
	a := fuzzAdapter(b, false)
	p := benchPacket()
	opts := socketio.BroadcastOptions{Rooms: []string{"room:42"}}
	b.ReportAllocs()
	for b.Loop() {
		buf := payloadPool.Get().(*[]byte)
		msg, err := a.appendClassicBroadcast((*buf)[:0], p.Data, opts)
		if err != nil {
			b.Fatal(err)
		}
		*buf = msg
		_ = a.roomChannelName(opts.Rooms[0])
		releasePayload(buf)
	}
}

// BenchmarkHandleBroadcast: decoding a broadcast from another node and
// delivering it to the local sockets (none here: the decode path only).
func BenchmarkHandleBroadcast(b *testing.B) {
	a := fuzzAdapter(b, false)
	p := benchPacket()
	msg, _ := notepack.Marshal([]any{"other1",
		notepack.Map{{Key: "type", Value: 2}, {Key: "data", Value: p.Data}, {Key: "nsp", Value: "/"}},
		notepack.Map{{Key: "rooms", Value: []string{"room:42"}}, {Key: "except", Value: []string{}}, {Key: "flags", Value: notepack.Map{}}}})
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if err := a.handleBroadcast(msg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPublish: broadcasts published through a real redis-server as
// fast as the queue takes them, and received by a second node, end to end
// (batched pipelines). The publisher outruns the receiver here: what the
// receiver drops (its queue full) is reported as dropped/op.
func BenchmarkPublish(b *testing.B) {
	rs := redistest.Start(b)
	A := New(newBenchClient(b, rs), Options{Logger: quiet})
	B := New(newBenchClient(b, rs), Options{Logger: quiet})
	srvA := socketio.NewServer(socketio.Options{Adapter: A.Adapter, Logger: quiet})
	srvB := socketio.NewServer(socketio.Options{Adapter: B.Adapter, Logger: quiet})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, s := range []*socketio.Server{srvA, srvB} {
		if err := s.Run(ctx); err != nil {
			b.Fatal(err)
		}
		defer s.Shutdown(ctx)
	}
	p := benchPacket()
	nsp := srvA.Of("/")
	before := B.Stats().Received
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for nsp.Adapter().Broadcast(p, socketio.BroadcastOptions{}) != nil {
			time.Sleep(time.Millisecond) // queue full: let the writer catch up
		}
		n++
	}
	// Everything published arrives; what the receiver could not keep up
	// with is dropped and counted, and reported here.
	for B.Stats().Received-before < uint64(n) {
		if ctx.Err() != nil {
			b.Fatalf("received %d of %d; publisher %+v, receiver %+v", B.Stats().Received-before, n, A.Stats(), B.Stats())
		}
		time.Sleep(time.Millisecond)
	}
	b.ReportMetric(float64(B.Stats().ReceiveDropped)/float64(n), "dropped/op")
}

func newBenchClient(b *testing.B, rs *redistest.Server) *goredis.Client {
	c := goredis.NewClient(&goredis.Options{Addr: rs.Addr()})
	b.Cleanup(func() { _ = c.Close() })
	return c
}
