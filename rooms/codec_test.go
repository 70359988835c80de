package rooms_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rpsio/rpsio/rooms"
)

func sampleRoom() *rooms.Room {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	return &rooms.Room{
		ID: "r1", Game: "gold", Size: 3, Phase: rooms.Playing,
		Players: []rooms.Seat{{PlayerID: "a", Name: "Ann", Connected: true}, {PlayerID: "b", Name: "Bob", GraceUntil: t0.Add(time.Minute)}},
		State:   json.RawMessage(`{"turn":"a"}`), WakeAt: t0.Add(20 * time.Second), Version: 9, Created: t0,
	}
}

func TestEncodeRoom(t *testing.T) {
	b, err := rooms.EncodeRoom(sampleRoom())
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"r1","game":"gold","size":3,"phase":"playing","players":[` +
		`{"id":"a","name":"Ann","connected":true},{"id":"b","name":"Bob","connected":false,"graceUntil":"2025-01-01T00:01:00Z"}],` +
		`"state":{"turn":"a"},"wakeAt":"2025-01-01T00:00:20Z","version":9,"created":"2025-01-01T00:00:00Z"}`
	equal(t, "JSON", string(b), want)
	r, err := rooms.DecodeRoom(b)
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := rooms.EncodeRoom(r)
	equal(t, "round trip", string(b2), want)
}

func TestDecodeRoomRejects(t *testing.T) {
	good, _ := rooms.EncodeRoom(sampleRoom())
	bad := map[string]string{
		"not JSON":          `{`,
		"no id":             strings.Replace(string(good), `"id":"r1"`, `"id":""`, 1),
		"no game":           strings.Replace(string(good), `"game":"gold"`, `"game":""`, 1),
		"size 0":            strings.Replace(string(good), `"size":3`, `"size":0`, 1),
		"size 65":           strings.Replace(string(good), `"size":3`, `"size":65`, 1),
		"more players":      strings.Replace(string(good), `"size":3`, `"size":1`, 1),
		"unknown phase":     strings.Replace(string(good), `"phase":"playing"`, `"phase":"paused"`, 1),
		"no players":        `{"id":"r1","game":"gold","size":3,"phase":"waiting","players":[],"state":{},"version":1,"created":"2025-01-01T00:00:00Z"}`,
		"no created":        strings.Replace(string(good), `,"created":"2025-01-01T00:00:00Z"`, ``, 1),
		"empty player id":   strings.Replace(string(good), `"id":"a"`, `"id":""`, 1),
		"player twice":      strings.Replace(string(good), `"id":"b"`, `"id":"a"`, 1),
		"connected + grace": strings.Replace(string(good), `"connected":false`, `"connected":true`, 1),
		"away, no grace":    strings.Replace(string(good), `"connected":true}`, `"connected":false}`, 1),
		"bad time":          strings.Replace(string(good), `"2025-01-01T00:00:20Z"`, `"soon"`, 1),
		"long name":         strings.Replace(string(good), `"Ann"`, `"`+strings.Repeat("n", rooms.MaxNameLen+1)+`"`, 1),
	}
	for name, in := range bad {
		if _, err := rooms.DecodeRoom([]byte(in)); err == nil {
			t.Errorf("%s: decoded %s", name, in)
		}
	}
	r := sampleRoom()
	r.Phase = 7
	if _, err := rooms.EncodeRoom(r); err == nil {
		t.Error("encoded a bad phase")
	}
}

func FuzzDecodeRoom(f *testing.F) {
	good, _ := rooms.EncodeRoom(sampleRoom())
	f.Add(good)
	f.Add([]byte(`{"id":"x","game":"rps","size":2,"phase":"waiting","players":[{"id":"p","name":"","connected":true}],"state":null,"version":1,"created":"2025-01-01T00:00:00Z"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := rooms.DecodeRoom(b)
		if err != nil {
			return
		}
		out, err := rooms.EncodeRoom(r)
		if err != nil {
			t.Fatalf("a decoded room does not encode: %v", err)
		}
		r2, err := rooms.DecodeRoom(out)
		if err != nil {
			t.Fatalf("decode(encode(decode)): %v", err)
		}
		out2, _ := rooms.EncodeRoom(r2)
		if string(out) != string(out2) {
			t.Fatalf("not stable:\n%s\n%s", out, out2)
		}
	})
}
