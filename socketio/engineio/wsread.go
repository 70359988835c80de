package engineio

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"
	"syscall"
	"time"
)

// wsReader reads a client's WebSocket frames from the connection once
// gorilla has done the HTTP upgrade. It exists for memory: an idle
// connection holds no read buffer (one is taken from a shared pool when
// bytes arrive and given back when they are consumed) and its goroutine
// waits for the socket in a shallow call (rawConn.Read), so that the
// collector can shrink its stack to the minimum. Only the session's
// reading goroutine uses it.
type wsReader struct {
	nc    net.Conn
	rc    syscall.RawConn // nil: plain blocking reads into a held buffer
	limit int64

	bp   *[]byte // pooled buffer, nil when nothing is pending
	r, w int     // unread bytes are (*bp)[r:w]

	frag   []byte // data message being reassembled from fragments
	fragOp byte
	inFrag bool

	// read callback state (bound once: no allocation per read)
	fn   func(fd uintptr) bool
	n    int
	rerr error

	handled bool // a message was handled since this goroutine started waiting
	// The last packet was a heartbeat (pong, or a protocol 3 ping), not a
	// message.
	heartbeat    bool
	handedOverAt int64 // nanotime of the last hand-over to a fresh goroutine (0: none yet)
}

// handOverMinGap is the least time between two hand-overs of a busy
// connection's wait to a fresh goroutine (runWebSocket). A go statement
// per message costs a goroutine and, with an idle P, a wake-up of another
// thread (futex), which measured as a large part of the CPU per ack with
// two cores; a busy connection does not need its stack small.
const handOverMinGap = 100 * time.Millisecond

// handOverDue tells whether the reader, which has handled a message since
// it started waiting, should move its wait to a fresh goroutine now: at
// once if the last hand-over was long enough ago (a connection that goes
// quiet after a message waits on a small stack from then), else only
// after a heartbeat packet, which every connection gets within a ping
// interval: so a connection that went quiet right after a burst gets its
// small stack at its next pong at the latest.
func (rd *wsReader) handOverDue() bool {
	return rd.heartbeat || rd.handedOverAt == 0 || nanotime()-rd.handedOverAt >= int64(handOverMinGap)
}

// nanotime is a monotonic clock in nanoseconds, from 1 (never 0).
func nanotime() int64 { return int64(time.Since(clockStart)) + 1 }

var clockStart = time.Now()

// readBufSize is the pooled buffer's size: a message that fits is handed
// over without a copy.
const readBufSize = 4096

var readBufs = sync.Pool{New: func() any { b := make([]byte, readBufSize); return &b }}

// Errors that end a WebSocket, with the close code sent to the client.
var (
	errWSProtocol = errors.New("engineio: websocket protocol error")  // 1002
	errWSTooBig   = errors.New("engineio: websocket message too big") // 1009
)

func newWSReader(nc net.Conn, limit int64) *wsReader {
	rd := &wsReader{nc: nc, limit: limit}
	if sc, ok := nc.(syscall.Conn); ok && tryWriteSupported {
		if rc, err := sc.SyscallConn(); err == nil {
			rd.rc = rc
		}
	}
	rd.fn = rd.readFD
	return rd
}

// drop gives the buffer back for good (the connection is done).
func (rd *wsReader) drop() {
	if rd.bp != nil {
		readBufs.Put(rd.bp)
		rd.bp = nil
	}
}

// discard reads and drops whatever comes, until an error.
func (rd *wsReader) discard() error {
	if rd.bp == nil {
		rd.bp = readBufs.Get().(*[]byte)
	}
	_, err := rd.nc.Read(*rd.bp)
	rd.r, rd.w = 0, 0
	return err
}

func (rd *wsReader) buffered() int { return rd.w - rd.r }

// release gives the buffer back when nothing is pending in it.
func (rd *wsReader) release() {
	if rd.bp != nil && rd.r == rd.w {
		readBufs.Put(rd.bp)
		rd.bp, rd.r, rd.w = nil, 0, 0
	}
}

func (rd *wsReader) readFD(fd uintptr) bool {
	if rd.bp == nil {
		rd.bp = readBufs.Get().(*[]byte)
		rd.r, rd.w = 0, 0
	}
	for {
		rd.n, rd.rerr = syscall.Read(int(fd), (*rd.bp)[rd.w:])
		if rd.rerr != syscall.EINTR {
			break
		}
	}
	if rd.rerr == syscall.EAGAIN {
		rd.release() // wait without a buffer
		return false
	}
	return true
}

