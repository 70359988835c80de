package pprofserver

import (
	"net/http"
	"testing"
)

// Start serves the profiles until Close, and fails on an address it cannot
// listen on. (cmd/rpsio's TestPprof fetches each profile through it.)
func TestStart(t *testing.T) {
	ps, addr, err := Start("127.0.0.1:0", func(err error) { t.Errorf("serving: %v", err) })
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + addr + "/debug/pprof/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/debug/pprof/cmdline: %s", resp.Status)
	}
	if err := ps.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get("http://" + addr + "/debug/pprof/"); err == nil {
		t.Fatal("still serving after Close")
	}
	if _, _, err := Start("127.0.0.1:99999", nil); err == nil {
		t.Fatal("Start on a bad address did not fail")
	}
}
