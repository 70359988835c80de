package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rpsio/rpsio/adapter/internal/notepack"
	"github.com/rpsio/rpsio/socketio"
	"github.com/rpsio/rpsio/socketio/parser"
)

// Request types of the classic format (@socket.io/redis-adapter RequestType).
const (
	reqSockets              = 0
	reqAllRooms             = 1
	reqRemoteJoin           = 2
	reqRemoteLeave          = 3
	reqRemoteDisconnect     = 4
	reqRemoteFetch          = 5
	reqServerSideEmit       = 6
	reqBroadcast            = 7
	reqBroadcastClientCount = 8
	reqBroadcastAck         = 9
)

// nspAdapter is one namespace's adapter. It embeds the in-memory adapter
// for its local sockets.
type nspAdapter struct {
	*socketio.InMemoryAdapter
	c    *Cluster
	name string
	uid  string

	// Channels: classic and sharded.
	channel      string // P#N#
	reqChannel   string // classic: P-request#N#
	respChannel  string // classic: P-response#N#; sharded: P#N#UID#
	specificResp string // classic: P-response#N#UID#

	mu          sync.Mutex
	running     bool
	requests    map[string]*pending
	ackRequests map[string]*ackPending

	sh *shardedState // sharded dynamic modes only

	// chMu guards the caches of broadcast.go: the last room channel
	// published to, and the names of the rooms received.
	chMu            sync.Mutex
	lastRoom        string
	lastRoomChannel string
	roomNames       map[string]string
}

// pending is a request waiting for the other nodes' answers.
type pending struct {
	typ      int
	expected int // answers expected (other nodes)
	answered int
	sockets  []socketio.SocketInfo
	rooms    map[string]struct{}
	answers  []any
	done     chan struct{}
}

type ackPending struct {
	onCount func(int)
	onAck   func(any)
}

func newNspAdapter(c *Cluster, n *socketio.Namespace) *nspAdapter {
	a := &nspAdapter{
		InMemoryAdapter: socketio.NewInMemoryAdapter(n),
		c:               c,
		name:            n.Name(),
		requests:        map[string]*pending{},
		ackRequests:     map[string]*ackPending{},
		roomNames:       map[string]string{},
	}
	p := c.opts.Prefix
	a.channel = p + "#" + a.name + "#"
	if c.opts.Sharded {
		a.uid = hexID()
		a.respChannel = a.channel + a.uid + "#"
		a.initSharded()
	} else {
		a.uid = uid2(6)
		a.reqChannel = p + "-request#" + a.name + "#"
		a.respChannel = p + "-response#" + a.name + "#"
		a.specificResp = a.respChannel + a.uid + "#"
	}
	return a
}

// Run implements socketio.Adapter: it starts the shared connection if
// needed and subscribes the namespace's channels.
func (a *nspAdapter) Run(ctx context.Context) error {
	if err := a.c.acquire(ctx); err != nil {
		return err
	}
	a.mu.Lock()
	a.running = true
	a.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, a.c.opts.StartTimeout)
	defer cancel()
	if a.c.opts.Sharded {
		return a.runSharded(ctx)
	}
	a.c.setSkip(a.channel+"*", a.notForUs)
	if err := a.c.subscribe(ctx, []string{"p:" + a.channel + "*"}, a.onBroadcastMessage); err != nil {
		return err
	}
	return a.c.subscribe(ctx, []string{"c:" + a.reqChannel, "c:" + a.respChannel, "c:" + a.specificResp}, a.onRequestMessage)
}

// Close implements socketio.Adapter: it unsubscribes, fails the pending
// requests and, for the last namespace, stops the shared connection.
func (a *nspAdapter) Close(ctx context.Context) error {
	a.mu.Lock()
	running := a.running
	a.running = false
	reqs := a.requests
	a.requests = map[string]*pending{}
	a.ackRequests = map[string]*ackPending{}
	a.mu.Unlock()
	for _, p := range reqs {
		close(p.done)
	}
	if !running {
		return nil
	}
	if a.c.opts.Sharded {
		a.stopSharded()
		a.c.unsubscribe(ctx, a.shardedKeys())
	} else {
		a.c.setSkip(a.channel+"*", nil)
		a.c.unsubscribe(ctx, []string{"p:" + a.channel + "*", "c:" + a.reqChannel, "c:" + a.respChannel, "c:" + a.specificResp})
	}
	return a.c.release(ctx)
}

