package wslib

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// The idle-memory measurement runs in three processes:
//
//   - the parent (the benchmark) orchestrates and reports;
//   - a server child runs one adapter's handler and measures its own
//     runtime.MemStats before and after the connections are established;
//   - a client child opens the connections and keeps them idle.
//
// Both children are the test binary itself, re-executed with WSLIB_ROLE set
// (see RunRole). The server gets a fresh process per measurement because
// MemStats.Sys never goes down: in a shared process every adapter after the
// first would reuse memory its predecessors obtained from the OS.
//
// Protocol: the server prints "LISTEN addr"; the client prints "READY n" once
// n handshakes have succeeded; the parent sends "MEASURE" to the server, which
// waits for n connections, settles, GCs and prints "RESULT {json}"; the parent
// closes the client's stdin (the client closes its connections and exits) and
// sends "SHUTDOWN" to the server, which waits for every reader and writer
// goroutine to return, checks the goroutine count is back to its baseline and
// prints "DONE".

const (
	envRole      = "WSLIB_ROLE"
	envAdapter   = "WSLIB_ADAPTER"
	envAddr      = "WSLIB_ADDR"
	envConns     = "WSLIB_CONNS"
	envInHandler = "WSLIB_IN_HANDLER"
)

// MemSample is the part of runtime.MemStats the benchmark reports.
type MemSample struct {
	HeapInuse, StackInuse, HeapAlloc, Sys uint64
	Goroutines                            int
}

func sample() MemSample {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return MemSample{
		HeapInuse:  ms.HeapInuse,
		StackInuse: ms.StackInuse,
		HeapAlloc:  ms.HeapAlloc,
		Sys:        ms.Sys,
		Goroutines: runtime.NumGoroutine(),
	}
}

// IdleResult is what the server child reports.
type IdleResult struct {
	Conns         int
	Before, After MemSample
}

// PerConn returns the per-connection deltas.
func (r IdleResult) PerConn() (heapStack, heapAlloc, stack, sys, goroutines float64) {
	n := float64(r.Conns)
	d := func(a, b uint64) float64 { return (float64(a) - float64(b)) / n }
	heapStack = d(r.After.HeapInuse+r.After.StackInuse, r.Before.HeapInuse+r.Before.StackInuse)
	heapAlloc = d(r.After.HeapAlloc, r.Before.HeapAlloc)
	stack = d(r.After.StackInuse, r.Before.StackInuse)
	sys = d(r.After.Sys, r.Before.Sys)
	goroutines = float64(r.After.Goroutines-r.Before.Goroutines) / n
	return
}

// settle waits until the goroutine count has been stable for a while (every
// reader and writer is blocked), then collects garbage until the heap stops
// shrinking. GC also shrinks goroutine stacks that grew during the handshake.
func settle() {
	prev, stable := -1, 0
	for stable < 5 {
		n := runtime.NumGoroutine()
		if n == prev {
			stable++
		} else {
			prev, stable = n, 0
		}
		time.Sleep(40 * time.Millisecond)
	}
	for i := 0; i < 4; i++ {
		runtime.GC()
	}
}

// RunRole runs this process as a benchmark child if WSLIB_ROLE is set, and
// returns its exit code. ok is false in the ordinary test process.
func RunRole() (code int, ok bool) {
	switch os.Getenv(envRole) {
	case "":
		return 0, false
	case "server":
		return childMain(serverMain), true
	case "client":
		return childMain(clientMain), true
	default:
		fmt.Fprintf(os.Stderr, "unknown %s=%q\n", envRole, os.Getenv(envRole))
		return 2, true
	}
}

func childMain(f func() error) int {
	if err := f(); err != nil {
		fmt.Fprintln(os.Stderr, "wslib child:", err)
		fmt.Println("ERROR", strings.ReplaceAll(err.Error(), "\n", " "))
		return 1
	}
	return 0
}

