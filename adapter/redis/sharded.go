package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rpsio/rpsio/adapter/internal/notepack"
	"github.com/rpsio/rpsio/socketio"
	"github.com/rpsio/rpsio/socketio/parser"
)

// Message types of the sharded format (socket.io-adapter's ClusterAdapter
// MessageType).
const (
	shInitialHeartbeat       = 1
	shHeartbeat              = 2
	shBroadcast              = 3
	shSocketsJoin            = 4
	shSocketsLeave           = 5
	shDisconnectSockets      = 6
	shFetchSockets           = 7
	shFetchSocketsResponse   = 8
	shServerSideEmit         = 9
	shServerSideEmitResponse = 10
	shBroadcastClientCount   = 11
	shBroadcastAck           = 12
	shAdapterClose           = 13
)

// shardedState is the per-room subscription bookkeeping of the dynamic
// modes.
type shardedState struct {
	mu     sync.Mutex
	dirty  map[string]struct{} // rooms whose subscription may be wrong
	subbed map[string]bool     // room channels subscribed
	wake   chan struct{}
	stop   chan struct{}
	done   chan struct{}
}

func (a *nspAdapter) initSharded() {
	if a.c.opts.SubscriptionMode == Static {
		return
	}
	a.sh = &shardedState{dirty: map[string]struct{}{}, subbed: map[string]bool{}, wake: make(chan struct{}, 1)}
	mark := func(room string) {
		a.sh.mu.Lock()
		a.sh.dirty[room] = struct{}{}
		a.sh.mu.Unlock()
		select {
		case a.sh.wake <- struct{}{}:
		default:
		}
	}
	a.InMemoryAdapter.SetRoomHooks(socketio.RoomHooks{Created: mark, Deleted: mark})
}

func (a *nspAdapter) shardedKeys() []string {
	keys := []string{"s:" + a.channel, "s:" + a.respChannel}
	if a.sh != nil {
		a.sh.mu.Lock()
		for room := range a.sh.subbed {
			keys = append(keys, "s:"+a.roomChannel(room))
		}
		a.sh.subbed = map[string]bool{}
		a.sh.mu.Unlock()
	}
	return keys
}

func (a *nspAdapter) roomChannel(room string) string { return a.channel + room + "#" }

func (a *nspAdapter) runSharded(ctx context.Context) error {
	if err := a.c.subscribe(ctx, []string{"s:" + a.channel, "s:" + a.respChannel}, a.onShardedMessage); err != nil {
		return err
	}
	if a.sh == nil {
		return nil
	}
	a.sh.mu.Lock()
	if a.sh.stop == nil {
		a.sh.stop, a.sh.done = make(chan struct{}), make(chan struct{})
		// Rooms made before Run.
		for _, r := range a.Rooms() {
			a.sh.dirty[r] = struct{}{}
		}
		go a.roomSubscriber(a.sh.stop, a.sh.done)
	}
	a.sh.mu.Unlock()
	select {
	case a.sh.wake <- struct{}{}:
	default:
	}
	return nil
}

func (a *nspAdapter) stopSharded() {
	if a.sh == nil {
		return
	}
	a.sh.mu.Lock()
	stop, done := a.sh.stop, a.sh.done
	a.sh.stop = nil
	a.sh.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
}

// wantsRoomChannel: would a sender publish a one-room broadcast to this
// room on the room's channel? Node's senders use the room channel unless
// (dynamic mode) the room is 20 characters long, its socket id heuristic.
// Go socket ids are 22 characters, so Node sends to them on the room
// channel: those are subscribed too.
func (a *nspAdapter) wantsRoomChannel(room string) bool {
	switch a.c.opts.SubscriptionMode {
	case DynamicPrivate:
		return true
	case Dynamic:
		return len(room) != 20 || a.Namespace().LocalSocket(room) == nil
	}
	return false
}

// roomSubscriber makes the room channel subscriptions follow the local
// rooms, one change at a time.
func (a *nspAdapter) roomSubscriber(stop, done chan struct{}) {
	defer close(done)
	for {
		select {
		case <-stop:
			return
		case <-a.sh.wake:
		}
		a.sh.mu.Lock()
		dirty := a.sh.dirty
		a.sh.dirty = map[string]struct{}{}
		a.sh.mu.Unlock()
		var sub, unsub []string
		for room := range dirty {
			want := a.HasRoom(room) && a.wantsRoomChannel(room)
			a.sh.mu.Lock()
			has := a.sh.subbed[room]
			if want != has {
				if want {
					a.sh.subbed[room] = true
					sub = append(sub, "s:"+a.roomChannel(room))
				} else {
					delete(a.sh.subbed, room)
					unsub = append(unsub, "s:"+a.roomChannel(room))
				}
			}
			a.sh.mu.Unlock()
		}
		ctx, cancel := context.WithTimeout(context.Background(), a.c.opts.StartTimeout)
		if len(unsub) > 0 {
			a.c.unsubscribe(ctx, unsub)
		}
		if len(sub) > 0 {
			if err := a.c.subscribe(ctx, sub, a.onShardedMessage); err != nil {
				a.c.log.Warn("redis adapter: subscribing to room channels; retried on reconnection", "nsp", a.name, "err", err)
			}
		}
		cancel()
	}
}

