package engineio

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// PacketType is an Engine.IO packet type.
type PacketType byte

// Engine.IO packet types, shared by protocols 3 and 4.
const (
	Open PacketType = iota
	Close
	Ping
	Pong
	Message
	Upgrade
	Noop
)

var typeNames = [...]string{"open", "close", "ping", "pong", "message", "upgrade", "noop"}

func (t PacketType) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "PacketType(" + strconv.Itoa(int(t)) + ")"
}

// Packet is one Engine.IO packet. Binary is meaningful for Message packets
// only: the data is raw bytes rather than UTF-8 text.
type Packet struct {
	Type   PacketType
	Data   []byte
	Binary bool
}

// ErrBadPacket is wrapped by every decoding error.
var ErrBadPacket = errors.New("engineio: bad packet")

func badPacket(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrBadPacket}, args...)...)
}

// recordSeparator joins packets in an Engine.IO 4 polling payload.
const recordSeparator = 0x1e

// appendText appends the text form of p: a type digit and the data, or for a
// binary message the base64 form ("b" in protocol 4, "b4" in protocol 3).
func appendText(dst []byte, p Packet, protocol int) []byte {
	if p.Binary {
		if protocol == 3 {
			dst = append(dst, 'b', '4')
		} else {
			dst = append(dst, 'b')
		}
		return base64.StdEncoding.AppendEncode(dst, p.Data)
	}
	dst = append(dst, byte('0'+p.Type))
	return append(dst, p.Data...)
}

// DecodeText decodes a packet sent as text: a WebSocket text frame or one
// packet of a polling payload.
func DecodeText(s []byte, protocol int) (Packet, error) {
	if len(s) == 0 {
		return Packet{}, badPacket("empty packet")
	}
	if s[0] == 'b' {
		b := s[1:]
		if protocol == 3 {
			if len(b) == 0 || b[0] != '4' {
				return Packet{}, badPacket("binary packet of a type other than message")
			}
			b = b[1:]
		}
		data, err := base64.StdEncoding.AppendDecode(nil, b)
		if err != nil {
			return Packet{}, badPacket("base64: %v", err)
		}
		return Packet{Type: Message, Data: data, Binary: true}, nil
	}
	t := PacketType(s[0] - '0')
	if s[0] < '0' || t > Noop {
		return Packet{}, badPacket("unknown packet type %q", s[0])
	}
	if !utf8.Valid(s[1:]) {
		return Packet{}, badPacket("text packet is not valid UTF-8")
	}
	return Packet{Type: t, Data: s[1:]}, nil
}

// DecodeBinaryFrame decodes a WebSocket binary frame. Protocol 4 sends the
// raw message bytes; protocol 3 prefixes them with the packet type byte.
func DecodeBinaryFrame(b []byte, protocol int) (Packet, error) {
	if protocol == 3 {
		if len(b) == 0 || PacketType(b[0]) != Message {
			return Packet{}, badPacket("binary frame of a type other than message")
		}
		return Packet{Type: Message, Data: b[1:], Binary: true}, nil
	}
	return Packet{Type: Message, Data: b, Binary: true}, nil
}

// EncodeFrame returns the WebSocket frame for p and whether it is binary.
func EncodeFrame(p Packet, protocol int) (frame []byte, binary bool) {
	if p.Binary {
		if protocol == 3 {
			f := make([]byte, 0, len(p.Data)+1)
			return append(append(f, byte(Message)), p.Data...), true
		}
		return p.Data, true
	}
	return appendText(make([]byte, 0, len(p.Data)+1), p, protocol), false
}