// stdinLines delivers the lines of stdin; the channel closes at EOF, which
// is also what a child sees if the parent dies.
func stdinLines() <-chan string {
	ch := make(chan string)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			ch <- sc.Text()
		}
	}()
	return ch
}

func serverMain() error {
	a, ok := AdapterByName(os.Getenv(envAdapter))
	if !ok {
		return fmt.Errorf("unknown adapter %q (have %v)", os.Getenv(envAdapter), AdapterNames())
	}
	n, err := strconv.Atoi(os.Getenv(envConns))
	if err != nil || n <= 0 {
		return fmt.Errorf("bad %s=%q", envConns, os.Getenv(envConns))
	}
	hub := NewHub(os.Getenv(envInHandler) == "1")
	srv, addr, err := startHTTP(a.New(hub))
	if err != nil {
		return err
	}
	lines := stdinLines()
	settle()
	before := sample()
	fmt.Println("LISTEN", addr)

	next := func(want string, timeout time.Duration) error {
		select {
		case l, ok := <-lines:
			if !ok {
				return errors.New("stdin closed")
			}
			if l != want {
				return fmt.Errorf("got command %q, want %q", l, want)
			}
			return nil
		case <-time.After(timeout):
			return fmt.Errorf("no %q command after %v", want, timeout)
		}
	}
	defer hub.Shutdown(5 * time.Second)
	defer srv.Close()

	if err := next("MEASURE", 5*time.Minute); err != nil {
		return err
	}
	deadline := time.Now().Add(time.Minute)
	for hub.Active() != n {
		if time.Now().After(deadline) {
			return fmt.Errorf("%d connections active, want %d", hub.Active(), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	settle()
	after := sample()
	res, _ := json.Marshal(IdleResult{Conns: n, Before: before, After: after})
	fmt.Println("RESULT", string(res))

	if err := next("SHUTDOWN", 5*time.Minute); err != nil {
		return err
	}
	// The client has closed its connections: every goroutine must return
	// on its own, without the server forcing anything.
	if err := hub.Wait(30 * time.Second); err != nil {
		return err
	}
	srv.Close()
	if err := waitGoroutines(before.Goroutines, 10*time.Second); err != nil {
		return err
	}
	fmt.Println("DONE")
	return nil
}

// startHTTP serves h at /ws on a new loopback listener.
func startHTTP(h http.Handler) (*http.Server, string, error) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	mux := http.NewServeMux()
	mux.Handle("/ws", h)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return srv, ln.Addr().String(), nil
}

// waitGoroutines waits until at most max goroutines are left; on timeout
// the error carries a goroutine dump.
func waitGoroutines(max int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for runtime.NumGoroutine() > max {
		if time.Now().After(deadline) {
			var b bytes.Buffer
			pprof.Lookup("goroutine").WriteTo(&b, 1)
			return fmt.Errorf("%d goroutines left, want <= %d:\n%s", runtime.NumGoroutine(), max, b.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil
}

func clientMain() error {
	addr := os.Getenv(envAddr)
	n, err := strconv.Atoi(os.Getenv(envConns))
	if err != nil || n <= 0 {
		return fmt.Errorf("bad %s=%q", envConns, os.Getenv(envConns))
	}
	lines := stdinLines()
	conns := make([]*RawClient, n)
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	var next atomic.Int64
	var firstErr error
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := 0; w < 32; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				var c *RawClient
				var err error
				for try := 0; try < 3; try++ {
					if c, err = DialRaw(addr, 512, 10*time.Second); err == nil {
						break
					}
					time.Sleep(50 * time.Millisecond)
				}
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("connection %d: %w", i, err)
					}
					mu.Unlock()
					next.Store(int64(n)) // stop the other workers
					return
				}
				conns[i] = c
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	fmt.Println("READY", n)
	for range lines { // until the parent closes stdin
	}
	return nil
}

// child is a running benchmark child process, seen from the parent.
type child struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string
	stderr *bytes.Buffer
	done   chan error
}

func startChild(role string, env ...string) (*child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), append([]string{envRole + "=" + role}, env...)...)
	// Kill the child if the parent dies.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	c := &child{cmd: cmd, lines: make(chan string, 16), stderr: new(bytes.Buffer), done: make(chan error, 1)}
	cmd.Stderr = &lockedWriter{w: c.stderr}
	if c.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
		close(c.lines)
		c.done <- cmd.Wait()
	}()
	return c, nil
}

