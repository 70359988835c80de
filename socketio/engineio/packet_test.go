package engineio

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func msg(s string) Packet     { return Packet{Type: Message, Data: []byte(s)} }
func bin(b ...byte) Packet    { return Packet{Type: Message, Data: b, Binary: true} }
func pkt(t PacketType) Packet { return Packet{Type: t} }

func samePacket(a, b Packet) bool {
	return a.Type == b.Type && a.Binary == b.Binary && bytes.Equal(a.Data, b.Data)
}

func samePackets(a, b []Packet) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !samePacket(a[i], b[i]) {
			return false
		}
	}
	return true
}

func TestPacketTypeString(t *testing.T) {
	for tp, want := range map[PacketType]string{Open: "open", Close: "close", Ping: "ping", Pong: "pong", Message: "message", Upgrade: "upgrade", Noop: "noop", 9: "PacketType(9)"} {
		if got := tp.String(); got != want {
			t.Errorf("PacketType(%d).String() = %q, want %q", tp, got, want)
		}
	}
}

func TestDecodeText(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		protocol int
		want     Packet
		wantErr  bool
	}{
		{"open", `0{"sid":"x"}`, 4, Packet{Type: Open, Data: []byte(`{"sid":"x"}`)}, false},
		{"close", "1", 4, pkt(Close), false},
		{"ping", "2", 4, pkt(Ping), false},
		{"ping probe", "2probe", 4, Packet{Type: Ping, Data: []byte("probe")}, false},
		{"pong probe", "3probe", 4, Packet{Type: Pong, Data: []byte("probe")}, false},
		{"message", "4hello", 4, msg("hello"), false},
		{"empty message", "4", 4, msg(""), false},
		{"utf8 message", "4héllo €😀", 4, msg("héllo €😀"), false},
		{"upgrade", "5", 4, pkt(Upgrade), false},
		{"noop", "6", 4, pkt(Noop), false},
		{"v4 base64", "bAQID", 4, bin(1, 2, 3), false},
		{"v4 empty base64", "b", 4, bin(), false},
		{"v3 base64", "b4AQID", 3, bin(1, 2, 3), false},
		{"v3 message", "4hi", 3, msg("hi"), false},
		{"v3 empty base64", "b4", 3, bin(), false},

		{"empty", "", 4, Packet{}, true},
		{"type 7", "7", 4, Packet{}, true},
		{"type below 0", "/x", 4, Packet{}, true},
		{"type letter", "a", 4, Packet{}, true},
		{"invalid utf8", "4\xff\xfe", 4, Packet{}, true},
		{"bad base64", "b!!!", 4, Packet{}, true},
		{"base64 bad padding", "bAQI", 4, Packet{}, true},
		{"v3 base64 without type", "b", 3, Packet{}, true},
		{"v3 base64 of type 2", "b2AA==", 3, Packet{}, true},
		{"v3 base64 bad", "b4***", 3, Packet{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeText([]byte(tt.in), tt.protocol)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("DecodeText(%q) = %+v, want an error", tt.in, got)
				}
				if !errors.Is(err, ErrBadPacket) {
					t.Fatalf("error %v does not wrap ErrBadPacket", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("DecodeText(%q): %v", tt.in, err)
			}
			if !samePacket(got, tt.want) {
				t.Fatalf("DecodeText(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestEncodeFrame(t *testing.T) {
	tests := []struct {
		name       string
		p          Packet
		protocol   int
		wantFrame  string
		wantBinary bool
	}{
		{"message", msg("hello"), 4, "4hello", false},
		{"ping", pkt(Ping), 4, "2", false},
		{"pong probe", Packet{Type: Pong, Data: []byte("probe")}, 4, "3probe", false},
		{"open", Packet{Type: Open, Data: []byte("{}")}, 3, "0{}", false},
		{"v4 binary is raw", bin(1, 2, 3), 4, "\x01\x02\x03", true},
		{"v3 binary has the type byte", bin(1, 2, 3), 3, "\x04\x01\x02\x03", true},
		{"v3 empty binary", bin(), 3, "\x04", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frame, binary := EncodeFrame(tt.p, tt.protocol)
			if string(frame) != tt.wantFrame || binary != tt.wantBinary {
				t.Fatalf("EncodeFrame = %q, %v; want %q, %v", frame, binary, tt.wantFrame, tt.wantBinary)
			}
			var back Packet
			var err error
			if binary {
				back, err = DecodeBinaryFrame(frame, tt.protocol)
			} else {
				back, err = DecodeText(frame, tt.protocol)
			}
			if err != nil || !samePacket(back, tt.p) {
				t.Fatalf("decoding the frame back = %+v, %v; want %+v", back, err, tt.p)
			}
		})
	}
}

func TestDecodeBinaryFrame(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		protocol int
		want     Packet
		wantErr  bool
	}{
		{"v4 raw", "\x01\x02", 4, bin(1, 2), false},
		{"v4 empty", "", 4, bin(), false},
		{"v4 starting with 4", "\x04\x01", 4, bin(4, 1), false},
		{"v3 message", "\x04\x01\x02", 3, bin(1, 2), false},
		{"v3 empty message", "\x04", 3, bin(), false},
		{"v3 empty frame", "", 3, Packet{}, true},
		{"v3 ping type", "\x02\x01", 3, Packet{}, true},
		{"v3 ascii 4 is not the type byte", "4\x01", 3, Packet{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeBinaryFrame([]byte(tt.in), tt.protocol)
			if tt.wantErr {
				if err == nil || !errors.Is(err, ErrBadPacket) {
					t.Fatalf("DecodeBinaryFrame(%q) = %+v, %v; want ErrBadPacket", tt.in, got, err)
				}
				return
			}
			if err != nil || !samePacket(got, tt.want) {
				t.Fatalf("DecodeBinaryFrame(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestEncodePayload(t *testing.T) {
	tests := []struct {
		name           string
		packets        []Packet
		protocol       int
		supportsBinary bool
		want           string
		wantBinary     bool
	}{
		{"v4 one", []Packet{msg("hello")}, 4, true, "4hello", false},
		{"v4 separator", []Packet{msg("hello"), msg("world"), pkt(Ping)}, 4, true, "4hello\x1e4world\x1e2", false},
		{"v4 base64", []Packet{msg("a"), bin(1, 2, 3)}, 4, true, "4a\x1ebAQID", false},
		{"v4 open", []Packet{{Type: Open, Data: []byte(`{"sid":"x"}`)}}, 4, true, `0{"sid":"x"}`, false},
		{"v3 text", []Packet{msg("hello"), pkt(Ping)}, 3, true, "6:4hello1:2", false},
		{"v3 utf16 lengths", []Packet{msg("€"), msg("😀"), msg("é😀x")}, 3, true, "2:4€3:4😀5:4é😀x", false},
		{"v3 b64", []Packet{msg("a"), bin(1, 2, 3)}, 3, false, "2:4a6:b4AQID", false},
		{"v3 binary payload", []Packet{msg("hello"), bin(1, 2, 3)}, 3, true,
			"\x00\x06\xff4hello\x01\x04\xff\x04\x01\x02\x03", true},
		{"v3 binary payload length of two digits", []Packet{msg("hello world"), bin()}, 3, true,
			"\x00\x01\x02\xff4hello world\x01\x01\xff\x04", true},
		{"v3 binary payload utf8 byte length", []Packet{msg("😀"), bin(9)}, 3, true,
			"\x00\x05\xff4😀\x01\x02\xff\x04\x09", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, binary := EncodePayload(tt.packets, tt.protocol, tt.supportsBinary)
			if string(got) != tt.want || binary != tt.wantBinary {
				t.Fatalf("EncodePayload = %q, %v; want %q, %v", got, binary, tt.want, tt.wantBinary)
			}
			back, err := DecodePayload(got, tt.protocol, binary)
			if err != nil || !samePackets(back, tt.packets) {
				t.Fatalf("DecodePayload(EncodePayload) = %+v, %v; want %+v", back, err, tt.packets)
			}
		})
	}
}

func TestDecodePayload(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		protocol int
		binary   bool
		want     []Packet
		wantErr  bool
	}{
		{"v4 one", "4hello", 4, false, []Packet{msg("hello")}, false},
		{"v4 several", "4a\x1ebAQID\x1e1", 4, false, []Packet{msg("a"), bin(1, 2, 3), pkt(Close)}, false},
		{"v4 empty message", "4\x1e4", 4, false, []Packet{msg(""), msg("")}, false},
		{"v4 empty body", "", 4, false, nil, true},
		{"v4 empty packet", "4a\x1e\x1e4b", 4, false, nil, true},
		{"v4 trailing separator", "4a\x1e", 4, false, nil, true},
		{"v4 bad packet", "4a\x1e9", 4, false, nil, true},

		{"v3 text", "6:4hello1:2", 3, false, []Packet{msg("hello"), pkt(Ping)}, false},
		{"v3 emoji counts two", "3:4😀2:4€", 3, false, []Packet{msg("😀"), msg("€")}, false},
		{"v3 base64", "6:b4AQID", 3, false, []Packet{bin(1, 2, 3)}, false},
		{"v3 colon inside data", "4:4a:b", 3, false, []Packet{msg("a:b")}, false},
		{"v3 empty body", "", 3, false, nil, true},
		{"v3 no length", ":4a", 3, false, nil, true},
		{"v3 no colon", "4hello", 3, false, nil, true},
		{"v3 length not a number", "x:4a", 3, false, nil, true},
		{"v3 negative length", "-2:4a", 3, false, nil, true},
		{"v3 zero length", "0:", 3, false, nil, true},
		{"v3 length too long", "7:4hello", 3, false, nil, true},
		{"v3 length splits a surrogate pair", "2:4😀", 3, false, nil, true},
		{"v3 length with too many digits", "12345678901:4", 3, false, nil, true},
		{"v3 bad packet inside", "1:9", 3, false, nil, true},
		{"v3 v4 base64 form", "5:bAQID", 3, false, nil, true},

		{"v3 binary payload", "\x00\x06\xff4hello\x01\x04\xff\x04\x01\x02\x03", 3, true,
			[]Packet{msg("hello"), bin(1, 2, 3)}, false},
		{"v3 binary payload two digits", "\x00\x01\x02\xff4hello world", 3, true, []Packet{msg("hello world")}, false},
		{"v3 binary payload empty", "", 3, true, nil, true},
		{"v3 binary payload bad kind", "\x02\x01\xff4", 3, true, nil, true},
		{"v3 binary payload no 0xff", "\x00\x01\x02", 3, true, nil, true},
		{"v3 binary payload no digits", "\x00\xff4", 3, true, nil, true},
		{"v3 binary payload digit over 9", "\x00\x0a\xff4hello1234", 3, true, nil, true},
		{"v3 binary payload zero length", "\x00\x00\xff", 3, true, nil, true},
		{"v3 binary payload too short", "\x00\x05\xff4ab", 3, true, nil, true},
		{"v3 binary payload too many digits", "\x00\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\xff4", 3, true, nil, true},
		{"v3 binary payload binary of type 2", "\x01\x02\xff\x02\x01", 3, true, nil, true},
		{"v3 binary payload bad text", "\x00\x01\xff9", 3, true, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodePayload([]byte(tt.in), tt.protocol, tt.binary)
			if tt.wantErr {
				if err == nil || !errors.Is(err, ErrBadPacket) {
					t.Fatalf("DecodePayload(%q) = %+v, %v; want ErrBadPacket", tt.in, got, err)
				}
				return
			}
			if err != nil || !samePackets(got, tt.want) {
				t.Fatalf("DecodePayload(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestUTF16(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want int
	}{{"", 0}, {"abc", 3}, {"é", 1}, {"€", 1}, {"😀", 2}, {"a😀b😀", 6}, {"\xff", 1}} {
		if got := utf16Len([]byte(tt.s)); got != tt.want {
			t.Errorf("utf16Len(%q) = %d, want %d", tt.s, got, tt.want)
		}
		if n, ok := utf16Prefix([]byte(tt.s+"tail"), tt.want); !ok || n != len(tt.s) {
			t.Errorf("utf16Prefix(%q+tail, %d) = %d, %v; want %d", tt.s, tt.want, n, ok, len(tt.s))
		}
	}
	if _, ok := utf16Prefix([]byte("😀"), 1); ok {
		t.Error("utf16Prefix accepted a length ending inside a surrogate pair")
	}
	if _, ok := utf16Prefix([]byte("ab"), 3); ok {
		t.Error("utf16Prefix accepted a length past the end")
	}
}

// ---- fuzzing ----

var textSeeds = []string{
	`0{"sid":"abc","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`,
	"1", "2", "2probe", "3", "3probe", "4hello", "4", "4héllo 😀", "5", "6",
	"bAQID", "b", "b4AQID", "b4", `442["event",{"a":1}]`, `451-["bin",{"_placeholder":true,"num":0}]`,
	"", "7", "4\xff", "b!!", "bAQI",
}

// FuzzDecodeText: DecodeText never panics, and what it accepts encodes back
// to text that decodes to the same packet.
func FuzzDecodeText(f *testing.F) {
	for _, s := range textSeeds {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, v3 bool) {
		protocol := 4
		if v3 {
			protocol = 3
		}
		p, err := DecodeText(data, protocol)
		if err != nil {
			if !errors.Is(err, ErrBadPacket) {
				t.Fatalf("error %v does not wrap ErrBadPacket", err)
			}
			return
		}
		if p.Binary && p.Type != Message {
			t.Fatalf("binary packet of type %v", p.Type)
		}
		text := appendText(nil, p, protocol)
		back, err := DecodeText(text, protocol)
		if err != nil || !samePacket(p, back) {
			t.Fatalf("%q decoded to %+v, encoded to %q, decoded back to %+v, %v", data, p, text, back, err)
		}
		// A WebSocket frame carries the same packet.
		frame, binary := EncodeFrame(p, protocol)
		if binary {
			back, err = DecodeBinaryFrame(frame, protocol)
		} else {
			back, err = DecodeText(frame, protocol)
		}
		if err != nil || !samePacket(p, back) {
			t.Fatalf("frame %q of %+v decoded to %+v, %v", frame, p, back, err)
		}
	})
}

var payloadSeeds = []struct {
	body         string
	v3, binaryV3 bool
}{
	{"4hello\x1e4world\x1e2", false, false},
	{"4a\x1ebAQID\x1e1", false, false},
	{`0{"sid":"x"}` + "\x1e40", false, false},
	{"4\x1e4", false, false},
	{"6:4hello1:2", true, false},
	{"3:4😀2:4€", true, false},
	{"6:b4AQID2:40", true, false},
	{"\x00\x06\xff4hello\x01\x04\xff\x04\x01\x02\x03", true, true},
	{"\x00\x01\x02\xff4hello world\x01\x01\xff\x04", true, true},
	{"", false, false}, {"0:", true, false}, {"\x00\xff", true, true}, {"2:4😀", true, false},
}

// FuzzDecodePayload: DecodePayload never panics, accepted payloads re-encode
// to payloads that decode to the same packets (in the format the encoder
// picks: v4 text, v3 text, v3 binary or v3 base64), and a payload cut in two
// decodes, when both halves do, to the packets of the halves joined.
func FuzzDecodePayload(f *testing.F) {
	for _, s := range payloadSeeds {
		f.Add([]byte(s.body), s.v3, s.binaryV3, uint16(len(s.body)/2))
	}
	f.Fuzz(func(t *testing.T, body []byte, v3, binaryV3 bool, cut uint16) {
		protocol := 4
		if v3 {
			protocol = 3
		}
		packets, err := DecodePayload(body, protocol, binaryV3)
		if err == nil {
			for _, supportsBinary := range []bool{true, false} {
				enc, isBinary := EncodePayload(packets, protocol, supportsBinary)
				back, err := DecodePayload(enc, protocol, isBinary)
				if err != nil || !samePackets(packets, back) {
					t.Fatalf("%q decoded to %+v, encoded (binary %v) to %q, decoded back to %+v, %v",
						body, packets, supportsBinary, enc, back, err)
				}
			}
		} else if !errors.Is(err, ErrBadPacket) {
			t.Fatalf("error %v does not wrap ErrBadPacket", err)
		}

		// Split: decode two pieces separately and joined.
		c := int(cut)
		if c > len(body) {
			c = len(body)
		}
		a, b := body[:c], body[c:]
		pa, errA := DecodePayload(a, protocol, binaryV3)
		pb, errB := DecodePayload(b, protocol, binaryV3)
		if errA != nil || errB != nil {
			return
		}
		joined := append(append([]byte{}, a...), b...)
		if !v3 {
			joined = append(append(append([]byte{}, a...), recordSeparator), b...)
		}
		all, err := DecodePayload(joined, protocol, binaryV3)
		if err != nil || !samePackets(all, append(pa, pb...)) {
			t.Fatalf("pieces %q and %q decode to %+v and %+v, joined to %+v, %v", a, b, pa, pb, all, err)
		}
	})
}

// FuzzDecodeBinaryFrame: DecodeBinaryFrame never panics and accepted frames
// encode back to the same frame.
func FuzzDecodeBinaryFrame(f *testing.F) {
	for _, s := range []string{"", "\x01\x02\x03", "\x04\x01\x02", "\x04", "\x02", "4hello", strings.Repeat("\xff", 64)} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, v3 bool) {
		protocol := 4
		if v3 {
			protocol = 3
		}
		p, err := DecodeBinaryFrame(data, protocol)
		if err != nil {
			if !v3 {
				t.Fatalf("protocol 4 refused a binary frame: %v", err)
			}
			return
		}
		if !p.Binary || p.Type != Message {
			t.Fatalf("decoded %+v, want a binary message", p)
		}
		frame, binary := EncodeFrame(p, protocol)
		if !binary || !bytes.Equal(frame, data) {
			t.Fatalf("%q decoded to %+v and encoded to %q, %v", data, p, frame, binary)
		}
		// The same message also travels as base64 text.
		back, err := DecodeText(appendText(nil, p, protocol), protocol)
		if err != nil || !samePacket(p, back) {
			t.Fatalf("base64 form of %+v decoded to %+v, %v", p, back, err)
		}
	})
}
