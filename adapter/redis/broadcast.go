package redis

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync"

	"github.com/rpsio/rpsio/adapter/internal/notepack"
	"github.com/rpsio/rpsio/socketio"
	"github.com/rpsio/rpsio/socketio/parser"
)

// The classic broadcast, both ways, without the generic value trees:
//
//   - publishing, [uid, {type, data, nsp}, {rooms, except, flags}] is
//     appended to a pooled buffer, which the writer returns to the pool
//     once Redis has the message;
//   - receiving, the message is validated once (notepack.Validate: what
//     Unmarshal would refuse is refused), the fields are read in place,
//     and the arguments are written straight into the Socket.IO packet
//     that the local clients get (notepack.Reader.AppendJSON), encoded
//     once for all of them. Anything AppendJSON leaves to the generic
//     decoder (a map key that is not a string, a key twice in one map, NaN)
//     takes the old path: decode, then parser.Encode.
//
// Both give what the generic code gives, byte for byte on the Redis side
// (wire_test.go and the golden files check it); towards clients, an
// object's keys keep the order they had on the wire (as a Node node
// writes them) where encoding/json would sort them.

// payloadPool holds the buffers of published broadcasts.
var payloadPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// maxPooledPayload: larger buffers are left to the garbage collector.
const maxPooledPayload = 64 << 10

func releasePayload(b *[]byte) {
	if b != nil && cap(*b) <= maxPooledPayload {
		*b = (*b)[:0]
		payloadPool.Put(b)
	}
}

// appendUniqueStrings writes a list of strings without repeats, in order,
// as notepack writes unique(list).
func appendUniqueStrings(dst []byte, list []string) []byte {
	n := 0
	for i, s := range list {
		if !slices.Contains(list[:i], s) {
			n++
		}
	}
	dst = notepack.AppendArrayHeader(dst, n)
	for i, s := range list {
		if !slices.Contains(list[:i], s) {
			dst = notepack.AppendString(dst, s)
		}
	}
	return dst
}

// onlyRoom is the single room of a list whose entries are all the same,
// if so.
func onlyRoom(list []string) (string, bool) {
	if len(list) == 0 {
		return "", false
	}
	for _, s := range list[1:] {
		if s != list[0] {
			return "", false
		}
	}
	return list[0], true
}

// appendFlags writes flagsMap(f, true).
func appendFlags(dst []byte, f socketio.BroadcastFlags) []byte {
	n := 0
	if f.Volatile {
		n++
	}
	if f.Timeout > 0 {
		n++
	}
	dst = notepack.AppendMapHeader(dst, n)
	if f.Volatile {
		dst = append(notepack.AppendString(dst, "volatile"), 0xc3)
	}
	if f.Timeout > 0 {
		dst = notepack.AppendInt(notepack.AppendString(dst, "timeout"), f.Timeout.Milliseconds())
	}
	return dst
}

// appendClassicBroadcast writes [uid, {type: 2, data, nsp}, {rooms,
// except, flags}], and the connection state recovery offset as a fourth
// element when there is one: beside the packet, where Node's [uid, packet,
// opts] destructuring does not look.
func (a *nspAdapter) appendClassicBroadcast(dst []byte, data any, opts socketio.BroadcastOptions) ([]byte, error) {
	if opts.Offset != "" {
		dst = notepack.AppendArrayHeader(dst, 4)
	} else {
		dst = notepack.AppendArrayHeader(dst, 3)
	}
	dst = notepack.AppendString(dst, a.uid)
	dst = notepack.AppendMapHeader(dst, 3)
	dst = append(notepack.AppendString(dst, "type"), byte(parser.Event))
	dst = notepack.AppendString(dst, "data")
	var err error
	if dst, err = notepack.AppendNested(dst, data, 2); err != nil {
		return dst, err
	}
	dst = notepack.AppendString(notepack.AppendString(dst, "nsp"), a.name)
	dst = notepack.AppendMapHeader(dst, 3)
	dst = appendUniqueStrings(notepack.AppendString(dst, "rooms"), opts.Rooms)
	dst = appendUniqueStrings(notepack.AppendString(dst, "except"), opts.Except)
	dst = appendFlags(notepack.AppendString(dst, "flags"), opts.Flags)
	if opts.Offset != "" {
		dst = notepack.AppendString(dst, opts.Offset)
	}
	return dst, nil
}

