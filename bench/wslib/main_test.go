package wslib

import (
	"flag"
	"os"
	"testing"
)

var (
	flagConns = flag.Int("wslib.conns", 5000,
		"idle connections per memory measurement")
	flagInHandler = flag.Bool("wslib.inhandler", false,
		"run each reader loop in the net/http handler goroutine instead of a new goroutine")
)

// TestMain lets the test binary re-execute itself as a benchmark child
// (server or client process, see harness.go).
func TestMain(m *testing.M) {
	if code, ok := RunRole(); ok {
		os.Exit(code)
	}
	os.Exit(m.Run())
}
