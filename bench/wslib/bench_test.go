package wslib

import (
	"bytes"
	"syscall"
	"testing"
	"time"
)

// cpuTime returns the CPU time this process has used, in nanoseconds.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkIdleConnMemory measures the server-side memory of -wslib.conns
// idle connections (default 5000) per adapter. Each iteration uses a fresh
// server process and a separate client process; the metrics are averages
// over b.N iterations (use -benchtime 1x). ns/op is the wall time of one
// whole iteration (start processes, connect all, measure, tear down).
func BenchmarkIdleConnMemory(b *testing.B) {
	for _, a := range Adapters {
		b.Run(a.Name, func(b *testing.B) {
			var hs, ha, st, sys, gr float64
			for i := 0; i < b.N; i++ {
				res, err := MeasureIdle(a.Name, *flagConns, *flagInHandler)
				if err != nil {
					b.Fatal(err)
				}
				h1, h2, s1, s2, g := res.PerConn()
				hs, ha, st, sys, gr = hs+h1, ha+h2, st+s1, sys+s2, gr+g
			}
			n := float64(b.N)
			b.ReportMetric(hs/n, "heap+stack-B/conn")
			b.ReportMetric(ha/n, "heapalloc-B/conn")
			b.ReportMetric(st/n, "stack-B/conn")
			b.ReportMetric(sys/n, "sys-B/conn")
			b.ReportMetric(gr/n, "goroutines/conn")
			b.ReportMetric(float64(*flagConns), "conns")
		})
	}
}

// BenchmarkEcho measures the round trip of one message over one connection:
// the client writes a message and reads the echo; the server's reader puts
// it on the queue and its writer writes it back. Client and server share
// this process; the client (RawClient) is the same for every adapter and
// does not allocate in steady state. cpu-ns/op is the CPU time (user+system,
// all threads, client included) per round trip: unlike ns/op it does not
// grow when other processes on the machine take the CPUs.
func BenchmarkEcho(b *testing.B) {
	sizes := []struct {
		name   string
		size   int
		binary bool
	}{
		{"text-128B", 128, false},
		{"binary-16KiB", 16 << 10, true},
	}
	for _, a := range Adapters {
		if a.NoEcho {
			continue
		}
		for _, sz := range sizes {
			b.Run(a.Name+"/"+sz.name, func(b *testing.B) {
				ts := startTestServer(b, a, *flagInHandler)
				c := ts.dial(b)
				payload := bytes.Repeat([]byte("x"), sz.size)
				want := byte(OpText)
				if sz.binary {
					want = OpBinary
				}
				c.SetDeadline(time.Now().Add(10 * time.Minute))
				b.SetBytes(int64(sz.size))
				b.ReportAllocs()
				b.ResetTimer()
				cpu0 := cpuTime()
				for i := 0; i < b.N; i++ {
					if err := c.WriteMessage(sz.binary, payload); err != nil {
						b.Fatal(err)
					}
					op, p, err := c.ReadMessage()
					if err != nil {
						b.Fatal(err)
					}
					if op != want || len(p) != sz.size {
						b.Fatalf("echo: op %d, %d bytes; want op %d, %d bytes", op, len(p), want, sz.size)
					}
				}
				b.StopTimer()
				b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
				c.Close()
			})
		}
	}
}
