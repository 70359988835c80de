package pprofserver

import (
	"io"
	"net/http"
	"testing"
)

func TestStart(t *testing.T) {
	ps, addr, err := Start("127.0.0.1:0", func(err error) { t.Errorf("serving: %v", err) })
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/goroutine?debug=1", "/debug/pprof/heap", "/debug/pprof/cmdline", "/debug/pprof/symbol"} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || len(b) == 0 {
			t.Fatalf("%s: %s (%d bytes)", path, resp.Status, len(b))
		}
	}
	if err := ps.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get("http://" + addr + "/debug/pprof/"); err == nil {
		t.Fatal("still serving after Close")
	}
	if _, _, err := Start(addr+"0", nil); err == nil {
		t.Fatal("Start on a bad address did not fail")
	}
}
