package wslib

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"time"
)

// WebSocket opcodes (RFC 6455 section 5.2).
const (
	OpContinuation = 0x0
	OpText         = 0x1
	OpBinary       = 0x2
	OpClose        = 0x8
	OpPing         = 0x9
	OpPong         = 0xA
)

// RawClient is a minimal RFC 6455 client used against every server, so the
// client side is identical for all libraries. It sends masked single-frame
// messages and reads (possibly fragmented) unmasked server messages. It is
// not safe for concurrent use, except that one goroutine may write while
// another reads.
type RawClient struct {
	nc   net.Conn
	br   *bufio.Reader
	wbuf []byte // frame being written
	rbuf []byte // fragmented message being joined
	fbuf []byte // payload of the frame being read
	hdr  [8]byte
	// opcode of the fragmented message being joined, or 0
	partialOp byte
}

// DialRaw connects to ws://addr/ws and performs the opening handshake.
// bufSize is the client's read buffer size.
func DialRaw(addr string, bufSize int, timeout time.Duration) (*RawClient, error) {
	nc, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, err
	}
	c, err := handshake(nc, addr, bufSize, timeout)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return c, nil
}

func handshake(nc net.Conn, addr string, bufSize int, timeout time.Duration) (*RawClient, error) {
	var k [16]byte
	rand.Read(k[:])
	key := base64.StdEncoding.EncodeToString(k[:])
	req := "GET /ws HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n\r\n"
	nc.SetDeadline(time.Now().Add(timeout))
	if _, err := io.WriteString(nc, req); err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(nc, bufSize)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		return nil, fmt.Errorf("handshake: status %s", resp.Status)
	}
	if got, want := resp.Header.Get("Sec-WebSocket-Accept"), acceptKey(key); got != want {
		return nil, fmt.Errorf("handshake: Sec-WebSocket-Accept %q, want %q", got, want)
	}
	if br.Buffered() != 0 {
		return nil, errors.New("handshake: server sent data after the 101 response")
	}
	nc.SetDeadline(time.Time{})
	return &RawClient{nc: nc, br: br}, nil
}

// Close closes the TCP connection without a closing handshake.
func (c *RawClient) Close() error { return c.nc.Close() }

// SetDeadline sets the read and write deadline of the connection.
func (c *RawClient) SetDeadline(t time.Time) error { return c.nc.SetDeadline(t) }

// WriteMessage sends p as one masked text or binary frame.
func (c *RawClient) WriteMessage(binaryMsg bool, p []byte) error {
	op := byte(OpText)
	if binaryMsg {
		op = OpBinary
	}
	return c.WriteFrame(op, true, p)
}

// WriteFrame sends one masked frame.
func (c *RawClient) WriteFrame(op byte, fin bool, p []byte) error {
	b := c.wbuf[:0]
	b0 := op
	if fin {
		b0 |= 0x80
	}
	b = append(b, b0)
	switch n := len(p); {
	case n < 126:
		b = append(b, 0x80|byte(n))
	case n <= 0xFFFF:
		b = append(b, 0x80|126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, 0x80|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	// The mask only has to be present (servers reject unmasked client
	// frames); math/rand keeps the client free of allocations.
	var mask [4]byte
	binary.LittleEndian.PutUint32(mask[:], mrand.Uint32())
	b = append(b, mask[:]...)
	start := len(b)
	b = append(b, p...)
	for i := range b[start:] {
		b[start+i] ^= mask[i&3]
	}
	c.wbuf = b
	_, err := c.nc.Write(b)
	return err
}

// ReadMessage returns the next message: a whole data message (op OpText or
// OpBinary, fragments joined) or a single control frame. The payload is
// valid until the next call.
func (c *RawClient) ReadMessage() (op byte, p []byte, err error) {
	for {
		fin, fop, payload, err := c.readFrame()
		if err != nil {
			return 0, nil, err
		}
		switch {
		case fop >= OpClose: // control frames are never fragmented
			return fop, payload, nil
		case fop == OpContinuation:
			if c.partialOp == 0 {
				return 0, nil, errors.New("continuation frame without a message")
			}
		default:
			if c.partialOp != 0 {
				return 0, nil, errors.New("new message inside a fragmented message")
			}
			if fin { // the common case: one frame, no copy
				return fop, payload, nil
			}
			c.partialOp = fop
			c.rbuf = c.rbuf[:0]
		}
		c.rbuf = append(c.rbuf, payload...)
		if fin {
			op, c.partialOp = c.partialOp, 0
			return op, c.rbuf, nil
		}
	}
}

// readFrame reads one frame; its payload is valid until the next call.
func (c *RawClient) readFrame() (fin bool, op byte, payload []byte, err error) {
	if _, err = io.ReadFull(c.br, c.hdr[:2]); err != nil {
		return
	}
	fin = c.hdr[0]&0x80 != 0
	if c.hdr[0]&0x70 != 0 {
		return false, 0, nil, errors.New("RSV bits set")
	}
	op = c.hdr[0] & 0x0F
	if c.hdr[1]&0x80 != 0 {
		return false, 0, nil, errors.New("server frame is masked")
	}
	n := uint64(c.hdr[1] & 0x7F)
	switch n {
	case 126:
		if _, err = io.ReadFull(c.br, c.hdr[:2]); err != nil {
			return
		}
		n = uint64(binary.BigEndian.Uint16(c.hdr[:2]))
	case 127:
		if _, err = io.ReadFull(c.br, c.hdr[:8]); err != nil {
			return
		}
		n = binary.BigEndian.Uint64(c.hdr[:8])
	}
	if n > 64<<20 {
		return false, 0, nil, fmt.Errorf("frame of %d bytes", n)
	}
	if uint64(cap(c.fbuf)) < n {
		c.fbuf = make([]byte, n)
	}
	payload = c.fbuf[:n]
	if _, err = io.ReadFull(c.br, payload); err != nil {
		return
	}
	return fin, op, payload, nil
}
