package server

import (
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/rpsio/rpsio/rooms"
	"github.com/rpsio/rpsio/socketio"
	"github.com/rpsio/rpsio/socketio/engineio"
)

// players is who connects to the game namespaces: identity from the auth
// payload (an optional name and a token we signed), and presence, counted
// per namespace on this node.
type players struct {
	tokens tokens

	mu    sync.Mutex
	count map[presenceKey]int // local sockets per (namespace, player id)
}

type presenceKey struct{ nsp, player string }

func newPlayers(secret string) *players {
	return &players{tokens: newTokens(secret), count: map[presenceKey]int{}}
}

func playerChannel(playerID string) string { return "player:" + playerID }

// middleware checks the auth payload: an optional name (a string of at
// most rooms.MaxNameLen bytes) and an optional token we signed. It stores
// "playerId" and "name" on the socket.
func (ps *players) middleware(s *socketio.Socket) error {
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
		id, err := ps.tokens.verify(tok)
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

// identity returns what middleware stored on the socket.
func identity(s *socketio.Socket) (playerID, name string) {
	v, _ := s.Get("playerId")
	playerID, _ = v.(string)
	v, _ = s.Get("name")
	name, _ = v.(string)
	return playerID, name
}

// arrive counts a socket of playerID on the namespace, puts it in the
// player's channel and sends "welcome" {playerId, name, token}.
func (ps *players) arrive(s *socketio.Socket, playerID, name string) {
	ps.mu.Lock()
	ps.count[presenceKey{s.Namespace().Name(), playerID}]++
	ps.mu.Unlock()
	s.Join(playerChannel(playerID))
	_ = s.Emit("welcome", map[string]any{"playerId": playerID, "name": name, "token": ps.tokens.issue(playerID)})
}

// depart uncounts a socket and reports whether it was the player's last on
// the namespace, on this node.
func (ps *players) depart(nsp, playerID string) (last bool) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	k := presenceKey{nsp, playerID}
	ps.count[k]--
	if ps.count[k] > 0 {
		return false
	}
	delete(ps.count, k)
	return true
}