func (a *nspAdapter) malformed(err error, channel string) {
	a.c.malformed.Add(1)
	a.c.metrics.Dropped("malformed")
	a.c.log.Debug("redis adapter: dropped a malformed message", "nsp", a.name, "channel", channel, "err", err)
}

// ---- broadcasts ----

// Broadcast implements socketio.Adapter: published for the other nodes
// (unless Local), then delivered to the local sockets. A publish failure
// is returned after the local delivery.
func (a *nspAdapter) Broadcast(p *parser.Packet, opts socketio.BroadcastOptions) error {
	var perr error
	if !opts.Flags.Local {
		perr = a.publishBroadcast(p, opts)
	}
	if err := a.InMemoryAdapter.Broadcast(p, opts); err != nil {
		return err
	}
	return perr
}

func (a *nspAdapter) publishBroadcast(p *parser.Packet, opts socketio.BroadcastOptions) error {
	if a.c.opts.Sharded {
		return a.publishSharded(shBroadcast, a.broadcastData(p, opts, ""))
	}
	return a.publishClassicBroadcast(p, opts)
}

// onBroadcastMessage handles a message on P#N# or P#N#ROOM#.
func (a *nspAdapter) onBroadcastMessage(m *goredis.Message) {
	if a.notForUs(m) {
		return
	}
	if err := a.receiveBroadcast(bytesOf(m.Payload)); err != nil {
		a.malformed(err, m.Channel)
	}
}

// notForUs: a message on P#N#ROOM# while no local socket is in ROOM (not
// even decoded, as in Node), or on a channel that is not the namespace's.
// The reader asks it too, so that such messages (a node's own broadcasts
// to rooms elsewhere come back to it; in classic mode every node gets
// every room's) never reach the dispatcher.
func (a *nspAdapter) notForUs(m *goredis.Message) bool {
	rest, ok := strings.CutPrefix(m.Channel, a.channel)
	if !ok {
		return true
	}
	if rest == "" {
		return false
	}
	room := rest[:len(rest)-1] // Node drops the last character
	return room != "" && !a.hasRoom(room)
}

func (a *nspAdapter) hasRoom(room string) bool {
	return a.InMemoryAdapter.HasRoom(room)
}

// eventPacket reads {type, data} into an EVENT for the local sockets.
func (a *nspAdapter) eventPacket(pm map[string]any) (*parser.Packet, error) {
	typ, ok := getInt(pm, "type")
	if !ok || (typ != int(parser.Event) && typ != int(parser.BinaryEvent)) {
		return nil, malformed("packet: type %v is not an event", pm["type"])
	}
	data, ok := toJS(pm["data"]).([]any)
	if !ok || len(data) == 0 {
		return nil, malformed("packet: data is not [event, ...args]")
	}
	switch data[0].(type) {
	case string, float64:
	default:
		return nil, malformed("packet: event name is a %T", data[0])
	}
	return &parser.Packet{Type: parser.Event, Namespace: a.name, Data: data}, nil
}

// BroadcastWithAck implements socketio.Adapter.
func (a *nspAdapter) BroadcastWithAck(p *parser.Packet, opts socketio.BroadcastOptions, onCount func(int), onAck func(any)) error {
	var perr error
	if !opts.Flags.Local {
		requestID := a.newRequestID()
		timeout := opts.Flags.Timeout
		if timeout <= 0 {
			timeout = socketio.DefaultAckTimeout
		}
		a.mu.Lock()
		a.ackRequests[requestID] = &ackPending{onCount: onCount, onAck: onAck}
		a.mu.Unlock()
		time.AfterFunc(timeout, func() {
			a.mu.Lock()
			delete(a.ackRequests, requestID)
			a.mu.Unlock()
		})
		if a.c.opts.Sharded {
			perr = a.publishSharded(shBroadcast, a.broadcastData(p, opts, requestID))
		} else {
			msg, err := notepack.Marshal(notepack.Map{
				{Key: "uid", Value: a.uid},
				{Key: "requestId", Value: requestID},
				{Key: "type", Value: reqBroadcast},
				{Key: "packet", Value: notepack.Map{{Key: "type", Value: int(parser.Event)}, {Key: "data", Value: p.Data}, {Key: "nsp", Value: a.name}}},
				{Key: "opts", Value: notepack.Map{{Key: "rooms", Value: unique(opts.Rooms)}, {Key: "except", Value: unique(opts.Except)}, {Key: "flags", Value: flagsMap(opts.Flags, true)}}},
			})
			if err != nil {
				return fmt.Errorf("redis adapter: encoding a broadcast: %w", err)
			}
			perr = a.c.publish(pubBroadcast, a.reqChannel, msg)
		}
	}
	if err := a.InMemoryAdapter.BroadcastWithAck(p, opts, onCount, onAck); err != nil {
		return err
	}
	return perr
}

