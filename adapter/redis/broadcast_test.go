package redis

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rpsio/rpsio/adapter/internal/notepack"
	"github.com/rpsio/rpsio/socketio"
	"github.com/rpsio/rpsio/socketio/parser"
)

// referenceBroadcast is the generic decoding of a classic broadcast that
// decodeBroadcast replaces (the adapter's code before it): Unmarshal, then
// the checks of eventPacket and wireOptions. skip: not for this namespace,
// or our own.
func referenceBroadcast(a *nspAdapter, b []byte) (p *parser.Packet, opts socketio.BroadcastOptions, skip bool, err error) {
	v, err := notepack.Unmarshal(b)
	if err != nil {
		return nil, opts, false, err
	}
	arr, ok := v.([]any)
	if !ok || len(arr) < 3 {
		return nil, opts, false, malformed("broadcast: not [uid, packet, opts]")
	}
	if uid, _ := arr[0].(string); uid == a.uid {
		return nil, opts, true, nil
	}
	pm, ok := arr[1].(map[string]any)
	if !ok {
		return nil, opts, false, malformed("broadcast: packet is not an object")
	}
	nsp, ok := pm["nsp"]
	if !ok || nsp == nil {
		nsp = "/"
	}
	if nsp != a.name {
		return nil, opts, true, nil
	}
	if p, err = a.eventPacket(pm); err != nil {
		return nil, opts, false, err
	}
	if opts, err = wireOptions(arr[2]); err != nil {
		return nil, opts, false, err
	}
	opts.Flags.Timeout = 0
	return p, opts, false, nil
}

// normalPacket splits a Socket.IO text packet into its header (type,
// attachment count, namespace) and its JSON, normalised as notepack's
// tests do: numbers as written, attachments in place of their
// placeholders, keys sorted.
func normalPacket(t testing.TB, text []byte, atts [][]byte) string {
	t.Helper()
	s := string(text)
	head := s[:1]
	s = s[1:]
	if head == "5" {
		i := strings.IndexByte(s, '-')
		head += s[:i+1]
		s = s[i+1:]
	}
	if strings.HasPrefix(s, "/") {
		i := strings.IndexByte(s, ',')
		head += s[:i+1]
		s = s[i+1:]
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%s: %v", text, err)
	}
	var walk func(v any) any
	walk = func(v any) any {
		switch v := v.(type) {
		case []any:
			for i, e := range v {
				v[i] = walk(e)
			}
		case map[string]any:
			if p, ok := v["_placeholder"].(bool); ok && p && len(v) == 2 {
				n, _ := strconv.Atoi(string(v["num"].(json.Number)))
				return "bin:" + hex.EncodeToString(atts[n])
			}
			for k, e := range v {
				v[k] = walk(e)
			}
		}
		return v
	}
	out, _ := json.Marshal(walk(v))
	return head + string(out)
}

func sameRooms(a, b []string) bool {
	return len(a) == len(b) && (len(a) == 0 || reflect.DeepEqual(a, b))
}

// checkBroadcast: decodeBroadcast refuses, skips and delivers what the
// generic decoding does, and what it delivers is what the parser would
// have encoded for the clients.
func checkBroadcast(t *testing.T, a *nspAdapter, b []byte) {
	t.Helper()
	in, opts, err := a.decodeBroadcast(b, nil, nil)
	rp, ropts, rskip, rerr := referenceBroadcast(a, b)
	if (err == nil) != (rerr == nil) {
		t.Fatalf("%x: error %v, the generic decoding's %v", b, err, rerr)
	}
	if err != nil {
		if !errors.Is(err, errMalformed) {
			t.Fatalf("%x: %v does not wrap errMalformed", b, err)
		}
		return
	}
	if in.skip != rskip {
		t.Fatalf("%x: skip %v, the generic decoding's %v", b, in.skip, rskip)
	}
	if rskip {
		return
	}
	if !sameRooms(opts.Rooms, ropts.Rooms) || !sameRooms(opts.Except, ropts.Except) || opts.Flags != ropts.Flags {
		t.Fatalf("%x: options %+v, the generic decoding's %+v", b, opts, ropts)
	}
	want, wantAtts, werr := parser.Encode(rp)
	text, atts := in.text, in.atts
	if in.packet != nil {
		var gerr error
		text, atts, gerr = parser.Encode(in.packet)
		if (gerr == nil) != (werr == nil) {
			t.Fatalf("%x: encoding error %v, the generic decoding's %v", b, gerr, werr)
		}
	} else if werr != nil {
		t.Fatalf("%x: encoded %s where the parser fails: %v", b, text, werr)
	}
	if werr != nil {
		return
	}
	if g, w := normalPacket(t, text, atts), normalPacket(t, want, wantAtts); g != w {
		t.Fatalf("%x:\ngot  %s\nwant %s", b, g, w)
	}
}

