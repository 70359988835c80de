package engineio

import (
	"bytes"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// bytesConn is a net.Conn that reads from a fixed byte string, a few bytes
// at a time (to exercise partial frames).
type bytesConn struct {
	net.Conn
	r     *bytes.Reader
	chunk int
}

func (c *bytesConn) Read(p []byte) (int, error) {
	if len(p) > c.chunk {
		p = p[:c.chunk]
	}
	return c.r.Read(p)
}
func (c *bytesConn) Close() error { return nil }

// clientFrame builds a masked client frame.
func clientFrame(fin bool, op byte, payload []byte) []byte {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	h := appendWSHeader(nil, b0, len(payload))
	h[1] |= 0x80
	key := [4]byte{1, 2, 3, 4}
	h = append(h, key[:]...)
	p := append([]byte(nil), payload...)
	maskBytes(key, p)
	return append(h, p...)
}

func TestWSReader(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 70000)
	type msg struct {
		op   byte
		data string
	}
	tests := []struct {
		name  string
		in    []byte
		limit int64
		want  []msg
		err   error
	}{
		{"text", clientFrame(true, 1, []byte("4hello")), 100, []msg{{1, "4hello"}}, io.EOF},
		{"binary, empty", clientFrame(true, 2, nil), 100, []msg{{2, ""}}, io.EOF},
		{"fragments with a ping between", bytes.Join([][]byte{
			clientFrame(false, 1, []byte("4he")), clientFrame(true, 9, []byte("p")),
			clientFrame(false, 0, []byte("ll")), clientFrame(true, 0, []byte("o")),
		}, nil), 100, []msg{{9, "p"}, {1, "4hello"}}, io.EOF},
		{"large message (16-bit and 64-bit lengths)", append(clientFrame(true, 1, big[:300]), clientFrame(true, 2, big)...),
			100000, []msg{{1, string(big[:300])}, {2, string(big)}}, io.EOF},
		{"too big", clientFrame(true, 1, []byte("4hello")), 5, nil, errWSTooBig},
		{"too big across fragments", append(clientFrame(false, 1, []byte("4he")), clientFrame(true, 0, []byte("llo"))...), 5, nil, errWSTooBig},
		{"unmasked", []byte{0x81, 0x01, '4'}, 100, nil, errWSProtocol},
		{"reserved bits", func() []byte { f := clientFrame(true, 1, []byte("4")); f[0] |= 0x40; return f }(), 100, nil, errWSProtocol},
		{"continuation without a start", clientFrame(true, 0, []byte("x")), 100, nil, errWSProtocol},
		{"fragmented control frame", clientFrame(false, 9, nil), 100, nil, errWSProtocol},
		{"unknown opcode", clientFrame(true, 3, nil), 100, nil, errWSProtocol},
		{"close", clientFrame(true, 8, []byte{3, 232}), 100, []msg{{8, "\x03\xe8"}}, io.EOF},
		{"truncated", clientFrame(true, 1, []byte("4hello"))[:5], 100, nil, io.EOF},
	}
	for _, tc := range tests {
		for _, chunk := range []int{1, 3, 1 << 20} {
			rd := newWSReader(&bytesConn{r: bytes.NewReader(tc.in), chunk: chunk}, tc.limit)
			var got []msg
			var err error
			for {
				var op byte
				var p []byte
				if op, p, err = rd.next(); err != nil {
					break
				}
				got = append(got, msg{op, string(p)})
			}
			if len(got) != len(tc.want) || !errors.Is(err, tc.err) {
				t.Fatalf("%s (chunks of %d): got %d messages, %v; want %d, %v", tc.name, chunk, len(got), err, len(tc.want), tc.err)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("%s (chunks of %d): message %d is %d %.20q, want %d %.20q", tc.name, chunk, i, got[i].op, got[i].data, tc.want[i].op, tc.want[i].data)
				}
			}
			rd.drop()
		}
	}
}

// FuzzWSReader: any bytes from a client give messages or an error, never a
// panic, and never a message over the limit.
func FuzzWSReader(f *testing.F) {
	f.Add(clientFrame(true, 1, []byte("4hello")), 3)
	f.Add(append(clientFrame(false, 1, []byte("4he")), clientFrame(true, 0, []byte("llo"))...), 1)
	f.Add([]byte{0x81, 0xff, 0, 0, 0, 0, 0, 0, 0, 10, 1, 2, 3, 4}, 7)
	f.Fuzz(func(t *testing.T, in []byte, chunk int) {
		if chunk <= 0 || chunk > 1<<16 {
			chunk = 1 << 16
		}
		rd := newWSReader(&bytesConn{r: bytes.NewReader(in), chunk: chunk}, 1000)
		defer rd.drop()
		for {
			op, p, err := rd.next()
			if err != nil {
				return
			}
			if op >= 8 && len(p) > 125 || op < 8 && len(p) > 1000 {
				t.Fatalf("op %d with %d bytes", op, len(p))
			}
		}
	})
}

// TestHandOverDue: a busy connection's wait moves to a fresh goroutine at
// most every handOverMinGap, except right after a heartbeat packet, so that
// a connection gone quiet gets its small stack at its next pong at the
// latest.
func TestHandOverDue(t *testing.T) {
	now := nanotime()
	gap := int64(handOverMinGap)
	for _, tc := range []struct {
		name      string
		lastAgo   int64 // how long ago the last hand-over was
		heartbeat bool
		want      bool
	}{
		{"message right after a hand-over", 0, false, false},
		{"message just under the gap", gap - int64(time.Millisecond), false, false},
		{"message after the gap", gap + int64(time.Millisecond), false, true},
		{"pong right after a hand-over", 0, true, true},
		{"first message of a connection", now + gap, false, true},
	} {
		rd := &wsReader{heartbeat: tc.heartbeat, handedOverAt: nanotime() - tc.lastAgo}
		if got := rd.handOverDue(); got != tc.want {
			t.Errorf("%s: handOverDue() = %v, want %v", tc.name, got, tc.want)
		}
	}
	// A new reader has never handed over: its first message hands over.
	if !(&wsReader{}).handOverDue() {
		t.Error("a new reader's first message does not hand over")
	}
}