// ServerCount implements socketio.Adapter: the subscribers of the request
// channel (classic) or of the namespace channel (sharded), as Node counts.
func (a *nspAdapter) ServerCount(ctx context.Context) (int, error) {
	ch := a.reqChannel
	if a.c.opts.Sharded {
		ch = a.channel
	}
	n, err := a.c.numSub(ctx, ch)
	if err != nil {
		return 1, err
	}
	return max(n, 1), nil
}

// ---- requests ----

func (a *nspAdapter) newRequestID() string {
	if a.c.opts.Sharded {
		return hexID()
	}
	return uid2(6)
}

// request registers a request expecting one answer per other node; it
// returns nil when there is no other node.
func (a *nspAdapter) request(ctx context.Context, typ int) (string, *pending, error) {
	n, err := a.ServerCount(ctx)
	if err != nil {
		return "", nil, err
	}
	if n <= 1 {
		return "", nil, nil
	}
	id := a.newRequestID()
	p := &pending{typ: typ, expected: n - 1, done: make(chan struct{}), rooms: map[string]struct{}{}}
	a.mu.Lock()
	a.requests[id] = p
	a.mu.Unlock()
	return id, p, nil
}

// wait waits for the request's answers, RequestsTimeout or ctx; it returns
// ErrTimeout (with what) if not all came.
func (a *nspAdapter) wait(ctx context.Context, id string, p *pending, what string) error {
	t := time.NewTimer(a.c.opts.RequestsTimeout)
	defer t.Stop()
	var cause error
	select {
	case <-p.done:
	case <-t.C:
		cause = fmt.Errorf("after %v", a.c.opts.RequestsTimeout)
	case <-ctx.Done():
		cause = ctx.Err()
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.requests, id)
	if p.answered < p.expected {
		return fmt.Errorf("%w reached while waiting for %s: %d of %d nodes answered: %w", ErrTimeout, what, p.answered, p.expected, cause)
	}
	return nil
}

// publishJSON publishes a request in JSON.
func (a *nspAdapter) publishJSON(channel string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("redis adapter: encoding a request: %w", err)
	}
	return a.c.publish(pubRequest, channel, b)
}

// FetchSockets implements socketio.Adapter.
func (a *nspAdapter) FetchSockets(ctx context.Context, opts socketio.BroadcastOptions) ([]socketio.SocketInfo, error) {
	local, _ := a.InMemoryAdapter.FetchSockets(ctx, opts)
	if opts.Flags.Local {
		return local, nil
	}
	start := time.Now()
	id, p, err := a.request(ctx, reqRemoteFetch)
	if err != nil || p == nil {
		if err != nil {
			a.observeRequest("fetchSockets", start, err)
		}
		return local, err
	}
	if a.c.opts.Sharded {
		err = a.publishSharded(shFetchSockets, notepack.Map{{Key: "opts", Value: a.shardedOpts(opts)}, {Key: "requestId", Value: id}})
	} else {
		err = a.publishJSON(a.reqChannel, struct {
			UID       string   `json:"uid"`
			RequestID string   `json:"requestId"`
			Type      int      `json:"type"`
			Opts      jsonOpts `json:"opts"`
		}{a.uid, id, reqRemoteFetch, toJSONOpts(opts)})
	}
	if err != nil {
		a.drop(id)
		a.observeRequest("fetchSockets", start, err)
		return local, err
	}
	err = a.wait(ctx, id, p, "fetchSockets response")
	a.observeRequest("fetchSockets", start, err)
	a.mu.Lock()
	out := append(local, p.sockets...)
	a.mu.Unlock()
	return out, err
}