func mustMarshal(t testing.TB, v any) []byte {
	t.Helper()
	b, err := notepack.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDecodeBroadcastMatchesGeneric: the in-place decoding of a broadcast
// from another node against the generic one, on what Node and the emitter
// send and on odd and malformed input.
func TestDecodeBroadcastMatchesGeneric(t *testing.T) {
	root := fuzzAdapter(t, false)
	custom := root.Namespace().Server().Of("/custom").Adapter().(*nspAdapter)
	pkt := func(nsp any, data any) notepack.Map {
		m := notepack.Map{{Key: "type", Value: 2}, {Key: "data", Value: data}}
		if nsp != "-" {
			m = append(m, notepack.Field{Key: "nsp", Value: nsp})
		}
		return m
	}
	opts := func(rooms, except any, flags any) notepack.Map {
		return notepack.Map{{Key: "rooms", Value: rooms}, {Key: "except", Value: except}, {Key: "flags", Value: flags}}
	}
	noFlags := notepack.Map{}
	std := opts([]string{"r1"}, []string{}, noFlags)
	date := time.UnixMilli(1700000000123)
	cases := map[string][]byte{
		"node": mustMarshal(t, []any{"abcdef", pkt("/", []any{"ev", 1.0, []byte{1, 2}}), std}),
		"every-type": mustMarshal(t, []any{"abcdef", pkt("/", []any{"ev", nil, true, false, 0, -1, 255, 65536, -40000,
			1.5, 1e21, 1e-7, 5e-324, math.MaxFloat64, float32(0.1), uint64(1) << 63, int64(-1) << 62, "",
			"<&>\u2028\"\\\n\x01é😀", "bad\xffutf8", date, []byte{}, []any{}, map[string]any{},
			notepack.Map{{Key: "z", Value: 1}, {Key: "a", Value: []any{[]byte{3}, notepack.Map{{Key: "b", Value: []byte{4}}}}}},
		}), opts([]string{"r1", "r2", "r1"}, []string{"x"}, notepack.Map{{Key: "volatile", Value: true}, {Key: "timeout", Value: 5}})}),
		"custom-nsp":     mustMarshal(t, []any{"abcdef", pkt("/custom", []any{"ev", "x"}), std}),
		"no-nsp":         mustMarshal(t, []any{"abcdef", pkt("-", []any{"ev"}), std}),
		"nil-nsp":        mustMarshal(t, []any{"abcdef", pkt(nil, []any{"ev"}), std}),
		"number-nsp":     mustMarshal(t, []any{"abcdef", pkt(5, []any{"ev"}), std}),
		"number-name":    mustMarshal(t, []any{"abcdef", pkt("/", []any{42, "x"}), std}),
		"date-name":      mustMarshal(t, []any{"abcdef", pkt("/", []any{date}), std}),
		"bool-name":      mustMarshal(t, []any{"abcdef", pkt("/", []any{true}), std}),
		"empty-data":     mustMarshal(t, []any{"abcdef", pkt("/", []any{}), std}),
		"object-data":    mustMarshal(t, []any{"abcdef", pkt("/", map[string]any{"a": 1}), std}),
		"ext-data":       []byte("\x93\xa6abcdef\x83\xa3nsp\xa1/\xa4type\x02\xa4data\xd5\x05\x01\xff\x83\xa5rooms\x90\xa6except\x90\xa5flags\x80"),
		"binary-type":    mustMarshal(t, []any{"abcdef", notepack.Map{{Key: "type", Value: 5}, {Key: "data", Value: []any{"ev", []byte{9}}}, {Key: "nsp", Value: "/"}}, std}),
		"ack-type":       mustMarshal(t, []any{"abcdef", notepack.Map{{Key: "type", Value: 3}, {Key: "data", Value: []any{"ev"}}, {Key: "nsp", Value: "/"}}, std}),
		"float-type":     mustMarshal(t, []any{"abcdef", notepack.Map{{Key: "type", Value: 2.5}, {Key: "data", Value: []any{"ev"}}}, std}),
		"no-type":        mustMarshal(t, []any{"abcdef", notepack.Map{{Key: "data", Value: []any{"ev"}}}, std}),
		"repeated-keys":  mustMarshal(t, []any{"abcdef", notepack.Map{{Key: "type", Value: "x"}, {Key: "type", Value: 2}, {Key: "data", Value: 1}, {Key: "data", Value: []any{"ev", notepack.Map{{Key: "a", Value: 1}, {Key: "a", Value: 2}}}}}, notepack.Map{{Key: "rooms", Value: 5}, {Key: "rooms", Value: []any{"r1", 7.0, 1.5}}, {Key: "flags", Value: notepack.Map{{Key: "volatile", Value: true}, {Key: "volatile", Value: 1}}}}}),
		"number-key":     []byte("\x93\xa6abcdef\x83\xa4type\x02\xa4data\x92\xa2ev\x82\x01\xa1x\xc3\xa1y\xa3nsp\xa1/\x83\xa5rooms\x90\xa6except\x90\xa5flags\x80"),
		"nan":            mustMarshal(t, []any{"abcdef", pkt("/", []any{"ev", math.NaN()}), std}),
		"own":            mustMarshal(t, []any{root.uid, pkt("/", []any{"ev"}), std}),
		"uid-number":     mustMarshal(t, []any{1, pkt("/", []any{"ev"}), std}),
		"four-elements":  mustMarshal(t, []any{"abcdef", pkt("/", []any{"ev"}), std, "extra"}),
		"two-elements":   mustMarshal(t, []any{"abcdef", pkt("/", []any{"ev"})}),
		"packet-array":   mustMarshal(t, []any{"abcdef", []any{}, std}),
		"opts-array":     mustMarshal(t, []any{"abcdef", pkt("/", []any{"ev"}), []any{}}),
		"nil-rooms":      mustMarshal(t, []any{"abcdef", pkt("/", []any{"ev"}), opts(nil, nil, nil)}),
		"rooms-string":   mustMarshal(t, []any{"abcdef", pkt("/", []any{"ev"}), opts("r1", nil, nil)}),
		"rooms-bool":     mustMarshal(t, []any{"abcdef", pkt("/", []any{"ev"}), opts([]any{true}, nil, nil)}),
		"flags-array":    mustMarshal(t, []any{"abcdef", pkt("/", []any{"ev"}), opts(nil, nil, []any{true})}),
		"emitter":        []byte("\x93\xa7emitter\x83\xa4type\x02\xa4data\x92\xa2hi\x01\xa3nsp\xa1/\x83\xa5rooms\x91\xa2r1\xa5flags\x80\xa6except\x90"),
		"trailing":       append(mustMarshal(t, []any{"abcdef", pkt("/", []any{"ev"}), std}), 0xc0),
		"truncated":      mustMarshal(t, []any{"abcdef", pkt("/", []any{"ev"}), std})[:20],
		"bad-in-extra":   []byte("\x94\xa6abcdef\x83\xa4type\x02\xa4data\x91\xa2ev\xa3nsp\xa1/\x80\xc1"),
		"not-msgpack":    []byte(`{"uid":"x"}`),
		"empty":          {},
		"nested-objects": mustMarshal(t, []any{"abcdef", pkt("/", []any{"ev", map[string]any{"b": map[string]any{"y": 1, "x": []any{2, "<"}}, "a": []byte("bin")}}), std}),
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			checkBroadcast(t, root, b)
			checkBroadcast(t, custom, b)
		})
	}
	// Node's own bytes, from the wire format spec.
	b, _ := hex.DecodeString("93a6616263646566" + "83a47479706502a46461746193a2657601c4020102a36e7370a12f83a5726f6f6d7391a27231a665786365707490a5666c61677380")
	checkBroadcast(t, root, b)
	// What the fast path hands the clients, exactly.
	in, bopts, err := root.decodeBroadcast(b, nil, nil)
	if err != nil || in.packet != nil || string(in.text) != `51-["ev",1,{"_placeholder":true,"num":0}]` ||
		len(in.atts) != 1 || !bytes.Equal(in.atts[0], []byte{1, 2}) || !reflect.DeepEqual(bopts.Rooms, []string{"r1"}) {
		t.Fatalf("%q %x %+v %v", in.text, in.atts, bopts, err)
	}
	in, _, _ = custom.decodeBroadcast(cases["custom-nsp"], nil, nil)
	if string(in.text) != `2/custom,["ev","x"]` {
		t.Fatalf("%q", in.text)
	}
}