func (a *nspAdapter) publishClassicBroadcast(p *parser.Packet, opts socketio.BroadcastOptions) error {
	buf := payloadPool.Get().(*[]byte)
	msg, err := a.appendClassicBroadcast((*buf)[:0], p.Data, opts)
	if err != nil {
		releasePayload(buf)
		return fmt.Errorf("redis adapter: encoding a broadcast: %w", err)
	}
	*buf = msg
	channel := a.channel
	if room, ok := onlyRoom(opts.Rooms); ok {
		channel = a.roomChannelName(room)
	}
	return a.c.publishPooled(pubBroadcast, channel, buf)
}

// roomChannelName is P#N#ROOM#; the last one made is kept, as a node
// usually broadcasts to the same room many times in a row.
func (a *nspAdapter) roomChannelName(room string) string {
	a.chMu.Lock()
	defer a.chMu.Unlock()
	if a.lastRoom != room || a.lastRoomChannel == "" {
		a.lastRoom, a.lastRoomChannel = room, a.channel+room+"#"
	}
	return a.lastRoomChannel
}

// handleBroadcast decodes [uid, packet, opts] and delivers it locally at
// once.
func (a *nspAdapter) handleBroadcast(b []byte) error {
	var rooms, except [4]string // on the stack: the usual one room
	in, opts, err := a.decodeBroadcast(b, rooms[:0], except[:0])
	if err != nil || in.skip {
		return err
	}
	if in.packet != nil {
		return a.InMemoryAdapter.Broadcast(in.packet, heapOptions(opts, in.offset))
	}
	opts.Offset = in.offset
	a.InMemoryAdapter.BroadcastEncoded(opts, socketio.EncodedPacket{Text: in.text, Attachments: in.atts})
	return nil
}

// heapOptions copies the room lists, which the caller keeps on its stack,
// for Broadcast (which with recovery on may keep opts, so that passing the
// caller's would move its arrays to the heap on every broadcast).
func heapOptions(opts socketio.BroadcastOptions, offset string) socketio.BroadcastOptions {
	return socketio.BroadcastOptions{
		Rooms:  slices.Clone(opts.Rooms),
		Except: slices.Clone(opts.Except),
		Flags:  socketio.BroadcastFlags{Volatile: opts.Flags.Volatile},
		Offset: offset,
	}
}

// receiveBroadcast is handleBroadcast for the dispatcher: consecutive
// broadcasts to the same local sockets are handed over together (see
// deliveryGroup).
func (a *nspAdapter) receiveBroadcast(b []byte) error {
	var rooms, except [4]string
	in, opts, err := a.decodeBroadcast(b, rooms[:0], except[:0])
	if err != nil || in.skip {
		return err
	}
	g := &a.c.group
	if in.packet != nil || opts.Flags.Volatile || in.offset != "" {
		// The generic path, volatile packets (each dropped or not on its
		// own) and kept ones (each with its offset) go at once, after
		// what came before.
		a.c.flushGroup()
		if in.packet != nil {
			return a.InMemoryAdapter.Broadcast(in.packet, heapOptions(opts, in.offset))
		}
		opts.Offset = in.offset
		a.InMemoryAdapter.BroadcastEncoded(opts, socketio.EncodedPacket{Text: in.text, Attachments: in.atts})
		return nil
	}
	if len(g.packets) > 0 && !g.takes(a, opts) {
		a.c.flushGroup()
	}
	if len(g.packets) == 0 {
		g.a = a
		g.rooms = append(g.rooms[:0], opts.Rooms...)
		g.except = append(g.except[:0], opts.Except...)
	}
	g.packets = append(g.packets, socketio.EncodedPacket{Text: in.text, Attachments: in.atts})
	return nil
}

