package main

import (
	"bytes"
	"strings"
	"testing"
)

type bufSink struct {
	bytes.Buffer
	closed bool
}

func (b *bufSink) Close() error { b.closed = true; return nil }

// clientFrame is a masked text frame as a client sends it.
func clientFrame(s string) []byte {
	key := [4]byte{1, 2, 3, 4}
	f := appendHeader(nil, 1, len(s))
	f[1] |= 0x80
	f = append(f, key[:]...)
	for i := 0; i < len(s); i++ {
		f = append(f, s[i]^key[i&3])
	}
	return f
}

// serverFrames splits server frames (unmasked, short) into their payloads.
func serverFrames(t *testing.T, b []byte) []string {
	t.Helper()
	var out []string
	for len(b) > 0 {
		n, h := int(b[1]&0x7f), 2
		if n == 126 {
			n, h = int(b[2])<<8|int(b[3]), 4
		}
		out = append(out, string(b[h:h+n]))
		b = b[h+n:]
	}
	return out
}

func TestContract(t *testing.T) {
	h := newHub(300, 200)
	w := &bufSink{}
	s := h.newSess(w)
	req := "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nUpgrade: websocket\r\n\r\n"
	// The request in two reads, and the CONNECT in the second one.
	if err := s.onData([]byte(req[:20])); err != nil {
		t.Fatal(err)
	}
	if err := s.onData(append([]byte(req[20:]), clientFrame("40")...)); err != nil {
		t.Fatal(err)
	}
	head, frames, ok := strings.Cut(w.String(), "\r\n\r\n")
	if !ok || !strings.Contains(head, "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") {
		t.Fatalf("upgrade answer: %q", head)
	}
	got := serverFrames(t, []byte(frames))
	if len(got) != 3 || !strings.HasPrefix(got[0], `0{"sid":"`) || !strings.Contains(got[0], `"pingInterval":300`) ||
		got[1] != `40{"sid":"`+s.sid+`"}` || got[2] != `42["auth",{}]` {
		t.Fatalf("frames: %q", got)
	}

	// An ack split across reads, then a join, then a broadcast to the room.
	w.Reset()
	ack := clientFrame(`4217["message-with-ack",17,{"a":[1]}]`)
	if err := s.onData(ack[:5]); err != nil {
		t.Fatal(err)
	}
	join := clientFrame(`423["join","bench"]`)
	if err := s.onData(append(ack[5:], join...)); err != nil {
		t.Fatal(err)
	}
	if got := serverFrames(t, w.Bytes()); len(got) != 2 || got[0] != `4317[17,{"a":[1]}]` || got[1] != `433[]` {
		t.Fatalf("ack and join: %q", got)
	}
	w.Reset()
	if err := s.onData(clientFrame(`42["to-room","bench","tick",5]`)); err != nil {
		t.Fatal(err)
	}
	if got := serverFrames(t, w.Bytes()); len(got) != 1 || got[0] != `42["tick",5]` {
		t.Fatalf("broadcast: %q", got)
	}

	// A missed pong closes the session at the next heartbeat.
	w.Reset()
	h.heartbeat(nil)
	if got := serverFrames(t, w.Bytes()); len(got) != 1 || got[0] != "2" {
		t.Fatalf("ping: %q", got)
	}
	if err := s.onData(clientFrame("3")); err != nil {
		t.Fatal(err)
	}
	h.heartbeat(nil)
	if w.closed {
		t.Fatal("closed although the pong came")
	}
	h.heartbeat(nil)
	if !w.closed {
		t.Fatal("not closed after a missed pong")
	}
}

func TestBadInput(t *testing.T) {
	for _, in := range []string{
		"POST /x HTTP/1.1\r\n\r\n",
		"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n\r\n", // no key
	} {
		s := newHub(300, 200).newSess(&bufSink{})
		if err := s.onData([]byte(in)); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
}