// TestBroadcastAllocations: decoding a broadcast from another node costs
// one allocation (the packet the clients get), encoding one costs none
// (a pooled buffer).
func TestBroadcastAllocations(t *testing.T) {
	a := fuzzAdapter(t, false)
	p := benchPacket()
	opts := socketio.BroadcastOptions{Rooms: []string{"room:42"}}
	msg := mustMarshal(t, []any{"other1",
		notepack.Map{{Key: "type", Value: 2}, {Key: "data", Value: p.Data}, {Key: "nsp", Value: "/"}},
		notepack.Map{{Key: "rooms", Value: []string{"room:42"}}, {Key: "except", Value: []string{}}, {Key: "flags", Value: notepack.Map{}}}})
	if n := testing.AllocsPerRun(200, func() {
		if err := a.handleBroadcast(msg); err != nil {
			t.Fatal(err)
		}
	}); n > 1 {
		t.Errorf("%v allocations per received broadcast", n)
	}
	if n := testing.AllocsPerRun(200, func() {
		buf := payloadPool.Get().(*[]byte)
		out, err := a.appendClassicBroadcast((*buf)[:0], p.Data, opts)
		if err != nil {
			t.Fatal(err)
		}
		*buf = out
		_ = a.roomChannelName("room:42")
		releasePayload(buf)
	}); n > 0 {
		t.Errorf("%v allocations per published broadcast", n)
	}
}

