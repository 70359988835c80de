package parser

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
)

// PacketType is a Socket.IO packet type.
type PacketType byte

// Socket.IO packet types.
const (
	Connect PacketType = iota
	Disconnect
	Event
	Ack
	ConnectError
	BinaryEvent
	BinaryAck
)

var typeNames = [...]string{"CONNECT", "DISCONNECT", "EVENT", "ACK", "CONNECT_ERROR", "BINARY_EVENT", "BINARY_ACK"}

func (t PacketType) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "PacketType(" + strconv.Itoa(int(t)) + ")"
}

// MaxAttachments is the most binary attachments one packet may announce, as
// in the reference parser.
const MaxAttachments = 10

// Packet is a decoded Socket.IO packet. Data holds JSON values decoded into
// Go's generic types (map[string]any, []any, string, float64, bool, nil) with
// binary attachments as []byte where their placeholders were.
type Packet struct {
	Type      PacketType
	Namespace string
	// ID is the ack id; HasID tells whether there is one.
	ID    uint64
	HasID bool
	Data  any
}

// ErrInvalidPacket is wrapped by every decoding error.
var ErrInvalidPacket = errors.New("socketio: invalid packet")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidPacket}, args...)...)
}

// reserved event names a client may not emit.
var reserved = map[string]bool{
	"connect": true, "connect_error": true, "disconnect": true,
	"disconnecting": true, "newListener": true, "removeListener": true,
}

// Encode returns the text form of p and its binary attachments. []byte
// values anywhere in Data (inside []any and map[string]any) become
// attachments, and Event/Ack become BinaryEvent/BinaryAck when there are any.
func Encode(p *Packet) ([]byte, [][]byte, error) {
	var attachments [][]byte
	data := p.Data
	if (p.Type == Event || p.Type == Ack || p.Type == BinaryEvent || p.Type == BinaryAck) && hasBinary(data) {
		data = deconstruct(data, &attachments)
	}
	t := p.Type
	if len(attachments) > 0 {
		if t == Event {
			t = BinaryEvent
		} else if t == Ack {
			t = BinaryAck
		}
	} else if t == BinaryEvent {
		t = Event
	} else if t == BinaryAck {
		t = Ack
	}
	buf := make([]byte, 0, 64)
	buf = append(buf, byte('0'+t))
	if t == BinaryEvent || t == BinaryAck {
		buf = strconv.AppendInt(buf, int64(len(attachments)), 10)
		buf = append(buf, '-')
	}
	if p.Namespace != "" && p.Namespace != "/" {
		buf = append(buf, p.Namespace...)
		buf = append(buf, ',')
	}
	if p.HasID {
		buf = strconv.AppendUint(buf, p.ID, 10)
	}
	if data != nil {
		var err error
		if buf, err = marshalJSON(buf, data); err != nil {
			return nil, nil, fmt.Errorf("socketio: encode %s: %w", t, err)
		}
	}
	return buf, attachments, nil
}

type placeholder struct {
	Placeholder bool `json:"_placeholder"`
	Num         int  `json:"num"`
}

// deconstruct copies the containers that hold []byte, replacing each []byte
// with a placeholder, so the caller's values are never modified.
func deconstruct(v any, out *[][]byte) any {
	switch x := v.(type) {
	case []byte:
		*out = append(*out, x)
		return placeholder{true, len(*out) - 1}
	case []any:
		if !hasBinary(x) {
			return x
		}
		cp := make([]any, len(x))
		for i, e := range x {
			cp[i] = deconstruct(e, out)
		}
		return cp
	case map[string]any:
		if !hasBinary(x) {
			return x
		}
		cp := make(map[string]any, len(x))
		for k, e := range x {
			cp[k] = deconstruct(e, out)
		}
		return cp
	}
	return v
}

