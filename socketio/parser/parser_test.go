package parser

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func ph(n int) map[string]any { return map[string]any{"_placeholder": true, "num": float64(n)} }

func TestPacketTypeString(t *testing.T) {
	want := []string{"CONNECT", "DISCONNECT", "EVENT", "ACK", "CONNECT_ERROR", "BINARY_EVENT", "BINARY_ACK", "PacketType(7)"}
	for i, w := range want {
		if got := PacketType(i).String(); got != w {
			t.Errorf("PacketType(%d) = %q, want %q", i, got, w)
		}
	}
}

func TestEncode(t *testing.T) {
	tests := []struct {
		name string
		p    Packet
		want string
		atts []string
	}{
		{"connect", Packet{Type: Connect, Namespace: "/"}, "0", nil},
		{"connect empty namespace", Packet{Type: Connect}, "0", nil},
		{"connect with auth", Packet{Type: Connect, Namespace: "/admin", Data: map[string]any{"token": "x"}}, `0/admin,{"token":"x"}`, nil},
		{"connect reply", Packet{Type: Connect, Namespace: "/", Data: map[string]any{"sid": "abc"}}, `0{"sid":"abc"}`, nil},
		{"disconnect", Packet{Type: Disconnect, Namespace: "/"}, "1", nil},
		{"disconnect namespace", Packet{Type: Disconnect, Namespace: "/admin"}, "1/admin,", nil},
		{"event", Packet{Type: Event, Namespace: "/", Data: []any{"hello", 1, true, nil}}, `2["hello",1,true,null]`, nil},
		{"event with id and namespace", Packet{Type: Event, Namespace: "/admin", ID: 12, HasID: true, Data: []any{"a"}}, `2/admin,12["a"]`, nil},
		{"event id 0", Packet{Type: Event, ID: 0, HasID: true, Data: []any{"a"}}, `20["a"]`, nil},
		{"typed data", Packet{Type: Event, Data: []string{"a", "b"}}, `2["a","b"]`, nil},
		{"ack", Packet{Type: Ack, ID: 12, HasID: true, Data: []any{}}, `312[]`, nil},
		{"ack namespace", Packet{Type: Ack, Namespace: "/admin", ID: 3, HasID: true, Data: []any{"ok"}}, `3/admin,3["ok"]`, nil},
		{"connect error object", Packet{Type: ConnectError, Data: map[string]any{"message": "no"}}, `4{"message":"no"}`, nil},
		{"connect error string", Packet{Type: ConnectError, Namespace: "/admin", Data: "no"}, `4/admin,"no"`, nil},
		{"binary event", Packet{Type: Event, Data: []any{"bin", []byte{1, 2}}},
			`51-["bin",{"_placeholder":true,"num":0}]`, []string{"\x01\x02"}},
		{"binary nested in a map", Packet{Type: Event, Namespace: "/a", Data: []any{"x", map[string]any{"f": []byte("hi")}}},
			`51-/a,["x",{"f":{"_placeholder":true,"num":0}}]`, []string{"hi"}},
		{"two buffers", Packet{Type: Event, ID: 4, HasID: true, Data: []any{"x", []byte("a"), []any{[]byte("b")}}},
			`52-4["x",{"_placeholder":true,"num":0},[{"_placeholder":true,"num":1}]]`, []string{"a", "b"}},
		{"binary ack", Packet{Type: Ack, ID: 5, HasID: true, Data: []any{[]byte{}}},
			`61-5[{"_placeholder":true,"num":0}]`, []string{""}},
		{"binary type without buffers", Packet{Type: BinaryEvent, Data: []any{"a"}}, `2["a"]`, nil},
		{"binary ack without buffers", Packet{Type: BinaryAck, ID: 1, HasID: true, Data: []any{}}, `31[]`, nil},
		{"binary type with buffers", Packet{Type: BinaryEvent, Data: []any{"a", []byte("z")}},
			`51-["a",{"_placeholder":true,"num":0}]`, []string{"z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text, atts, err := Encode(&tt.p)
			if err != nil {
				t.Fatal(err)
			}
			if string(text) != tt.want {
				t.Fatalf("text %s, want %s", text, tt.want)
			}
			if len(atts) != len(tt.atts) {
				t.Fatalf("%d attachments, want %d", len(atts), len(tt.atts))
			}
			for i := range atts {
				if string(atts[i]) != tt.atts[i] {
					t.Fatalf("attachment %d = %q, want %q", i, atts[i], tt.atts[i])
				}
			}
		})
	}
}