// TestEncodeBroadcastMatchesGeneric: what the publishing side appends is
// what notepack.Marshal writes for the generic value (which the golden
// tests compare with notepack.io), and on the same channel.
func TestEncodeBroadcastMatchesGeneric(t *testing.T) {
	a := fuzzAdapter(t, false)
	for _, o := range []socketio.BroadcastOptions{
		{},
		{Rooms: []string{"r1"}},
		{Rooms: []string{"r1", "r1"}},
		{Rooms: []string{"r1", "r2", "r1"}, Except: []string{"x", "x", "y"}},
		{Flags: socketio.BroadcastFlags{Volatile: true, Timeout: 1500 * time.Millisecond}},
		{Flags: socketio.BroadcastFlags{Timeout: time.Hour}},
	} {
		for _, data := range []any{benchPacket().Data, []any{"ev", []byte{1}, math.NaN(), time.UnixMilli(5), map[string]any{"b": 1, "a": nil}}} {
			want := mustMarshal(t, []any{a.uid,
				notepack.Map{{Key: "type", Value: int(parser.Event)}, {Key: "data", Value: data}, {Key: "nsp", Value: a.name}},
				notepack.Map{{Key: "rooms", Value: unique(o.Rooms)}, {Key: "except", Value: unique(o.Except)}, {Key: "flags", Value: flagsMap(o.Flags, true)}}})
			got, err := a.appendClassicBroadcast(nil, data, o)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("%+v: %v\n%x\nwant\n%x", o, err, got, want)
			}
			wantCh := a.channel
			if rs := unique(o.Rooms); len(rs) == 1 {
				wantCh += rs[0] + "#"
			}
			gotCh := a.channel
			if room, ok := onlyRoom(o.Rooms); ok {
				gotCh = a.roomChannelName(room)
			}
			if gotCh != wantCh {
				t.Fatalf("%+v: channel %q, want %q", o, gotCh, wantCh)
			}
		}
	}
	// Too deep: refused as Marshal refuses it.
	deep := any("x")
	for range notepack.MaxDepth {
		deep = []any{deep}
	}
	if _, err := a.appendClassicBroadcast(nil, deep, socketio.BroadcastOptions{}); err == nil {
		t.Fatal("a value nested too deep was encoded")
	}
	if _, err := notepack.Marshal([]any{a.uid, notepack.Map{{Key: "data", Value: deep}}}); err == nil {
		t.Fatal("Marshal encoded it")
	}
}

// TestDecodeBroadcastOffset: an rpsio peer's recovery offset, the 4th
// element, is read apart and the packet takes the in-place path (its keys
// in wire order); a 4th element that is no offset string is ignored.
func TestDecodeBroadcastOffset(t *testing.T) {
	a := fuzzAdapter(t, false)
	msg := func(extra any) []byte {
		return mustMarshal(t, []any{"other1",
			notepack.Map{{Key: "type", Value: 2}, {Key: "data", Value: []any{"ev", notepack.Map{{Key: "z", Value: 1}, {Key: "a", Value: 2}}}}, {Key: "nsp", Value: "/"}},
			notepack.Map{{Key: "rooms", Value: []string{"r1"}}, {Key: "except", Value: []string{}}, {Key: "flags", Value: notepack.Map{}}},
			extra})
	}
	for _, tc := range []struct {
		extra  any
		offset string
	}{{"nodeX-lx3k-1", "nodeX-lx3k-1"}, {42, ""}, {nil, ""}, {"", ""}} {
		in, opts, err := a.decodeBroadcast(msg(tc.extra), nil, nil)
		if err != nil || in.packet != nil || in.offset != tc.offset || string(in.text) != `2["ev",{"z":1,"a":2}]` || !reflect.DeepEqual(opts.Rooms, []string{"r1"}) {
			t.Fatalf("4th element %v: %+v %q %+v %v", tc.extra, in, in.text, opts, err)
		}
	}
}