// deliveryGroup holds broadcasts received from other nodes for the same
// local sockets (same namespace, rooms and except), not yet handed over.
// The dispatcher hands them over together, in one BroadcastEncoded (one
// Send per socket, and so one write where the transport coalesces), when
// its receive queue is empty, before it handles any other message, and at
// maxGroup: a broadcast waits only for those that had already arrived
// behind it, and the order of everything the subscriber connection
// carries is kept. Only the dispatcher goroutine touches it.
type deliveryGroup struct {
	a             *nspAdapter
	rooms, except []string
	packets       []socketio.EncodedPacket
}

// maxGroup bounds the broadcasts handed over together.
const maxGroup = 64

func (g *deliveryGroup) takes(a *nspAdapter, opts socketio.BroadcastOptions) bool {
	return g.a == a && len(g.packets) < maxGroup && slices.Equal(g.rooms, opts.Rooms) && slices.Equal(g.except, opts.Except)
}

// flushGroup hands the group over to its sockets.
func (c *Cluster) flushGroup() {
	g := &c.group
	if len(g.packets) == 0 {
		return
	}
	defer func() {
		clear(g.packets)
		g.packets, g.a = g.packets[:0], nil
		if p := recover(); p != nil {
			c.malformed.Add(1)
			c.metrics.Dropped("malformed")
			c.log.Error("redis adapter: delivering broadcasts panicked; dropped", "panic", p)
		}
	}()
	g.a.InMemoryAdapter.BroadcastEncoded(socketio.BroadcastOptions{Rooms: g.rooms, Except: g.except}, g.packets...)
}

// inbound is a broadcast from another node, ready for the local sockets:
// the packet encoded for clients (text, atts), or from the generic path
// decoded (packet).
type inbound struct {
	skip   bool   // not for this namespace, or our own
	offset string // an rpsio peer's recovery offset, if any
	text   []byte
	atts   [][]byte
	packet *parser.Packet
}

// decodeBroadcast reads [uid, packet, opts], the room lists appended to
// rooms and except (returned apart from inbound, so that they may stay on
// the caller's stack). It accepts and refuses what the generic decoding
// (Unmarshal, then the checks of eventPacket and wireOptions) does, in the
// same order.
func (a *nspAdapter) decodeBroadcast(b []byte, rooms, except []string) (in inbound, opts socketio.BroadcastOptions, err error) {
	if err := notepack.Validate(b); err != nil {
		return in, opts, fmt.Errorf("%w: %w", errMalformed, err)
	}
	r := notepack.NewReader(b)
	n, ok := r.ArrayLen()
	if !ok || n < 3 {
		return in, opts, malformed("broadcast: not [uid, packet, opts]")
	}
	if uid, ok := r.Str(); ok {
		if string(uid) == a.uid {
			in.skip = true // our own
			return in, opts, nil
		}
	} else if err := r.Skip(1); err != nil {
		return in, opts, fmt.Errorf("%w: %w", errMalformed, err)
	}
	var pk wirePacket
	pk, err = readWirePacket(r, 1)
	if err != nil {
		return in, opts, err
	}
	if !pk.nspIs(a.name) {
		in.skip = true
		return in, opts, nil
	}
	var generic bool
	generic, err = pk.checkEvent(b)
	if err != nil {
		return in, opts, err
	}
	if opts, err = a.readWireOptions(r, rooms, except); err != nil {
		return in, opts, err
	}
	if n > 3 {
		// An rpsio peer's recovery offset (anything else: none): the
		// socketio side keeps the packet, with the offset appended to
		// its text.
		if off, ok := r.Str(); ok && len(off) > 0 {
			in.offset = string(off)
		}
	}
	if !generic {
		in.text, in.atts, err = a.encodeForClients(b, pk.data)
		if err == nil {
			return in, opts, nil
		}
		if !errors.Is(err, notepack.ErrNotPlain) {
			return in, opts, fmt.Errorf("%w: %w", errMalformed, err)
		}
		in.text, in.atts = nil, nil
	}
	// The generic path: the data decoded into Go values, for the parser.
	v, err := notepack.NewReaderAt(b, pk.data).Value(2)
	if err != nil {
		return in, opts, fmt.Errorf("%w: %w", errMalformed, err)
	}
	data, _ := toJS(v).([]any)
	in.packet = &parser.Packet{Type: parser.Event, Namespace: a.name, Data: data}
	return in, opts, nil
}