func TestEncodeKeepsCallerData(t *testing.T) {
	buf := []byte("x")
	inner := map[string]any{"b": buf}
	args := []any{"e", inner, []any{buf}}
	if _, _, err := Encode(&Packet{Type: Event, Data: args}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(args, []any{"e", map[string]any{"b": buf}, []any{buf}}) {
		t.Fatalf("Encode modified its argument: %#v", args)
	}
}

func TestEncodeError(t *testing.T) {
	if _, _, err := Encode(&Packet{Type: Event, Data: []any{"x", make(chan int)}}); err == nil {
		t.Fatal("Encode of a channel succeeded")
	}
}

func TestHasBinaryValues(t *testing.T) {
	for _, tt := range []struct {
		v    any
		want bool
	}{
		{nil, false}, {"x", false}, {[]byte{}, true}, {[]any{1, "a"}, false}, {[]any{1, []byte("a")}, true},
		{map[string]any{"a": []any{map[string]any{"b": []byte("c")}}}, true}, {map[string]any{"a": 1}, false},
	} {
		if got := hasBinary(tt.v); got != tt.want {
			t.Errorf("hasBinary(%#v) = %v", tt.v, got)
		}
	}
}

// decodeAll feeds a text message then binary attachments.
func decodeAll(text string, atts ...string) (*Packet, error) {
	var d Decoder
	p, err := d.AddText([]byte(text))
	if err != nil || (p != nil && len(atts) == 0) {
		return p, err
	}
	for i, a := range atts {
		if p != nil {
			return nil, errors.New("packet complete before its attachments")
		}
		p, err = d.AddBinary([]byte(a))
		if err != nil {
			return nil, err
		}
		if p == nil && i == len(atts)-1 {
			return nil, errors.New("packet incomplete after its attachments")
		}
	}
	return p, nil
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name string
		text string
		atts []string
		want Packet
	}{
		{"connect", "0", nil, Packet{Type: Connect, Namespace: "/"}},
		{"connect auth", `0{"token":"x"}`, nil, Packet{Type: Connect, Namespace: "/", Data: map[string]any{"token": "x"}}},
		{"connect namespace", "0/admin,", nil, Packet{Type: Connect, Namespace: "/admin"}},
		{"connect namespace without comma", "0/admin", nil, Packet{Type: Connect, Namespace: "/admin"}},
		{"connect namespace with query", "0/admin?token=x,", nil, Packet{Type: Connect, Namespace: "/admin?token=x"}},
		{"connect namespace auth", `0/admin,{"a":1}`, nil, Packet{Type: Connect, Namespace: "/admin", Data: map[string]any{"a": 1.0}}},
		{"disconnect", "1", nil, Packet{Type: Disconnect, Namespace: "/"}},
		{"disconnect namespace", "1/admin,", nil, Packet{Type: Disconnect, Namespace: "/admin"}},
		{"event", `2["a",1,{"b":[true,null]}]`, nil, Packet{Type: Event, Namespace: "/", Data: []any{"a", 1.0, map[string]any{"b": []any{true, nil}}}}},
		{"event namespace and id", `2/admin,12["a"]`, nil, Packet{Type: Event, Namespace: "/admin", ID: 12, HasID: true, Data: []any{"a"}}},
		{"event id 0", `20["a"]`, nil, Packet{Type: Event, Namespace: "/", ID: 0, HasID: true, Data: []any{"a"}}},
		{"event id of 15 digits", `2999999999999999["a"]`, nil, Packet{Type: Event, Namespace: "/", ID: 999999999999999, HasID: true, Data: []any{"a"}}},
		{"event number name", `2[42,"x"]`, nil, Packet{Type: Event, Namespace: "/", Data: []any{42.0, "x"}}},
		{"event with spaces", `2 ["a"] `, nil, Packet{Type: Event, Namespace: "/", Data: []any{"a"}}},
		{"ack", `30[]`, nil, Packet{Type: Ack, Namespace: "/", ID: 0, HasID: true, Data: []any{}}},
		{"ack namespace", `3/admin,7["x"]`, nil, Packet{Type: Ack, Namespace: "/admin", ID: 7, HasID: true, Data: []any{"x"}}},
		{"connect error object", `4{"message":"m","data":{"a":1}}`, nil, Packet{Type: ConnectError, Namespace: "/", Data: map[string]any{"message": "m", "data": map[string]any{"a": 1.0}}}},
		{"connect error string", `4/admin,"m"`, nil, Packet{Type: ConnectError, Namespace: "/admin", Data: "m"}},
		{"binary event", `51-["a",{"_placeholder":true,"num":0}]`, []string{"\x01\x02"},
			Packet{Type: Event, Namespace: "/", Data: []any{"a", []byte{1, 2}}}},
		{"binary ack", `62-3[{"_placeholder":true,"num":1},{"x":{"_placeholder":true,"num":0}}]`, []string{"a", "b"},
			Packet{Type: Ack, Namespace: "/", ID: 3, HasID: true, Data: []any{[]byte("b"), map[string]any{"x": []byte("a")}}}},
		{"binary event namespace", `52-/admin,9["a",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`, []string{"", "z"},
			Packet{Type: Event, Namespace: "/admin", ID: 9, HasID: true, Data: []any{"a", []byte{}, []byte("z")}}},
		{"ten attachments", `510-["a"]`, []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"},
			Packet{Type: Event, Namespace: "/", Data: []any{"a"}}},
		{"binary event with zero attachments", `50-["a"]`, nil, Packet{Type: Event, Namespace: "/", Data: []any{"a"}}},
		{"placeholder false is data", `51-["a",{"_placeholder":false,"num":0}]`, []string{"x"},
			Packet{Type: Event, Namespace: "/", Data: []any{"a", map[string]any{"_placeholder": false, "num": 0.0}}}},
		{"placeholder in a text event is data", `2["a",{"_placeholder":true,"num":0}]`, nil,
			Packet{Type: Event, Namespace: "/", Data: []any{"a", ph(0)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := decodeAll(tt.text, tt.atts...)
			if err != nil {
				t.Fatalf("decoding %q: %v", tt.text, err)
			}
			if p == nil {
				t.Fatalf("decoding %q: no packet", tt.text)
			}
			if !reflect.DeepEqual(*p, tt.want) {
				t.Fatalf("decoding %q:\n got %#v\nwant %#v", tt.text, *p, tt.want)
			}
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	tests := []struct {
		name string
		text string
		atts []string
	}{
		{"empty", "", nil},
		{"unknown type 7", `7["a"]`, nil},
		{"unknown type letter", "a", nil},
		{"unknown type below 0", "/", nil},

		{"event without data", "2", nil},
		{"event data a string", `2"a"`, nil},
		{"event data an object", `2{"a":1}`, nil},
		{"event data empty array", `2[]`, nil},
		{"event name null", `2[null]`, nil},
		{"event name object", `2[{}]`, nil},
		{"event name bool", `2[true]`, nil},
		{"event name array", `2[["a"]]`, nil},
		{"reserved connect", `2["connect"]`, nil},
		{"reserved connect_error", `2["connect_error"]`, nil},
		{"reserved disconnect", `2["disconnect"]`, nil},
		{"reserved disconnecting", `2["disconnecting"]`, nil},
		{"reserved newListener", `2["newListener"]`, nil},
		{"reserved removeListener", `2["removeListener"]`, nil},
		{"reserved in a namespace", `2/admin,1["disconnect"]`, nil},
		{"invalid JSON", `2["a"`, nil},
		{"trailing garbage", `2["a"]x`, nil},

		{"ack id too long", `21234567890123456["a"]`, nil},
		{"ack data an object", `31{"a":1}`, nil},
		{"ack data a string", `31"a"`, nil},
		{"ack without data", `31`, nil},

		{"disconnect with object", `1{}`, nil},
		{"disconnect with string", `1"bye"`, nil},
		{"disconnect namespace with data", `1/admin,{}`, nil},
		{"connect with string", `0"x"`, nil},
		{"connect with array", `0[]`, nil},
		{"connect with null", `0null`, nil},
		{"connect with number", `0 1`, nil},
		{"connect error without data", "4", nil},
		{"connect error array", `4["m"]`, nil},
		{"connect error number", `4 1`, nil},

		{"attachments count missing", `5-["a"]`, nil},
		{"attachments count not a number", `5a-["a"]`, nil},
		{"attachments without dash", `51["a"]`, nil},
		{"attachments count too long", `51234-["a"]`, nil},
		{"binary header only", `51-`, nil},
		{"binary type only", `5`, nil},
		{"more than 10 attachments", `511-["a"]`, nil},
		{"binary ack over 10 attachments", `6100-[]`, nil},

		{"placeholder out of range", `51-["a",{"_placeholder":true,"num":1}]`, []string{"x"}},
		{"placeholder negative", `51-["a",{"_placeholder":true,"num":-1}]`, []string{"x"}},
		{"placeholder fractional", `51-["a",{"_placeholder":true,"num":0.5}]`, []string{"x"}},
		{"placeholder num a string", `51-["a",{"_placeholder":true,"num":"0"}]`, []string{"x"}},
		{"placeholder num missing", `51-["a",{"_placeholder":true}]`, []string{"x"}},
		{"binary event not an array", `51-{"_placeholder":true,"num":0}`, []string{"x"}},
		{"binary event reserved name", `51-["connect",{"_placeholder":true,"num":0}]`, []string{"x"}},
		{"binary ack not an array", `61-1"x"`, []string{"x"}},
		{"binary invalid JSON", `51-["a",`, []string{"x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := decodeAll(tt.text, tt.atts...)
			if err == nil {
				t.Fatalf("decoding %q: got %#v, want an error", tt.text, p)
			}
			if !errors.Is(err, ErrInvalidPacket) {
				t.Fatalf("decoding %q: error %v does not wrap ErrInvalidPacket", tt.text, err)
			}
		})
	}
}

func TestDecoderState(t *testing.T) {
	t.Run("plaintext while reconstructing", func(t *testing.T) {
		var d Decoder
		if p, err := d.AddText([]byte(`51-["a",{"_placeholder":true,"num":0}]`)); p != nil || err != nil {
			t.Fatalf("AddText = %v, %v", p, err)
		}
		if _, err := d.AddText([]byte(`2["b"]`)); !errors.Is(err, ErrInvalidPacket) || !strings.Contains(err.Error(), "plaintext") {
			t.Fatalf("AddText while reconstructing: %v", err)
		}
	})
	t.Run("binary when not reconstructing", func(t *testing.T) {
		var d Decoder
		if _, err := d.AddBinary([]byte("x")); !errors.Is(err, ErrInvalidPacket) || !strings.Contains(err.Error(), "not reconstructing") {
			t.Fatalf("AddBinary: %v", err)
		}
		// After a complete packet too.
		if p, err := d.AddText([]byte(`2["a"]`)); p == nil || err != nil {
			t.Fatalf("AddText = %v, %v", p, err)
		}
		if _, err := d.AddBinary([]byte("x")); !errors.Is(err, ErrInvalidPacket) {
			t.Fatalf("AddBinary after a text packet: %v", err)
		}
	})
	t.Run("one attachment too many", func(t *testing.T) {
		var d Decoder
		d.AddText([]byte(`51-["a",{"_placeholder":true,"num":0}]`))
		if p, err := d.AddBinary([]byte("x")); p == nil || err != nil {
			t.Fatalf("AddBinary = %v, %v", p, err)
		}
		if _, err := d.AddBinary([]byte("y")); !errors.Is(err, ErrInvalidPacket) {
			t.Fatalf("extra attachment: %v", err)
		}
	})
	t.Run("reset", func(t *testing.T) {
		var d Decoder
		d.AddText([]byte(`52-["a",{"_placeholder":true,"num":0}]`))
		d.AddBinary([]byte("x"))
		d.Reset()
		if p, err := d.AddText([]byte(`2["b"]`)); p == nil || err != nil {
			t.Fatalf("AddText after Reset = %v, %v", p, err)
		}
	})
	t.Run("usable after a bad binary packet", func(t *testing.T) {
		var d Decoder
		d.AddText([]byte(`51-["a",{"_placeholder":true,"num":3}]`))
		if _, err := d.AddBinary([]byte("x")); err == nil {
			t.Fatal("placeholder out of range accepted")
		}
		if p, err := d.AddText([]byte(`2["b"]`)); p == nil || err != nil {
			t.Fatalf("AddText after the error = %v, %v", p, err)
		}
	})
	t.Run("interleaved packets", func(t *testing.T) {
		var d Decoder
		for i := range 3 {
			if p, err := d.AddText([]byte(`2["t"]`)); p == nil || err != nil {
				t.Fatalf("%d: text = %v, %v", i, p, err)
			}
			d.AddText([]byte(`51-["b",{"_placeholder":true,"num":0}]`))
			p, err := d.AddBinary([]byte{byte(i)})
			if err != nil || !bytes.Equal(p.Data.([]any)[1].([]byte), []byte{byte(i)}) {
				t.Fatalf("%d: binary = %v, %v", i, p, err)
			}
		}
	})
}

func TestRoundTrip(t *testing.T) {
	packets := []Packet{
		{Type: Connect, Namespace: "/"},
		{Type: Connect, Namespace: "/admin", Data: map[string]any{"token": "x", "n": 1.5}},
		{Type: Disconnect, Namespace: "/admin"},
		{Type: Event, Namespace: "/", Data: []any{"a", "héllo 😀", 1.0, nil, true, map[string]any{"k": []any{}}}},
		{Type: Event, Namespace: "/x", ID: 99, HasID: true, Data: []any{"bin", []byte{0, 255}, map[string]any{"b": []byte("q")}}},
		{Type: Ack, Namespace: "/", ID: 0, HasID: true, Data: []any{}},
		{Type: Ack, Namespace: "/", ID: 7, HasID: true, Data: []any{[]byte("r")}},
		{Type: ConnectError, Namespace: "/", Data: map[string]any{"message": "m"}},
		{Type: ConnectError, Namespace: "/z", Data: "m"},
	}
	for _, p := range packets {
		text, atts, err := Encode(&p)
		if err != nil {
			t.Fatal(err)
		}
		var as []string
		for _, a := range atts {
			as = append(as, string(a))
		}
		got, err := decodeAll(string(text), as...)
		if err != nil || got == nil || !reflect.DeepEqual(*got, p) {
			t.Fatalf("%#v encoded to %s %q, decoded to %#v, %v", p, text, atts, got, err)
		}
	}
}

// ---- fuzzing ----

// FuzzDecoder feeds a Decoder the messages of one input, split at 0x1e:
// the first is text, the others binary attachments unless they start with
// 0x1f (then text, without that byte), so that the fuzzer reaches every
// state. The decoder must never panic, must only return valid packets, and
// each packet must survive Encode and decoding again.
func FuzzDecoder(f *testing.F) {
	seeds := []string{
		"0", `0{"token":"x"}`, "0/admin,", `0/admin?x=1,{"a":1}`, "1", "1/admin,",
		`2["hello",1,{"a":[true,null]}]`, `2/admin,12["a"]`, `2[42]`, `30[]`, `3/admin,7["x"]`,
		`4{"message":"m","data":{}}`, `4"m"`,
		"51-[\"a\",{\"_placeholder\":true,\"num\":0}]\x1e\x01\x02",
		"62-3[{\"_placeholder\":true,\"num\":1},{\"_placeholder\":true,\"num\":0}]\x1eab\x1ecd",
		"52-/admin,9[\"a\",{\"x\":{\"_placeholder\":true,\"num\":0}},{\"_placeholder\":true,\"num\":1}]\x1e\x1ez",
		"51-[\"a\",{\"_placeholder\":true,\"num\":0}]\x1e\x1f2[\"b\"]",
		"2[\"a\"]\x1e\x1f51-[\"b\",{\"_placeholder\":true,\"num\":0}]\x1exx\x1e\x1f2[\"c\"]",
		"2[\"a\"]\x1ebinary-without-packet",
		"511-[\"a\"]", "51-[\"a\",{\"_placeholder\":true,\"num\":5}]\x1ex", `2["connect"]`, `1{}`, `0"x"`, `7`, "",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		var d Decoder
		for i, m := range bytes.Split(input, []byte{0x1e}) {
			var p *Packet
			var err error
			if i == 0 || (len(m) > 0 && m[0] == 0x1f) {
				if i > 0 {
					m = m[1:]
				}
				p, err = d.AddText(m)
			} else {
				p, err = d.AddBinary(m)
			}
			if err != nil {
				if !errors.Is(err, ErrInvalidPacket) {
					t.Fatalf("error %v does not wrap ErrInvalidPacket", err)
				}
				continue
			}
			if p != nil {
				checkPacket(t, p)
				checkRoundTrip(t, p)
			}
		}
	})
}

func checkPacket(t *testing.T, p *Packet) {
	t.Helper()
	if !strings.HasPrefix(p.Namespace, "/") {
		t.Fatalf("namespace %q", p.Namespace)
	}
	switch p.Type {
	case Event:
		args, ok := p.Data.([]any)
		if !ok || len(args) == 0 {
			t.Fatalf("event data %#v", p.Data)
		}
		switch name := args[0].(type) {
		case string:
			if reserved[name] {
				t.Fatalf("reserved event %q accepted", name)
			}
		case float64:
		default:
			t.Fatalf("event name %#v", args[0])
		}
	case Ack:
		if _, ok := p.Data.([]any); !ok {
			t.Fatalf("ack data %#v", p.Data)
		}
	case Connect:
		if _, ok := p.Data.(map[string]any); p.Data != nil && !ok {
			t.Fatalf("connect data %#v", p.Data)
		}
	case Disconnect:
		if p.Data != nil {
			t.Fatalf("disconnect data %#v", p.Data)
		}
	case ConnectError:
	default:
		t.Fatalf("decoded type %v", p.Type)
	}
}

func checkRoundTrip(t *testing.T, p *Packet) {
	t.Helper()
	text, atts, err := Encode(p)
	if err != nil {
		t.Fatalf("Encode(%#v): %v", p, err)
	}
	var d Decoder
	back, err := d.AddText(text)
	for i := 0; err == nil && i < len(atts); i++ {
		if back != nil {
			t.Fatalf("%s complete before its %d attachments", text, len(atts))
		}
		back, err = d.AddBinary(atts[i])
	}
	if err != nil || back == nil {
		t.Fatalf("%#v encoded to %s %q, which decodes to %#v, %v", p, text, atts, back, err)
	}
	if !reflect.DeepEqual(p, back) {
		t.Fatalf("%#v encoded to %s %q, decoded back to %#v", p, text, atts, back)
	}
}