// observeRequest reports a request to the other nodes, from start to its
// end: err nil, a timeout (wrapping ErrTimeout) or a failure (Redis
// unreachable, publish queue full). A call with no other node to ask sent
// no request and is not reported.
func (a *nspAdapter) observeRequest(kind string, start time.Time, err error) {
	a.c.metrics.ObserveRequest(kind, time.Since(start), err)
}

func (a *nspAdapter) drop(id string) {
	a.mu.Lock()
	delete(a.requests, id)
	a.mu.Unlock()
}

// AllRooms implements socketio.Adapter.
func (a *nspAdapter) AllRooms(ctx context.Context) ([]string, error) {
	local := a.Rooms()
	if a.c.opts.Sharded {
		// createShardedAdapter has no allRooms request: local rooms only.
		return local, nil
	}
	start := time.Now()
	id, p, err := a.request(ctx, reqAllRooms)
	if err != nil || p == nil {
		if err != nil {
			a.observeRequest("allRooms", start, err)
		}
		return local, err
	}
	err = a.publishJSON(a.reqChannel, struct {
		UID       string `json:"uid"`
		RequestID string `json:"requestId"`
		Type      int    `json:"type"`
	}{a.uid, id, reqAllRooms})
	if err != nil {
		a.drop(id)
		a.observeRequest("allRooms", start, err)
		return local, err
	}
	err = a.wait(ctx, id, p, "allRooms response")
	a.observeRequest("allRooms", start, err)
	a.mu.Lock()
	for _, r := range local {
		p.rooms[r] = struct{}{}
	}
	out := make([]string, 0, len(p.rooms))
	for r := range p.rooms {
		out = append(out, r)
	}
	a.mu.Unlock()
	sort.Strings(out)
	return out, err
}

