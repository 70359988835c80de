package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/rpsio/rpsio/rooms"
	"github.com/rpsio/rpsio/socketio"
	"github.com/rpsio/rpsio/socketio/engineio"
)

// RPSNamespace is where the rock-paper-scissors contract is served.
const RPSNamespace = "/rps"

// opTimeout bounds one room operation made for a client event.
const opTimeout = 5 * time.Second

// rpsGame wires the /rps namespace to the room manager. Rooms reach their
// players through Socket.IO rooms, never through socket references, so the
// adapter can carry them to players on other nodes:
//   - "player:<playerId>" holds every socket of a player;
//   - rooms.Channel(roomID) holds the sockets of a room's players.
type rpsGame struct {
	nsp    *socketio.Namespace
	rooms  *rooms.Manager
	tokens tokens
	log    *slog.Logger

	mu      sync.Mutex
	players map[string]int // local sockets per player id
}

func playerChannel(playerID string) string { return "player:" + playerID }

// Publish implements rooms.Notifier.
func (g *rpsGame) Publish(_ context.Context, ev rooms.Event) {
	if err := g.nsp.To(rooms.Channel(ev.RoomID)).Emit(ev.Name, ev.Data); err != nil {
		g.log.Error("rps: publish failed", "room", ev.RoomID, "event", ev.Name, "err", err)
	}
}

// Subscribe implements rooms.Subscriber.
func (g *rpsGame) Subscribe(ctx context.Context, roomID, playerID string) {
	if err := g.nsp.In(playerChannel(playerID)).SocketsJoin(ctx, rooms.Channel(roomID)); err != nil {
		g.log.Error("rps: subscribe failed", "room", roomID, "player", playerID, "err", err)
	}
}

// Unsubscribe implements rooms.Subscriber.
func (g *rpsGame) Unsubscribe(ctx context.Context, roomID, playerID string) {
	if err := g.nsp.In(playerChannel(playerID)).SocketsLeave(ctx, rooms.Channel(roomID)); err != nil {
		g.log.Error("rps: unsubscribe failed", "room", roomID, "player", playerID, "err", err)
	}
}

// errorBody is the error of a failed ack: {ok:false, error:{code, message}}.
func errorBody(code, message string) map[string]any {
	return map[string]any{"ok": false, "error": map[string]any{"code": code, "message": message}}
}

func (g *rpsGame) ackError(e *socketio.Event, err error) {
	code := rooms.ErrorCode(err)
	msg := "internal error"
	// Coded errors carry a message meant for clients; others stay in the log.
	var re *rooms.Error
	if errors.As(err, &re) {
		msg = strings.TrimPrefix(re.Error(), "rooms: ")
	} else {
		g.log.Error("rps: room operation failed", "event", e.Name, "err", err)
	}
	if e.HasAck() {
		_ = e.Ack(errorBody(code, msg))
	}
}

func ackBadRequest(e *socketio.Event, msg string) {
	if e.HasAck() {
		_ = e.Ack(errorBody("bad_request", msg))
	}
}

// middleware checks the auth payload: an optional name (a string of at
// most rooms.MaxNameLen bytes) and an optional token we signed.
func (g *rpsGame) middleware(s *socketio.Socket) error {
	refuse := func(code, msg string) error {
		return &socketio.ConnectError{Message: msg, Data: map[string]any{"code": code}}
	}
	auth := s.Handshake().Auth
	name := ""
	if v, ok := auth["name"]; ok && v != nil {
		n, ok := v.(string)
		if !ok {
			return refuse("bad_request", "name must be a string")
		}
		name = strings.TrimSpace(n)
	}
	// Protocol 4 clients send auth in the query, where any bytes can come.
	if len(name) > rooms.MaxNameLen || !utf8.ValidString(name) {
		return refuse("bad_request", fmt.Sprintf("name must be at most %d bytes of UTF-8", rooms.MaxNameLen))
	}
	playerID := ""
	if v, ok := auth["token"]; ok && v != nil && v != "" {
		tok, ok := v.(string)
		if !ok {
			return refuse("bad_request", "token must be a string")
		}
		id, err := g.tokens.verify(tok)
		if err != nil {
			return refuse("invalid_token", "invalid token: connect without one to get a new identity")
		}
		playerID = id
	}
	if playerID == "" {
		playerID = engineio.NewID()
	}
	if name == "" {
		name = "player-" + playerID[:6]
	}
	s.Set("playerId", playerID)
	s.Set("name", name)
	return nil
}