// shardedOpts is encodeOptions: {rooms, except, flags}.
func (a *nspAdapter) shardedOpts(o socketio.BroadcastOptions) notepack.Map {
	return notepack.Map{
		{Key: "rooms", Value: unique(o.Rooms)},
		{Key: "except", Value: unique(o.Except)},
		{Key: "flags", Value: flagsMap(o.Flags, true)},
	}
}

// broadcastData is the data of a BROADCAST: {packet, opts}, or with acks
// {packet, requestId, opts}.
func (a *nspAdapter) broadcastData(p *parser.Packet, o socketio.BroadcastOptions, requestID string) notepack.Map {
	d := notepack.Map{{Key: "packet", Value: notepack.Map{{Key: "type", Value: int(parser.Event)}, {Key: "data", Value: p.Data}}}}
	if requestID != "" {
		d = append(d, notepack.Field{Key: "requestId", Value: requestID})
	} else if o.Offset != "" {
		// Connection state recovery: a key Node's ClusterAdapter does not read.
		d = append(d, notepack.Field{Key: "rpsioOffset", Value: o.Offset})
	}
	return append(d, notepack.Field{Key: "opts", Value: a.shardedOpts(o)})
}

// encodeSharded writes {type, data, uid, nsp}: MessagePack when the data
// of a type that may carry binary does, JSON otherwise (as Node does).
func (a *nspAdapter) encodeSharded(typ int, data notepack.Map) ([]byte, error) {
	msg := notepack.Map{{Key: "type", Value: typ}}
	if data != nil {
		msg = append(msg, notepack.Field{Key: "data", Value: data})
	}
	msg = append(msg, notepack.Field{Key: "uid", Value: a.uid}, notepack.Field{Key: "nsp", Value: a.name})
	switch typ {
	case shBroadcast, shFetchSocketsResponse, shServerSideEmit, shServerSideEmitResponse, shBroadcastAck:
		if hasBinaryMap(data) {
			return notepack.Marshal(msg)
		}
	}
	return json.Marshal(jsonValueMap(msg))
}

func hasBinaryMap(v any) bool {
	switch v := v.(type) {
	case notepack.Map:
		for _, f := range v {
			if hasBinaryMap(f.Value) {
				return true
			}
		}
		return false
	}
	return hasBinary(v)
}

// jsonValueMap applies jsonValue inside a Map.
func jsonValueMap(v any) any {
	if m, ok := v.(notepack.Map); ok {
		out := make(notepack.Map, len(m))
		for i, f := range m {
			out[i] = notepack.Field{Key: f.Key, Value: jsonValueMap(f.Value)}
		}
		return out
	}
	return jsonValue(v)
}

// publishSharded publishes a message on its channel: a one-room broadcast
// without acks on the room's channel in the dynamic modes, everything
// else on the namespace's.
func (a *nspAdapter) publishSharded(typ int, data notepack.Map) error {
	b, err := a.encodeSharded(typ, data)
	if err != nil {
		return fmt.Errorf("redis adapter: encoding a message: %w", err)
	}
	channel, kind := a.channel, pubRequest
	if typ == shBroadcast {
		kind = pubBroadcast
		_, withAck := data.Get("requestId")
		o, _ := data.Get("opts")
		rooms, _ := o.(notepack.Map).Get("rooms")
		if rs := rooms.([]string); !withAck && len(rs) == 1 {
			room := rs[0]
			switch a.c.opts.SubscriptionMode {
			case DynamicPrivate:
				channel = a.roomChannel(room)
			case Dynamic:
				if len(room) != 20 {
					channel = a.roomChannel(room)
				}
			}
		}
	}
	return a.c.publish(kind, channel, b)
}

// respondSharded sends a response to the requester's own channel.
func (a *nspAdapter) respondSharded(requester string, typ int, data notepack.Map) {
	b, err := a.encodeSharded(typ, data)
	if err != nil {
		a.c.log.Error("redis adapter: encoding a response", "nsp", a.name, "err", err)
		return
	}
	_ = a.c.publish(pubResponse, a.channel+requester+"#", b)
}

func (a *nspAdapter) onShardedMessage(m *goredis.Message) {
	msg, err := decodeMessage(bytesOf(m.Payload))
	if err == nil {
		if m.Channel == a.respChannel {
			err = a.onShardedResponse(msg)
		} else {
			err = a.onShardedRequest(msg)
		}
	}
	if err != nil {
		a.malformed(err, m.Channel)
	}
}