// socketsOp publishes SocketsJoin/Leave/DisconnectSockets after applying
// it to the local sockets: a caller sees its own node's sockets changed
// when the call returns, and the other nodes' shortly after. Our own echo
// is dropped.
func (a *nspAdapter) socketsOp(typ int, opts socketio.BroadcastOptions, rooms []string, closeConn bool) error {
	if a.c.opts.Sharded {
		data := notepack.Map{{Key: "opts", Value: a.shardedOpts(opts)}}
		t := shSocketsJoin
		switch typ {
		case reqRemoteLeave:
			t = shSocketsLeave
		case reqRemoteDisconnect:
			t = shDisconnectSockets
		}
		if typ == reqRemoteDisconnect {
			data = append(data, notepack.Field{Key: "close", Value: closeConn})
		} else {
			data = append(data, notepack.Field{Key: "rooms", Value: nonNil(rooms)})
		}
		return a.publishSharded(t, data)
	}
	req := map[string]any{"uid": a.uid, "type": typ, "opts": toJSONOpts(opts)}
	if typ == reqRemoteDisconnect {
		req["close"] = closeConn
	} else {
		req["rooms"] = nonNil(rooms)
	}
	return a.publishJSON(a.reqChannel, orderedJSON(req, "uid", "type", "opts", "rooms", "close"))
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// AddSockets implements socketio.Adapter.
func (a *nspAdapter) AddSockets(ctx context.Context, opts socketio.BroadcastOptions, rooms []string) error {
	_ = a.InMemoryAdapter.AddSockets(ctx, opts, rooms)
	if opts.Flags.Local {
		return nil
	}
	return a.socketsOp(reqRemoteJoin, opts, rooms, false)
}

// DelSockets implements socketio.Adapter.
func (a *nspAdapter) DelSockets(ctx context.Context, opts socketio.BroadcastOptions, rooms []string) error {
	_ = a.InMemoryAdapter.DelSockets(ctx, opts, rooms)
	if opts.Flags.Local {
		return nil
	}
	return a.socketsOp(reqRemoteLeave, opts, rooms, false)
}

// DisconnectSockets implements socketio.Adapter.
func (a *nspAdapter) DisconnectSockets(ctx context.Context, opts socketio.BroadcastOptions, closeConn bool) error {
	_ = a.InMemoryAdapter.DisconnectSockets(ctx, opts, closeConn)
	if opts.Flags.Local {
		return nil
	}
	return a.socketsOp(reqRemoteDisconnect, opts, nil, closeConn)
}

// ServerSideEmit implements socketio.Adapter.
func (a *nspAdapter) ServerSideEmit(_ context.Context, event string, args []any) error {
	data := append([]any{event}, args...)
	if a.c.opts.Sharded {
		return a.publishSharded(shServerSideEmit, notepack.Map{{Key: "packet", Value: data}})
	}
	return a.publishJSON(a.reqChannel, struct {
		UID  string `json:"uid"`
		Type int    `json:"type"`
		Data any    `json:"data"`
	}{a.uid, reqServerSideEmit, jsonValue(data)})
}

// ServerSideEmitWithAck implements socketio.Adapter.
func (a *nspAdapter) ServerSideEmitWithAck(ctx context.Context, event string, args []any) ([]any, error) {
	start := time.Now()
	id, p, err := a.request(ctx, reqServerSideEmit)
	if err != nil {
		a.observeRequest("serverSideEmit", start, err)
		return []any{}, err
	}
	if p == nil {
		return []any{}, nil
	}
	data := append([]any{event}, args...)
	if a.c.opts.Sharded {
		err = a.publishSharded(shServerSideEmit, notepack.Map{{Key: "requestId", Value: id}, {Key: "packet", Value: data}})
	} else {
		err = a.publishJSON(a.reqChannel, struct {
			UID       string `json:"uid"`
			RequestID string `json:"requestId"`
			Type      int    `json:"type"`
			Data      any    `json:"data"`
		}{a.uid, id, reqServerSideEmit, jsonValue(data)})
	}
	if err != nil {
		a.drop(id)
		a.observeRequest("serverSideEmit", start, err)
		return []any{}, err
	}
	err = a.wait(ctx, id, p, "serverSideEmit responses")
	a.observeRequest("serverSideEmit", start, err)
	a.mu.Lock()
	out := append([]any{}, p.answers...)
	a.mu.Unlock()
	return out, err
}

// ---- receiving requests and responses (classic) ----

// onRequestMessage handles the request and response channels.
func (a *nspAdapter) onRequestMessage(m *goredis.Message) {
	b := bytesOf(m.Payload)
	var err error
	if m.Channel == a.reqChannel {
		err = a.handleRequest(b)
	} else {
		err = a.handleResponse(b)
	}
	if err != nil {
		a.malformed(err, m.Channel)
	}
}

func (a *nspAdapter) isOwnRequest(id string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	_, ok := a.requests[id]
	return ok
}

func (a *nspAdapter) isOwnAckRequest(id string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	_, ok := a.ackRequests[id]
	return ok
}

// respond publishes an answer to a request.
func (a *nspAdapter) respond(req map[string]any, payload []byte) {
	ch := a.respChannel
	if a.c.opts.PublishOnSpecificResponseChannel {
		uid, _ := getString(req, "uid")
		ch = a.respChannel + uid + "#"
	}
	_ = a.c.publish(pubResponse, ch, payload)
}

func (a *nspAdapter) respondJSON(req map[string]any, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		a.c.log.Error("redis adapter: encoding a response", "nsp", a.name, "err", err)
		return
	}
	a.respond(req, b)
}