// jsonScratch holds the JSON of the arguments while it is written.
var jsonScratch = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// encodeForClients writes the Socket.IO EVENT packet of the data array at
// off: what parser.Encode writes for it, its binaries as attachments.
func (a *nspAdapter) encodeForClients(b []byte, off int) ([]byte, [][]byte, error) {
	scratch := jsonScratch.Get().(*[]byte)
	defer func() {
		if cap(*scratch) <= maxPooledPayload {
			jsonScratch.Put(scratch)
		}
	}()
	js, atts, err := notepack.NewReaderAt(b, off).AppendJSON((*scratch)[:0], nil)
	*scratch = js[:0]
	if err != nil {
		return nil, nil, err
	}
	// "2" or "5<n>-", then "<nsp>," unless "/", then the JSON.
	size := 1 + len(js)
	if len(atts) > 0 {
		size += 4
	}
	if a.name != "/" {
		size += len(a.name) + 1
	}
	text := make([]byte, 0, size)
	if len(atts) > 0 {
		text = append(strconv.AppendInt(append(text, '0'+byte(parser.BinaryEvent)), int64(len(atts)), 10), '-')
	} else {
		text = append(text, '0'+byte(parser.Event))
	}
	if a.name != "/" {
		text = append(append(text, a.name...), ',')
	}
	return append(text, js...), atts, nil
}

// wirePacket is where the fields of a {type, data, nsp} are.
type wirePacket struct {
	typ      float64
	typeOK   bool // type is a number
	data     int  // offset of data, -1 when missing
	nsp      []byte
	nspState uint8 // nspDefault (missing or nil), nspString, nspOther
}

const (
	nspDefault = iota
	nspString
	nspOther
)

// readWirePacket reads the packet map at r (values at depth+1).
func readWirePacket(r *notepack.Reader, depth int) (wirePacket, error) {
	pk := wirePacket{data: -1}
	n, ok := r.MapLen()
	if !ok {
		return pk, malformed("broadcast: packet is not an object")
	}
	for range n {
		k, _, err := r.Key()
		if err != nil {
			return pk, fmt.Errorf("%w: %w", errMalformed, err)
		}
		// The last of a repeated key counts, as in a decoded map.
		switch string(k) {
		case "type":
			pk.typ, pk.typeOK = r.Number()
			if pk.typeOK {
				continue
			}
		case "data":
			pk.data = r.Offset()
		case "nsp":
			if r.IsNil() {
				pk.nsp, pk.nspState = nil, nspDefault
				continue
			}
			if s, ok := r.Str(); ok {
				pk.nsp, pk.nspState = s, nspString
				continue
			}
			pk.nspState = nspOther
		}
		if err := r.Skip(depth + 1); err != nil {
			return pk, fmt.Errorf("%w: %w", errMalformed, err)
		}
	}
	return pk, nil
}

func (pk *wirePacket) nspIs(name string) bool {
	switch pk.nspState {
	case nspDefault:
		return name == "/"
	case nspString:
		return string(pk.nsp) == name
	}
	return false
}