// hasBinary tells whether v holds a []byte, directly or inside []any and
// map[string]any values.
func hasBinary(v any) bool {
	switch x := v.(type) {
	case []byte:
		return true
	case []any:
		for _, e := range x {
			if hasBinary(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range x {
			if hasBinary(e) {
				return true
			}
		}
	}
	return false
}

// Decoder reassembles packets from a connection's messages.
type Decoder struct {
	pending     *Packet
	raw         []byte // JSON data of the pending binary packet
	want        int
	attachments [][]byte
}

// AddText decodes a text message. s is not retained (it may be the
// transport's read buffer). It returns the packet, or nil while a
// binary packet waits for its attachments.
func (d *Decoder) AddText(s []byte) (*Packet, error) {
	if d.pending != nil {
		return nil, invalid("got plaintext data when reconstructing a packet")
	}
	p, raw, n, err := decodeHeader(s)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		// Kept until the attachments arrive: a copy, as s may be the
		// transport's read buffer.
		raw = bytes.Clone(raw)
		d.pending, d.raw, d.want, d.attachments = p, raw, n, make([][]byte, 0, n)
		return nil, nil
	}
	if err := finish(p, raw, nil); err != nil {
		return nil, err
	}
	return p, nil
}

// AddBinary adds a binary attachment to the pending packet and returns the
// packet once all of them have arrived.
func (d *Decoder) AddBinary(b []byte) (*Packet, error) {
	if d.pending == nil {
		return nil, invalid("got binary data when not reconstructing a packet")
	}
	d.attachments = append(d.attachments, bytes.Clone(b)) // b may be a transport buffer
	if len(d.attachments) < d.want {
		return nil, nil
	}
	p, raw, att := d.pending, d.raw, d.attachments
	d.Reset()
	if err := finish(p, raw, att); err != nil {
		return nil, err
	}
	return p, nil
}

// Reset drops a partly received packet.
func (d *Decoder) Reset() { *d = Decoder{} }

func decodeHeader(s []byte) (p *Packet, raw []byte, attachments int, err error) {
	if len(s) == 0 {
		return nil, nil, 0, invalid("empty packet")
	}
	if s[0] < '0' || s[0] > '6' {
		return nil, nil, 0, invalid("unknown packet type %q", s[0])
	}
	p = &Packet{Type: PacketType(s[0] - '0'), Namespace: "/"}
	i := 1
	if p.Type == BinaryEvent || p.Type == BinaryAck {
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == start || i >= len(s) || s[i] != '-' || i-start > 3 {
			return nil, nil, 0, invalid("illegal attachments")
		}
		attachments, _ = strconv.Atoi(string(s[start:i]))
		if attachments > MaxAttachments {
			return nil, nil, 0, invalid("too many attachments")
		}
		i++
	}
	if i < len(s) && s[i] == '/' {
		end := bytes.IndexByte(s[i:], ',')
		if end < 0 {
			p.Namespace = string(s[i:])
			i = len(s)
		} else {
			p.Namespace = string(s[i : i+end])
			i += end + 1
		}
	}
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i > start {
		if i-start > 15 {
			return nil, nil, 0, invalid("illegal id")
		}
		p.ID, _ = strconv.ParseUint(string(s[start:i]), 10, 64)
		p.HasID = true
	}
	if i < len(s) {
		raw = s[i:]
	}
	if attachments > 0 && raw == nil {
		return nil, nil, 0, invalid("binary packet without data")
	}
	return p, raw, attachments, nil
}

func finish(p *Packet, raw []byte, attachments [][]byte) error {
	if raw != nil {
		v, err := decodeJSON(raw)
		if err != nil {
			return invalid("invalid payload")
		}
		p.Data = v
	}
	if !payloadValid(p.Type, p.Data, raw != nil) {
		return invalid("invalid payload for %s", p.Type)
	}
	if len(attachments) > 0 {
		var err error
		p.Data, err = reconstruct(p.Data, attachments)
		if err != nil {
			return err
		}
	}
	if p.Type == BinaryEvent {
		p.Type = Event
	} else if p.Type == BinaryAck {
		p.Type = Ack
	}
	return nil
}

func payloadValid(t PacketType, data any, present bool) bool {
	switch t {
	case Connect:
		_, ok := data.(map[string]any)
		return !present || ok
	case Disconnect:
		return !present
	case ConnectError:
		switch data.(type) {
		case string, map[string]any:
			return true
		}
		return false
	case Event, BinaryEvent:
		args, ok := data.([]any)
		if !ok || len(args) == 0 {
			return false
		}
		switch name := args[0].(type) {
		case float64:
			return true
		case string:
			return !reserved[name]
		}
		return false
	case Ack, BinaryAck:
		_, ok := data.([]any)
		return ok
	}
	return false
}

func reconstruct(v any, att [][]byte) (any, error) {
	switch x := v.(type) {
	case []any:
		for i, e := range x {
			ne, err := reconstruct(e, att)
			if err != nil {
				return nil, err
			}
			x[i] = ne
		}
	case map[string]any:
		if ph, ok := x["_placeholder"].(bool); ok && ph {
			n, ok := x["num"].(float64)
			if !ok || n < 0 || n >= float64(len(att)) || n != float64(int(n)) {
				return nil, invalid("illegal attachments")
			}
			return att[int(n)], nil
		}
		for k, e := range x {
			ne, err := reconstruct(e, att)
			if err != nil {
				return nil, err
			}
			x[k] = ne
		}
	}
	return v, nil
}