// EncodePayload encodes packets for a polling response. It returns the body
// and whether it is the protocol 3 binary payload format (served as
// application/octet-stream). supportsBinary is false when a protocol 3 client
// asked for base64 (b64=1).
func EncodePayload(packets []Packet, protocol int, supportsBinary bool) ([]byte, bool) {
	if protocol != 3 {
		var buf []byte
		for i, p := range packets {
			if i > 0 {
				buf = append(buf, recordSeparator)
			}
			buf = appendText(buf, p, protocol)
		}
		return buf, false
	}
	hasBinary := false
	for _, p := range packets {
		hasBinary = hasBinary || p.Binary
	}
	if !hasBinary || !supportsBinary {
		var buf, one []byte
		for _, p := range packets {
			one = appendText(one[:0], p, 3)
			buf = strconv.AppendInt(buf, int64(utf16Len(one)), 10)
			buf = append(buf, ':')
			buf = append(buf, one...)
		}
		return buf, false
	}
	// Protocol 3 binary payload: per packet a 0 (string) or 1 (binary) byte,
	// the length as one byte per decimal digit, 0xff, then the packet.
	var buf []byte
	for _, p := range packets {
		var body []byte
		if p.Binary {
			buf = append(buf, 1)
			body = append([]byte{byte(Message)}, p.Data...)
		} else {
			buf = append(buf, 0)
			body = appendText(nil, p, 3)
		}
		for _, d := range strconv.Itoa(len(body)) {
			buf = append(buf, byte(d-'0'))
		}
		buf = append(buf, 0xff)
		buf = append(buf, body...)
	}
	return buf, true
}

// DecodePayload decodes a polling request body. binaryBody tells that the
// body was sent as application/octet-stream (protocol 3 binary payload).
func DecodePayload(body []byte, protocol int, binaryBody bool) ([]Packet, error) {
	if protocol != 3 {
		if len(body) == 0 {
			return nil, badPacket("empty payload")
		}
		var out []Packet
		for _, part := range bytes.Split(body, []byte{recordSeparator}) {
			p, err := DecodeText(part, protocol)
			if err != nil {
				return nil, err
			}
			out = append(out, p)
		}
		return out, nil
	}
	if binaryBody {
		return decodeBinaryPayloadV3(body)
	}
	return decodeTextPayloadV3(body)
}

func decodeTextPayloadV3(body []byte) ([]Packet, error) {
	if len(body) == 0 {
		return nil, badPacket("empty payload")
	}
	var out []Packet
	for len(body) > 0 {
		colon := bytes.IndexByte(body, ':')
		if colon <= 0 || colon > 10 {
			return nil, badPacket("payload length missing")
		}
		n, err := strconv.Atoi(string(body[:colon]))
		if err != nil || n <= 0 {
			return nil, badPacket("payload length %q", body[:colon])
		}
		body = body[colon+1:]
		// The length counts UTF-16 code units, as JavaScript strings do.
		end, ok := utf16Prefix(body, n)
		if !ok {
			return nil, badPacket("payload shorter than its length")
		}
		p, err := DecodeText(body[:end], 3)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
		body = body[end:]
	}
	return out, nil
}

func decodeBinaryPayloadV3(body []byte) ([]Packet, error) {
	if len(body) == 0 {
		return nil, badPacket("empty payload")
	}
	var out []Packet
	for len(body) > 0 {
		kind := body[0]
		if kind > 1 {
			return nil, badPacket("binary payload kind %d", kind)
		}
		i, n := 1, 0
		for ; i < len(body) && body[i] != 0xff; i++ {
			if body[i] > 9 || i > 10 {
				return nil, badPacket("binary payload length")
			}
			n = n*10 + int(body[i])
		}
		if i == len(body) || i == 1 || n == 0 || len(body)-i-1 < n {
			return nil, badPacket("binary payload length")
		}
		pkt := body[i+1 : i+1+n]
		body = body[i+1+n:]
		var p Packet
		var err error
		if kind == 1 {
			p, err = DecodeBinaryFrame(pkt, 3)
		} else {
			p, err = DecodeText(pkt, 3)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// utf16Len is the length of UTF-8 text in UTF-16 code units.
func utf16Len(s []byte) int {
	n := 0
	for len(s) > 0 {
		r, size := utf8.DecodeRune(s)
		s = s[size:]
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// utf16Prefix returns the byte length of the first n UTF-16 code units of s.
func utf16Prefix(s []byte, n int) (int, bool) {
	i := 0
	for n > 0 {
		if i >= len(s) {
			return 0, false
		}
		r, size := utf8.DecodeRune(s[i:])
		i += size
		if r >= 0x10000 {
			n -= 2
		} else {
			n--
		}
	}
	return i, n == 0
}