// expect returns the rest of the next output line, which must start with
// prefix.
func (c *child) expect(prefix string, timeout time.Duration) (string, error) {
	select {
	case l, ok := <-c.lines:
		if !ok {
			return "", fmt.Errorf("%s child exited before %q; stderr: %s", c.role(), prefix, c.stderrText())
		}
		if rest, found := strings.CutPrefix(l, prefix+" "); found {
			return rest, nil
		}
		if l == prefix {
			return "", nil
		}
		return "", fmt.Errorf("%s child said %q, want %q; stderr: %s", c.role(), l, prefix, c.stderrText())
	case <-time.After(timeout):
		return "", fmt.Errorf("%s child: no %q after %v; stderr: %s", c.role(), prefix, timeout, c.stderrText())
	}
}

func (c *child) send(line string) error {
	_, err := io.WriteString(c.stdin, line+"\n")
	return err
}

// wait closes stdin and waits for a clean exit, killing the child after timeout.
func (c *child) wait(timeout time.Duration) error {
	c.stdin.Close()
	for range c.lines { // drain until the child exits
	}
	select {
	case err := <-c.done:
		if err != nil {
			return fmt.Errorf("%s child: %v; stderr: %s", c.role(), err, c.stderrText())
		}
		return nil
	case <-time.After(timeout):
		c.cmd.Process.Kill()
		<-c.done
		return fmt.Errorf("%s child killed after %v; stderr: %s", c.role(), timeout, c.stderrText())
	}
}

// kill ends the child if it is still running (a no-op once it has
// exited); the output goroutine reaps it.
func (c *child) kill() { c.cmd.Process.Kill() }

func (c *child) role() string {
	for _, e := range c.cmd.Env {
		if r, ok := strings.CutPrefix(e, envRole+"="); ok {
			return r
		}
	}
	return "?"
}

func (c *child) stderrText() string {
	w := c.cmd.Stderr.(*lockedWriter)
	w.mu.Lock()
	defer w.mu.Unlock()
	s := c.stderr.String()
	if len(s) > 4000 {
		s = s[:4000] + "..."
	}
	return s
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}

// MeasureIdle runs one idle-memory measurement of adapter with n
// connections in fresh server and client processes, and cleans both up.
func MeasureIdle(adapter string, n int, readerInHandler bool) (res IdleResult, err error) {
	inh := "0"
	if readerInHandler {
		inh = "1"
	}
	srv, err := startChild("server", envAdapter+"="+adapter, envConns+"="+strconv.Itoa(n), envInHandler+"="+inh)
	if err != nil {
		return res, err
	}
	defer srv.kill()
	addr, err := srv.expect("LISTEN", time.Minute)
	if err != nil {
		return res, err
	}
	cli, err := startChild("client", envAddr+"="+addr, envConns+"="+strconv.Itoa(n))
	if err != nil {
		return res, err
	}
	defer cli.kill()
	if _, err := cli.expect("READY", 5*time.Minute); err != nil {
		return res, err
	}
	if err := srv.send("MEASURE"); err != nil {
		return res, err
	}
	js, err := srv.expect("RESULT", 2*time.Minute)
	if err != nil {
		return res, err
	}
	if err := json.Unmarshal([]byte(js), &res); err != nil {
		return res, fmt.Errorf("bad RESULT %q: %v", js, err)
	}
	if err := cli.wait(time.Minute); err != nil {
		return res, err
	}
	if err := srv.send("SHUTDOWN"); err != nil {
		return res, err
	}
	if _, err := srv.expect("DONE", 2*time.Minute); err != nil {
		return res, err
	}
	return res, srv.wait(time.Minute)
}