func (a *nspAdapter) onShardedRequest(msg map[string]any) error {
	uid, _ := getString(msg, "uid")
	if uid == a.uid {
		return nil
	}
	if nsp, _ := getString(msg, "nsp"); nsp != a.name {
		return nil
	}
	typ, ok := getInt(msg, "type")
	if !ok {
		return malformed("message: no type")
	}
	switch typ {
	case shInitialHeartbeat, shHeartbeat, shAdapterClose:
		return nil
	case shFetchSocketsResponse, shServerSideEmitResponse, shBroadcastClientCount, shBroadcastAck:
		return a.onShardedResponse(msg)
	}
	data, ok := msg["data"].(map[string]any)
	if !ok {
		return malformed("message type %d: no data", typ)
	}
	ctx := context.Background()
	requestID, withAck := getString(data, "requestId")
	switch typ {
	case shBroadcast:
		pm, ok := data["packet"].(map[string]any)
		if !ok {
			return malformed("broadcast: no packet")
		}
		p, err := a.eventPacket(pm)
		if err != nil {
			return err
		}
		opts, err := wireOptions(data["opts"])
		if err != nil {
			return err
		}
		if !withAck {
			opts.Flags.Timeout = 0
			opts.Offset, _ = data["rpsioOffset"].(string)
			return a.InMemoryAdapter.Broadcast(p, opts)
		}
		if opts.Flags.Timeout <= 0 {
			opts.Flags.Timeout = a.c.opts.RequestsTimeout
		}
		return a.InMemoryAdapter.BroadcastWithAck(p, opts, func(n int) {
			a.respondSharded(uid, shBroadcastClientCount, notepack.Map{{Key: "requestId", Value: requestID}, {Key: "clientCount", Value: n}})
		}, func(arg any) {
			a.respondSharded(uid, shBroadcastAck, notepack.Map{{Key: "requestId", Value: requestID}, {Key: "packet", Value: arg}})
		})
	case shSocketsJoin, shSocketsLeave, shDisconnectSockets:
		return a.applySocketsOp(ctx, typ == shSocketsJoin, typ == shDisconnectSockets, data)
	case shFetchSockets:
		opts, err := wireOptions(data["opts"])
		if err != nil {
			return err
		}
		opts.Flags = socketio.BroadcastFlags{}
		socks := a.localWireSockets(opts)
		list := make([]any, len(socks))
		for i, s := range socks {
			list[i] = s
		}
		a.respondSharded(uid, shFetchSocketsResponse, notepack.Map{{Key: "requestId", Value: requestID}, {Key: "sockets", Value: list}})
	case shServerSideEmit:
		event, args, err := serverSideEmitArgs(data["packet"], "packet")
		if err != nil {
			return err
		}
		if !withAck {
			a.Namespace().DispatchServerSideEmit(event, args)
			return nil
		}
		a.Namespace().DispatchServerSideEmitWithAck(event, args, func(v any) {
			a.respondSharded(uid, shServerSideEmitResponse, notepack.Map{{Key: "requestId", Value: requestID}, {Key: "packet", Value: v}})
		})
	default:
		return malformed("message: unknown type %d", typ)
	}
	return nil
}

func (a *nspAdapter) onShardedResponse(msg map[string]any) error {
	typ, _ := getInt(msg, "type")
	data, ok := msg["data"].(map[string]any)
	if !ok {
		return malformed("response: no data")
	}
	requestID, _ := getString(data, "requestId")
	a.mu.Lock()
	ack := a.ackRequests[requestID]
	p := a.requests[requestID]
	a.mu.Unlock()
	switch typ {
	case shBroadcastClientCount:
		n, ok := getInt(data, "clientCount")
		if !ok || n < 0 {
			return malformed("clientCount: %v", data["clientCount"])
		}
		if ack != nil {
			ack.onCount(n)
		}
	case shBroadcastAck:
		if ack != nil {
			ack.onAck(toJS(data["packet"]))
		}
	case shFetchSocketsResponse:
		if p == nil {
			return nil
		}
		list, ok := data["sockets"].([]any)
		if !ok {
			return malformed("fetchSockets response: no sockets")
		}
		var socks []socketio.SocketInfo
		for _, e := range list {
			s, err := socketFromWire(e, a.name)
			if err != nil {
				return err
			}
			socks = append(socks, s)
		}
		a.answer(requestID, p, func() bool {
			p.sockets = append(p.sockets, socks...)
			return true
		})
	case shServerSideEmitResponse:
		if p == nil {
			return nil
		}
		v := toJS(data["packet"])
		a.answer(requestID, p, func() bool {
			p.answers = append(p.answers, v)
			return true
		})
	default:
		return malformed("response: unknown type %d", typ)
	}
	return nil
}