// checkEvent: an EVENT (or BINARY_EVENT) whose data is [name, ...args],
// the name a string or a number (a Date becomes a string), as eventPacket
// checks. generic: the data is an extension, which Unmarshal makes an
// array of its own ([type, data]): left to the generic path.
func (pk *wirePacket) checkEvent(b []byte) (generic bool, err error) {
	t := pk.typ
	if !pk.typeOK || t != math.Trunc(t) || math.Abs(t) > 1<<53 || (int(t) != int(parser.Event) && int(t) != int(parser.BinaryEvent)) {
		return false, malformed("packet: type is not an event")
	}
	if pk.data < 0 {
		return false, malformed("packet: data is not [event, ...args]")
	}
	r := notepack.NewReaderAt(b, pk.data)
	if r.Kind() == notepack.KindExt {
		return true, nil
	}
	if n, ok := r.ArrayLen(); !ok || n == 0 {
		return false, malformed("packet: data is not [event, ...args]")
	}
	switch r.Kind() {
	case notepack.KindString, notepack.KindNumber, notepack.KindDate:
		return false, nil
	}
	return false, malformed("packet: the event name is not a string or a number")
}

// readWireOptions reads {rooms, except, flags} at r (depth 1) into o, the
// room lists appended to rooms and except; the timeout flag is left out
// (a broadcast without acks). As in a decoded map, the last of a repeated
// key counts, so the values are read after the keys.
func (a *nspAdapter) readWireOptions(r *notepack.Reader, rooms, except []string) (o socketio.BroadcastOptions, err error) {
	n, ok := r.MapLen()
	if !ok {
		return o, malformed("opts: not an object")
	}
	b := r.Bytes()
	roomsAt, exceptAt, flagsAt := -1, -1, -1
	for range n {
		k, _, err := r.Key()
		if err != nil {
			return o, fmt.Errorf("%w: %w", errMalformed, err)
		}
		switch string(k) {
		case "rooms":
			roomsAt = r.Offset()
		case "except":
			exceptAt = r.Offset()
		case "flags":
			flagsAt = r.Offset()
		}
		if err := r.Skip(2); err != nil {
			return o, fmt.Errorf("%w: %w", errMalformed, err)
		}
	}
	if roomsAt >= 0 {
		if o.Rooms, err = a.readRoomList(notepack.NewReaderAt(b, roomsAt), rooms); err != nil {
			return o, err
		}
	}
	if exceptAt >= 0 {
		if o.Except, err = a.readRoomList(notepack.NewReaderAt(b, exceptAt), except); err != nil {
			return o, err
		}
	}
	if flagsAt >= 0 {
		f := notepack.NewReaderAt(b, flagsAt)
		fn, _ := f.MapLen() // not a map: no flags
		for range fn {
			fk, _, err := f.Key()
			if err != nil {
				return o, fmt.Errorf("%w: %w", errMalformed, err)
			}
			if string(fk) == "volatile" {
				v, isBool := f.Bool()
				o.Flags.Volatile = v
				if isBool {
					continue
				}
			}
			if err := f.Skip(3); err != nil {
				return o, fmt.Errorf("%w: %w", errMalformed, err)
			}
		}
	}
	return o, nil
}

// readRoomList reads a list of rooms as roomList does: strings, or numbers
// as JavaScript prints them; nil is empty.
func (a *nspAdapter) readRoomList(r *notepack.Reader, out []string) ([]string, error) {
	if r.IsNil() {
		return nil, nil
	}
	n, ok := r.ArrayLen()
	if !ok {
		return nil, malformed("rooms: not an array")
	}
	for range n {
		if s, ok := r.Str(); ok {
			out = append(out, a.roomName(s))
			continue
		}
		if f, ok := r.Number(); ok {
			out = append(out, jsNumber(f))
			continue
		}
		return nil, malformed("rooms: not a string or a number in the list")
	}
	if out == nil {
		out = []string{}
	}
	return out, nil
}

// roomName returns s as a string, the same string each time for the rooms
// of the last messages (a node receives broadcasts to the same rooms over
// and over).
func (a *nspAdapter) roomName(s []byte) string {
	a.chMu.Lock()
	defer a.chMu.Unlock()
	if name, ok := a.roomNames[string(s)]; ok {
		return name
	}
	if len(a.roomNames) >= maxRoomNames {
		clear(a.roomNames)
	}
	name := string(s)
	a.roomNames[name] = name
	return name
}

// maxRoomNames bounds roomName's memory.
const maxRoomNames = 1024
