// Package redistest runs a real redis-server for tests: on a free loopback
// port, persistence off, in a temporary directory, stopped when the test
// ends. Stop and Start simulate an outage on the same port.
//
// Methods are safe for concurrent use.
package redistest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is one redis-server process (or none, while stopped).
type Server struct {
	t    testing.TB
	bin  string
	port int
	dir  string

	mu  sync.Mutex
	cmd *exec.Cmd
}

// Start starts a redis-server on a free port and registers its stop with
// t.Cleanup. The test fails, saying how to install it, when redis-server
// is not on PATH (or at $REDIS_SERVER).
func Start(t testing.TB, extraArgs ...string) *Server {
	t.Helper()
	bin := os.Getenv("REDIS_SERVER")
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("redis-server"); err != nil {
			t.Fatalf("redis-server not found: these tests need a real Redis (Debian: apt-get install redis-server; .ci/run installs it)")
		}
	}
	s := &Server{t: t, bin: bin, port: freePort(t), dir: t.TempDir()}
	t.Cleanup(s.Stop)
	s.start(extraArgs)
	return s
}

func freePort(t testing.TB) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Addr is host:port.
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// URL is the redis:// URL of the server.
func (s *Server) URL() string { return "redis://" + s.Addr() }

// Start starts the server again after Stop, on the same port.
func (s *Server) Start() {
	s.t.Helper()
	s.start(nil)
}

func (s *Server) start(extra []string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return
	}
	args := append([]string{
		"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", s.dir,
		"--daemonize", "no", "--loglevel", "warning",
	}, extra...)
	cmd := exec.Command(s.bin, args...)
	cmd.Dir = s.dir
	out, err := os.Create(fmt.Sprintf("%s/redis-%d.log", s.dir, time.Now().UnixNano()))
	if err != nil {
		s.t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		out.Close()
		s.t.Fatalf("starting redis-server: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); out.Close(); close(exited) }()
	s.cmd = cmd
	deadline := time.Now().Add(10 * time.Second)
	for {
		if ping(s.Addr()) == nil {
			return
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(out.Name())
			s.cmd = nil
			s.t.Fatalf("redis-server exited at start:\n%s", log)
		default:
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			s.cmd = nil
			s.t.Fatal("redis-server did not answer PING within 10 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Stop kills the server (as a crash would: no goodbye to its clients) and
// waits until its port is free. It does nothing when stopped.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_, _ = s.cmd.Process.Wait()
	s.cmd = nil
	for range 500 {
		c, err := net.DialTimeout("tcp", s.Addr(), 100*time.Millisecond)
		if err != nil {
			return
		}
		c.Close()
		time.Sleep(10 * time.Millisecond)
	}
}

// Do sends one command and returns its reply on one line: a simple reply
// as Redis writes it ("+OK", ":3"), an array of bulk strings and integers
// as "*N elem elem..." (for checks such as PUBSUB NUMSUB).
func (s *Server) Do(args ...string) (string, error) {
	c, err := net.DialTimeout("tcp", s.Addr(), time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := c.Write([]byte(b.String())); err != nil {
		return "", err
	}
	r := bufio.NewReader(c)
	var lines []string
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	lines = append(lines, strings.TrimRight(line, "\r\n"))
	// An array reply: read its elements (one level, bulk strings and ints).
	if strings.HasPrefix(line, "*") {
		n, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
		for i := 0; i < n; i++ {
			l, err := r.ReadString('\n')
			if err != nil {
				return "", err
			}
			l = strings.TrimPrefix(l, ":")
			if strings.HasPrefix(l, "$") {
				l, err = r.ReadString('\n')
				if err != nil {
					return "", err
				}
			}
			lines = append(lines, strings.TrimRight(l, "\r\n"))
		}
	}
	return strings.Join(lines, " "), nil
}

func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "+PONG") {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}

// mainTB lets StartMain use Start outside a test: it fails by panicking
// and keeps its cleanups for the returned stop function.
type mainTB struct {
	testing.TB // nil: only the methods below are called
	cleanups   []func()
	dirs       []string
}

func (m *mainTB) Helper()                      {}
func (m *mainTB) Fatal(args ...any)            { panic(fmt.Sprint(args...)) }
func (m *mainTB) Fatalf(f string, args ...any) { panic(fmt.Sprintf(f, args...)) }
func (m *mainTB) Cleanup(f func())             { m.cleanups = append(m.cleanups, f) }
func (m *mainTB) TempDir() string {
	d, err := os.MkdirTemp("", "redistest")
	if err != nil {
		panic(err)
	}
	m.dirs = append(m.dirs, d)
	return d
}

// StartMain starts a server from TestMain (for Example functions, which
// have no testing.T). It panics, saying why, when it cannot; stop stops
// the server and removes its directory.
func StartMain() (s *Server, stop func()) {
	m := &mainTB{}
	s = Start(m)
	return s, func() {
		for i := len(m.cleanups) - 1; i >= 0; i-- {
			m.cleanups[i]()
		}
		for _, d := range m.dirs {
			_ = os.RemoveAll(d)
		}
	}
}
