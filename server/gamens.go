package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/rpsio/rpsio/game"
	"github.com/rpsio/rpsio/rooms"
	"github.com/rpsio/rpsio/socketio"
)

// opTimeout bounds one room operation the server makes by itself (a
// connection's catch-up, a departure).
const opTimeout = 5 * time.Second

// eventTimeout bounds the room operation of a client's event (join, leave,
// an action): its ack comes within it, "unavailable" if the store could not
// answer in time. Once a call found Redis gone, the next ones fail at once
// (or probe it for at most 250 ms), so a client's events queued behind
// the first (they are handled in order) are still answered within 2 s.
const eventTimeout = 1500 * time.Millisecond

// gameNS serves one game on the namespace "/"+name: identity and presence
// (players), "join", "leave" and the game's actions routed to the room
// manager, and the catch-up of a player who comes back. Rooms reach their
// players through Socket.IO rooms, never through socket references, so the
// adapter can carry them to players on other nodes:
//   - "player:<playerId>" holds every socket of a player;
//   - rooms.Channel(roomID) holds the sockets of a room's players.
type gameNS struct {
	rules   game.Rules
	nsp     *socketio.Namespace
	rooms   *rooms.Manager
	players *players
	log     *slog.Logger
	opts    gameOptions
	actions map[string]bool
}

// gameOptions are the differences between games' contracts.
type gameOptions struct {
	// joinRoomID: "join" takes {room?: id} besides {size?}.
	joinRoomID bool
	// viewOnJoin: a join also sends the player the game's catch-up events
	// (gold: "board"), as a reconnect does.
	viewOnJoin bool
}

// bindGame serves rules on its namespace of io.
func bindGame(io *socketio.Server, m *rooms.Manager, ps *players, rules game.Rules, opts gameOptions, log *slog.Logger) *gameNS {
	g := &gameNS{rules: rules, nsp: io.Of("/" + rules.Name()), rooms: m, players: ps, log: log.With("game", rules.Name()), opts: opts, actions: map[string]bool{}}
	for _, a := range rules.Actions() {
		g.actions[a] = true
	}
	g.nsp.Use(ps.middleware)
	g.nsp.OnConnection(g.onConnection)
	return g
}

// gameNotifier implements rooms.Notifier and rooms.Subscriber for every
// game namespace: events of a room go to its Socket.IO room in the game's
// namespace.
type gameNotifier struct {
	log *slog.Logger
	nsp map[string]*socketio.Namespace // game name -> namespace
}

var (
	_ rooms.Notifier        = (*gameNotifier)(nil)
	_ rooms.Subscriber      = (*gameNotifier)(nil)
	_ rooms.LocalSubscriber = (*gameNotifier)(nil)
)

// Publish implements rooms.Notifier.
func (n *gameNotifier) Publish(_ context.Context, ev rooms.Event) {
	nsp := n.nsp[ev.Game]
	if nsp == nil {
		return
	}
	to := rooms.Channel(ev.RoomID)
	if ev.To != "" {
		to = playerChannel(ev.To)
	}
	if err := nsp.To(to).Emit(ev.Name, ev.Payload()); err != nil {
		n.log.Error("publish failed", "game", ev.Game, "room", ev.RoomID, "event", ev.Name, "err", err)
	}
}

// Subscribe implements rooms.Subscriber.
func (n *gameNotifier) Subscribe(ctx context.Context, gameName, roomID, playerID string) {
	if nsp := n.nsp[gameName]; nsp != nil {
		if err := nsp.In(playerChannel(playerID)).SocketsJoin(ctx, rooms.Channel(roomID)); err != nil {
			n.log.Error("subscribe failed", "game", gameName, "room", roomID, "player", playerID, "err", err)
		}
	}
}

// SubscribeLocal implements rooms.LocalSubscriber: the player's sockets on
// this node join the room's channel at once, before the seat is stored, so
// that no event another node publishes to the room once it sees them
// seated can arrive before they are in it.
func (n *gameNotifier) SubscribeLocal(ctx context.Context, gameName, roomID, playerID string) {
	if nsp := n.nsp[gameName]; nsp != nil {
		_ = nsp.In(playerChannel(playerID)).Local().SocketsJoin(ctx, rooms.Channel(roomID))
	}
}

// UnsubscribeLocal implements rooms.LocalSubscriber.
func (n *gameNotifier) UnsubscribeLocal(ctx context.Context, gameName, roomID, playerID string) {
	if nsp := n.nsp[gameName]; nsp != nil {
		_ = nsp.In(playerChannel(playerID)).Local().SocketsLeave(ctx, rooms.Channel(roomID))
	}
}

// Unsubscribe implements rooms.Subscriber.
func (n *gameNotifier) Unsubscribe(ctx context.Context, gameName, roomID, playerID string) {
	if nsp := n.nsp[gameName]; nsp != nil {
		if err := nsp.In(playerChannel(playerID)).SocketsLeave(ctx, rooms.Channel(roomID)); err != nil {
			n.log.Error("unsubscribe failed", "game", gameName, "room", roomID, "player", playerID, "err", err)
		}
	}
}

// errorBody is the error of a failed ack: {ok:false, error:{code, message}}.
func errorBody(code, message string) map[string]any {
	return map[string]any{"ok": false, "error": map[string]any{"code": code, "message": message}}
}

func ack(e *socketio.Event, body any) {
	if e.HasAck() {
		_ = e.Ack(body)
	}
}

var okBody = map[string]any{"ok": true}