func (a *nspAdapter) handleRequest(b []byte) error {
	req, err := decodeMessage(b)
	if err != nil {
		return err
	}
	typ, ok := getInt(req, "type")
	if !ok {
		return malformed("request: no type")
	}
	uid, _ := getString(req, "uid")
	requestID, hasID := getString(req, "requestId")
	ctx := context.Background()
	switch typ {
	case reqSockets:
		if a.isOwnRequest(requestID) {
			return nil
		}
		rooms, err := roomList(req["rooms"])
		if err != nil {
			return err
		}
		ids := []string{}
		for _, s := range a.LocalSockets(socketio.BroadcastOptions{Rooms: rooms}) {
			ids = append(ids, s.ID())
		}
		a.respondJSON(req, map[string]any{"requestId": requestID, "sockets": ids})
	case reqAllRooms:
		if a.isOwnRequest(requestID) {
			return nil
		}
		a.respondJSON(req, orderedJSON(map[string]any{"requestId": requestID, "rooms": nonNil(a.Rooms())}, "requestId", "rooms"))
	case reqRemoteJoin, reqRemoteLeave, reqRemoteDisconnect:
		if _, ok := req["opts"]; !ok {
			return a.legacySocketRequest(req, typ, requestID)
		}
		if uid == a.uid {
			return nil // applied locally before publishing
		}
		return a.applySocketsOp(ctx, typ == reqRemoteJoin, typ == reqRemoteDisconnect, req)
	case reqRemoteFetch:
		if a.isOwnRequest(requestID) {
			return nil
		}
		opts, err := wireOptions(req["opts"])
		if err != nil {
			return err
		}
		opts.Flags = socketio.BroadcastFlags{}
		a.respondJSON(req, map[string]any{"requestId": requestID, "sockets": a.localWireSockets(opts)})
	case reqServerSideEmit:
		if uid == a.uid {
			return nil
		}
		event, args, err := serverSideEmitArgs(req["data"], "data")
		if err != nil {
			return err
		}
		if !hasID {
			a.Namespace().DispatchServerSideEmit(event, args)
			return nil
		}
		a.Namespace().DispatchServerSideEmitWithAck(event, args, func(v any) {
			// Always on the shared response channel, as Node does.
			b, err := json.Marshal(orderedJSON(map[string]any{"type": reqServerSideEmit, "requestId": requestID, "data": jsonValue(v)}, "type", "requestId", "data"))
			if err != nil {
				a.c.log.Error("redis adapter: encoding a serverSideEmit answer", "nsp", a.name, "err", err)
				return
			}
			_ = a.c.publish(pubResponse, a.respChannel, b)
		})
	case reqBroadcast:
		if a.isOwnAckRequest(requestID) {
			return nil
		}
		pm, ok := req["packet"].(map[string]any)
		if !ok {
			return malformed("broadcast request: no packet")
		}
		p, err := a.eventPacket(pm)
		if err != nil {
			return err
		}
		opts, err := wireOptions(req["opts"])
		if err != nil {
			return err
		}
		opts.Flags.Volatile = false
		if opts.Flags.Timeout <= 0 {
			opts.Flags.Timeout = a.c.opts.RequestsTimeout
		}
		return a.InMemoryAdapter.BroadcastWithAck(p, opts, func(n int) {
			a.respondJSON(req, orderedJSON(map[string]any{"type": reqBroadcastClientCount, "requestId": requestID, "clientCount": n}, "type", "requestId", "clientCount"))
		}, func(arg any) {
			msg, err := notepack.Marshal(notepack.Map{{Key: "type", Value: reqBroadcastAck}, {Key: "requestId", Value: requestID}, {Key: "packet", Value: arg}})
			if err != nil {
				a.c.log.Error("redis adapter: encoding an ack", "nsp", a.name, "err", err)
				return
			}
			a.respond(req, msg)
		})
	default:
		return malformed("request: unknown type %d", typ)
	}
	return nil
}

// applySocketsOp applies a join, leave (join false) or disconnect that
// another node asked for to the local sockets, with the fields both wires
// carry: opts selects the sockets, rooms are joined or left, close also
// closes their connections.
func (a *nspAdapter) applySocketsOp(ctx context.Context, join, disconnect bool, fields map[string]any) error {
	opts, err := wireOptions(fields["opts"])
	if err != nil {
		return err
	}
	opts.Flags = socketio.BroadcastFlags{} // Node uses rooms and except only
	if disconnect {
		closeConn, _ := fields["close"].(bool)
		return a.InMemoryAdapter.DisconnectSockets(ctx, opts, closeConn)
	}
	rooms, err := roomList(fields["rooms"])
	if err != nil {
		return err
	}
	if join {
		return a.InMemoryAdapter.AddSockets(ctx, opts, rooms)
	}
	return a.InMemoryAdapter.DelSockets(ctx, opts, rooms)
}