func (g *rpsGame) onConnection(s *socketio.Socket) {
	v, _ := s.Get("playerId")
	playerID := v.(string)
	v, _ = s.Get("name")
	name := v.(string)

	g.mu.Lock()
	g.players[playerID]++
	g.mu.Unlock()
	s.Join(playerChannel(playerID))
	_ = s.Emit("welcome", map[string]any{"playerId": playerID, "name": name, "token": g.tokens.issue(playerID)})

	// Back within the grace: the seat is still ours; catch the client up.
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	if st, err := g.rooms.Reconnect(ctx, playerID); err == nil {
		_ = s.Emit(rooms.EventRoom, st.Room)
		if st.Round != nil {
			_ = s.Emit(rooms.EventStart, *st.Round)
		}
	} else if !errors.Is(err, rooms.ErrNotInRoom) {
		g.log.Warn("rps: reconnect failed", "player", playerID, "err", err)
	}
	cancel()

	s.On("join", func(e *socketio.Event) {
		size := 0
		if len(e.Args) > 0 && e.Args[0] != nil {
			var req struct {
				Size *float64 `json:"size"`
			}
			if err := e.Bind(0, &req); err != nil {
				ackBadRequest(e, "join takes {size?: number}")
				return
			}
			if req.Size != nil {
				if *req.Size != math.Trunc(*req.Size) || *req.Size < rooms.MinSize || *req.Size > rooms.MaxSize {
					ackBadRequest(e, "size must be an integer from 2 to 8")
					return
				}
				size = int(*req.Size)
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		defer cancel()
		st, err := g.rooms.Join(ctx, playerID, name, size)
		if err != nil {
			g.ackError(e, err)
			return
		}
		if e.HasAck() {
			_ = e.Ack(map[string]any{"ok": true, "room": st.Room})
		}
	})
	s.On("choose", func(e *socketio.Event) {
		var req struct {
			Round *float64 `json:"round"`
			Move  *string  `json:"move"`
		}
		if len(e.Args) == 0 || e.Bind(0, &req) != nil || req.Round == nil || req.Move == nil ||
			*req.Round != math.Trunc(*req.Round) || *req.Round < 1 || *req.Round > math.MaxInt32 {
			ackBadRequest(e, `choose takes {round: integer, move: "rock"|"paper"|"scissors"}`)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		defer cancel()
		if err := g.rooms.Choose(ctx, playerID, int(*req.Round), *req.Move); err != nil {
			g.ackError(e, err)
			return
		}
		if e.HasAck() {
			_ = e.Ack(map[string]any{"ok": true})
		}
	})
	s.On("leave", func(e *socketio.Event) {
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		defer cancel()
		if err := g.rooms.Leave(ctx, playerID); err != nil {
			g.ackError(e, err)
			return
		}
		if e.HasAck() {
			_ = e.Ack(map[string]any{"ok": true})
		}
	})
	s.OnAny(func(e *socketio.Event) {
		switch e.Name {
		case "join", "choose", "leave":
		default:
			if e.HasAck() {
				_ = e.Ack(errorBody("unknown_event", "unknown event "+e.Name))
			}
		}
	})
	s.OnDisconnect(func(string) {
		g.mu.Lock()
		g.players[playerID]--
		last := g.players[playerID] <= 0
		if last {
			delete(g.players, playerID)
		}
		g.mu.Unlock()
		if !last {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		defer cancel()
		if err := g.rooms.Disconnect(ctx, playerID); err != nil && !errors.Is(err, rooms.ErrNotInRoom) && !errors.Is(err, rooms.ErrClosed) {
			g.log.Warn("rps: disconnect failed", "player", playerID, "err", err)
		}
	})
}