func (g *gameNS) ackError(e *socketio.Event, err error) {
	if errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, rooms.ErrUnavailable) {
		// Out of time (waiting for the store, or for another call on the
		// room that was waiting for it): the store is unavailable.
		err = fmt.Errorf("%w: %w", rooms.ErrUnavailable, err)
	}
	code := rooms.ErrorCode(err)
	msg := "internal error"
	// Coded errors carry messages meant for clients; others stay in the log.
	var ce interface{ Code() string }
	switch {
	case code == "unavailable":
		// The cause (a Redis address, a dial error) is for the log.
		msg = "unavailable: try again later"
		g.log.Debug("room operation unavailable", "event", e.Name, "err", err)
	case errors.As(err, &ce):
		msg = err.Error()
	default:
		g.log.Error("room operation failed", "event", e.Name, "err", err)
	}
	ack(e, errorBody(code, msg))
}

func ackBadRequest(e *socketio.Event, msg string) { ack(e, errorBody("bad_request", msg)) }

func (g *gameNS) onConnection(s *socketio.Socket) {
	playerID, name := identity(s)
	gameName := g.rules.Name()
	// Back within the grace (through this node or another): the seat is
	// still ours; the manager catches the player up (room, then the game's
	// catch-up events) in order with the room's other events. A recovered
	// socket got every event it missed: no catch-up, and its room channels
	// are derived again from the room store (resume.go). With Redis
	// unreachable the reconnect would fail too: the tracker records the
	// arrival once Redis answers and reports it back, and the seat follows.
	if err := g.players.arrive(s, gameName, playerID, name); !errors.Is(err, rooms.ErrUnavailable) {
		ctx, cancel := context.WithTimeout(context.Background(), eventTimeout) // the client's events wait for it
		if s.Recovered() {
			g.resume(ctx, s, playerID)
		} else if _, err := g.rooms.Reconnect(ctx, gameName, playerID); err != nil && !errors.Is(err, rooms.ErrNotInRoom) {
			g.log.Warn("reconnect failed", "player", playerID, "err", err)
			g.players.recheck(gameName, playerID) // marked connected once the store answers
		}
		cancel()
	}

	s.On("join", func(e *socketio.Event) {
		opts, msg := g.parseJoin(e)
		if msg != "" {
			ackBadRequest(e, msg)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), eventTimeout)
		defer cancel()
		opts.CatchUp = g.opts.viewOnJoin
		st, err := g.rooms.Join(ctx, gameName, playerID, name, opts)
		if err != nil {
			g.ackError(e, err)
			return
		}
		ack(e, map[string]any{"ok": true, "room": st.RoomPayload()})
	})
	s.On("leave", func(e *socketio.Event) {
		ctx, cancel := context.WithTimeout(context.Background(), eventTimeout)
		defer cancel()
		if err := g.rooms.Leave(ctx, gameName, playerID); err != nil {
			g.ackError(e, err)
			return
		}
		ack(e, okBody)
	})
	for a := range g.actions {
		s.On(a, func(e *socketio.Event) {
			act := game.Action{Name: a}
			if len(e.Args) > 0 {
				b, err := json.Marshal(e.Args[0]) // binary ([]byte) becomes a string: refused by Parse
				if err != nil {
					ackBadRequest(e, "unreadable arguments")
					return
				}
				act.Args = b
			}
			ctx, cancel := context.WithTimeout(context.Background(), eventTimeout)
			defer cancel()
			if err := g.rooms.Act(ctx, gameName, playerID, act); err != nil {
				g.ackError(e, err)
				return
			}
			ack(e, okBody)
		})
	}
	s.OnAny(func(e *socketio.Event) {
		if e.Name != "join" && e.Name != "leave" && !g.actions[e.Name] {
			ack(e, errorBody("unknown_event", "unknown event "+e.Name))
		}
	})
	s.OnDisconnect(func(string) {
		if !g.players.depart(gameName, playerID) {
			return // another socket of theirs lives, here or on another node
		}
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		defer cancel()
		if err := g.rooms.Disconnect(ctx, gameName, playerID); err != nil && !errors.Is(err, rooms.ErrNotInRoom) && !errors.Is(err, rooms.ErrClosed) {
			g.log.Warn("disconnect failed", "player", playerID, "err", err)
		}
		// A socket of theirs may have arrived on another node between the
		// departure and the Disconnect: look again (cluster mode).
		g.players.recheck(gameName, playerID)
	})
}

// parseJoin decodes join's {size?: integer, room?: string}; msg is set for
// a malformed payload.
func (g *gameNS) parseJoin(e *socketio.Event) (opts rooms.JoinOptions, msg string) {
	min, max, _ := g.rules.Sizes()
	shape := "join takes {size?: number}"
	if g.opts.joinRoomID {
		shape = "join takes {room?: string, size?: number}"
	}
	if len(e.Args) == 0 || e.Args[0] == nil {
		return opts, ""
	}
	var req struct {
		Size *float64        `json:"size"`
		Room json.RawMessage `json:"room"` // ignored unless joinRoomID
	}
	if err := e.Bind(0, &req); err != nil {
		return opts, shape
	}
	if req.Size != nil {
		if *req.Size != math.Trunc(*req.Size) || *req.Size < float64(min) || *req.Size > float64(max) {
			return opts, fmt.Sprintf("size must be an integer from %d to %d", min, max)
		}
		opts.Size = int(*req.Size)
	}
	if g.opts.joinRoomID && len(req.Room) > 0 && string(req.Room) != "null" {
		var id string
		if json.Unmarshal(req.Room, &id) != nil || len(id) > rooms.MaxRoomIDLen {
			return opts, "room must be a room id (a string)"
		}
		opts.RoomID = id
	}
	return opts, ""
}