// serverSideEmitArgs reads a serverSideEmit's [event, ...args] (the field
// named field: "data" on the classic wire, "packet" on the sharded one).
func serverSideEmitArgs(v any, field string) (string, []any, error) {
	packet, ok := toJS(v).([]any)
	if !ok || len(packet) == 0 {
		return "", nil, malformed("serverSideEmit: %s is not [event, ...args]", field)
	}
	event, ok := packet[0].(string)
	if !ok {
		return "", nil, malformed("serverSideEmit: event name is a %T", packet[0])
	}
	return event, packet[1:], nil
}

// legacySocketRequest handles the {sid, room} forms of 2/3/4 that older
// adapters send: the node owning the socket acts and answers.
func (a *nspAdapter) legacySocketRequest(req map[string]any, typ int, requestID string) error {
	sid, ok := getString(req, "sid")
	if !ok {
		return malformed("request %d: neither opts nor sid", typ)
	}
	s := a.Namespace().LocalSocket(sid)
	if s == nil {
		return nil
	}
	room, _ := getString(req, "room")
	switch typ {
	case reqRemoteJoin:
		s.Join(room)
	case reqRemoteLeave:
		s.Leave(room)
	default:
		closeConn, _ := req["close"].(bool)
		s.Disconnect(closeConn)
	}
	a.respondJSON(req, map[string]any{"requestId": requestID})
	return nil
}

func (a *nspAdapter) localWireSockets(opts socketio.BroadcastOptions) []wireSocket {
	out := []wireSocket{}
	for _, s := range a.LocalSockets(opts) {
		ws := socketToWire(s.Info())
		if _, err := json.Marshal(ws.Data); err != nil {
			a.c.log.Warn("redis adapter: socket data cannot be sent as JSON; sending {}", "nsp", a.name, "socket", ws.ID, "err", err)
			ws.Data = map[string]any{}
		}
		out = append(out, ws)
	}
	return out
}

func (a *nspAdapter) handleResponse(b []byte) error {
	resp, err := decodeMessage(b)
	if err != nil {
		return err
	}
	requestID, _ := getString(resp, "requestId")
	typ, _ := getInt(resp, "type")
	a.mu.Lock()
	ack := a.ackRequests[requestID]
	p := a.requests[requestID]
	a.mu.Unlock()
	if ack != nil {
		switch typ {
		case reqBroadcastClientCount:
			n, ok := getInt(resp, "clientCount")
			if !ok || n < 0 {
				return malformed("clientCount: %v", resp["clientCount"])
			}
			ack.onCount(n)
		case reqBroadcastAck:
			ack.onAck(toJS(resp["packet"]))
		}
		return nil
	}
	if p == nil {
		return nil // not ours, or too late
	}
	switch p.typ {
	case reqRemoteFetch:
		list, ok := resp["sockets"].([]any)
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
			return ok
		})
	case reqAllRooms:
		list, ok := resp["rooms"].([]any)
		rooms, err := roomList(list)
		if err != nil {
			return err
		}
		a.answer(requestID, p, func() bool {
			for _, r := range rooms {
				p.rooms[r] = struct{}{}
			}
			return ok
		})
	case reqServerSideEmit:
		v := toJS(resp["data"])
		a.answer(requestID, p, func() bool {
			p.answers = append(p.answers, v)
			return true
		})
	}
	return nil
}

// answer counts one node's answer to a pending request under the lock;
// add returns false for an answer that counts without completing (Node
// ignores a fetchSockets answer without a sockets array).
func (a *nspAdapter) answer(id string, p *pending, add func() bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.requests[id] != p || p.answered >= p.expected {
		return
	}
	if !add() {
		return
	}
	p.answered++
	if p.answered == p.expected {
		close(p.done)
		delete(a.requests, id)
	}
}

// orderedJSON marshals m with its keys in the given order (those present),
// as Node writes its objects.
type orderedObject struct {
	m    map[string]any
	keys []string
}

func orderedJSON(m map[string]any, keys ...string) orderedObject {
	return orderedObject{m, keys}
}

func (o orderedObject) MarshalJSON() ([]byte, error) {
	buf := []byte{'{'}
	first := true
	for _, k := range o.keys {
		v, ok := o.m[k]
		if !ok {
			continue
		}
		if !first {
			buf = append(buf, ',')
		}
		first = false
		kb, _ := json.Marshal(k)
		vb, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		buf = append(append(append(buf, kb...), ':'), vb...)
	}
	return append(buf, '}'), nil
}
