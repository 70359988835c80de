//go:build unix

package engineio

import (
	"sync"
	"syscall"
)

const tryWriteSupported = true

// tryWrite makes one non-blocking write(2) of b on the connection's socket
// (Go keeps it in non-blocking mode) and reports how much it took; a full
// socket is not an error.
func tryWrite(rc syscall.RawConn, b []byte) (int, error) {
	w := writers.Get().(*rawWriter)
	w.b = b
	err := rc.Write(w.fn)
	n, werr := w.n, w.err
	*w = rawWriter{fn: w.fn}
	writers.Put(w)
	if n < 0 {
		n = 0
	}
	if werr == syscall.EAGAIN {
		werr = nil
	}
	if err == nil {
		err = werr
	}
	return n, err
}

// rawWriter is tryWrite's callback with its state, pooled so that a write
// allocates nothing.
type rawWriter struct {
	b   []byte
	n   int
	err error
	fn  func(fd uintptr) bool // w.write, bound once
}

var writers = sync.Pool{New: func() any {
	w := &rawWriter{}
	w.fn = w.write
	return w
}}

func (w *rawWriter) write(fd uintptr) bool {
	for {
		w.n, w.err = syscall.Write(int(fd), w.b)
		if w.err != syscall.EINTR {
			return true // never wait here: the flusher does
		}
	}
}