// fill reads more bytes into the buffer, waiting for them if need be.
func (rd *wsReader) fill() error {
	if rd.bp != nil && rd.r > 0 && (rd.w == len(*rd.bp) || rd.r == rd.w) {
		n := copy(*rd.bp, (*rd.bp)[rd.r:rd.w])
		rd.r, rd.w = 0, n
	}
	if rd.rc == nil {
		if rd.bp == nil {
			rd.bp = readBufs.Get().(*[]byte)
		}
		n, err := rd.nc.Read((*rd.bp)[rd.w:])
		rd.w += n
		if n > 0 {
			return nil
		}
		if err == nil {
			err = io.ErrNoProgress
		}
		return err
	}
	if err := rd.rc.Read(rd.fn); err != nil {
		return err // a deadline, or the connection was closed
	}
	if rd.rerr != nil {
		return rd.rerr
	}
	if rd.n <= 0 {
		return io.EOF
	}
	rd.w += rd.n
	return nil
}

// need makes n bytes available in the buffer (n <= readBufSize).
func (rd *wsReader) need(n int) error {
	for rd.buffered() < n {
		if err := rd.fill(); err != nil {
			return err
		}
	}
	return nil
}

// readFull copies exactly len(dst) bytes: from the buffer, then straight
// from the connection.
func (rd *wsReader) readFull(dst []byte) error {
	k := copy(dst, (*rd.bp)[rd.r:rd.w])
	rd.r += k
	for k < len(dst) {
		n, err := rd.nc.Read(dst[k:])
		k += n
		if err != nil && k < len(dst) {
			return err
		}
	}
	return nil
}

// next returns the next data message (opcode 1 or 2) or control frame
// (8, 9, 10). Its payload is valid until the following call.
func (rd *wsReader) next() (op byte, payload []byte, err error) {
	for {
		if err := rd.need(2); err != nil {
			return 0, nil, err
		}
		b := (*rd.bp)[rd.r:]
		fin, rsv, opcode := b[0]&0x80 != 0, b[0]&0x70, b[0]&0x0f
		masked, n7 := b[1]&0x80 != 0, int64(b[1]&0x7f)
		hdr := 2
		switch n7 {
		case 126:
			hdr = 4
		case 127:
			hdr = 10
		}
		if masked {
			hdr += 4
		}
		if err := rd.need(hdr); err != nil {
			return 0, nil, err
		}
		b = (*rd.bp)[rd.r:]
		length := n7
		switch n7 {
		case 126:
			length = int64(binary.BigEndian.Uint16(b[2:]))
		case 127:
			u := binary.BigEndian.Uint64(b[2:])
			if u > 1<<62 {
				return 0, nil, errWSTooBig
			}
			length = int64(u)
		}
		var key [4]byte
		if masked {
			copy(key[:], b[hdr-4:hdr])
		}
		control := opcode >= 8
		switch {
		case rsv != 0, !masked: // no extension is negotiated; clients must mask
			return 0, nil, errWSProtocol
		case control && (!fin || length > 125), opcode > 10, opcode > 2 && opcode < 8:
			return 0, nil, errWSProtocol
		case opcode == 0 && !rd.inFrag, (opcode == 1 || opcode == 2) && rd.inFrag:
			return 0, nil, errWSProtocol
		}
		total := length
		if opcode == 0 {
			total += int64(len(rd.frag))
		}
		if !control && total > rd.limit {
			return 0, nil, errWSTooBig
		}
		rd.r += hdr
		// The payload: in place when it fits the buffer, else read into
		// a slice of its own.
		var p []byte
		if int(length) <= readBufSize {
			if rd.r+int(length) > readBufSize {
				n := copy(*rd.bp, (*rd.bp)[rd.r:rd.w])
				rd.r, rd.w = 0, n
			}
			if err := rd.need(int(length)); err != nil {
				return 0, nil, err
			}
			p = (*rd.bp)[rd.r : rd.r+int(length)]
			rd.r += int(length)
		} else {
			p = make([]byte, length)
			if err := rd.readFull(p); err != nil {
				return 0, nil, err
			}
		}
		maskBytes(key, p)
		switch {
		case control:
			return opcode, p, nil
		case opcode != 0 && fin:
			return opcode, p, nil
		case opcode != 0: // first fragment
			rd.inFrag, rd.fragOp = true, opcode
			rd.frag = append(rd.frag[:0], p...)
		default: // continuation
			rd.frag = append(rd.frag, p...)
			if fin {
				rd.inFrag = false
				msg := rd.frag
				rd.frag = nil
				return rd.fragOp, msg, nil
			}
		}
	}
}

func maskBytes(key [4]byte, b []byte) {
	k := binary.LittleEndian.Uint32(key[:])
	k64 := uint64(k) | uint64(k)<<32
	i := 0
	for ; i+8 <= len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], binary.LittleEndian.Uint64(b[i:])^k64)
	}
	for ; i < len(b); i++ {
		b[i] ^= key[i&3]
	}
}

// closeFrameWith is a close frame with that status code.
func closeFrameWith(code uint16) []byte {
	return []byte{0x88, 0x02, byte(code >> 8), byte(code)}
}
