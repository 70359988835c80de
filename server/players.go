package server

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"unicode/utf8"

	"github.com/rpsio/rpsio/presence"
	"github.com/rpsio/rpsio/rooms"
	"github.com/rpsio/rpsio/socketio"
	"github.com/rpsio/rpsio/socketio/engineio"
)

// players is who connects to the game namespaces: identity from the auth
// payload (an optional name and a token we signed), and presence per game,
// on this node or across the cluster (presence.Tracker).
type players struct {
	tokens tokens
	tr     presence.Tracker
	// recheck queues a player whose seat may disagree with presence, to be
	// set right (cluster mode; nil with one node, where they cannot).
	recheck func(game, playerID string)
	log     *slog.Logger
}

func newPlayers(secret string, tr presence.Tracker, recheck func(game, playerID string), log *slog.Logger) *players {
	if recheck == nil {
		recheck = func(string, string) {}
	}
	return &players{tokens: newTokens(secret), tr: tr, recheck: recheck, log: log}
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

// arrive records a socket of playerID in game, puts it in the player's
// channel and sends "welcome" {playerId, name, token}. A presence that
// cannot be recorded now (Redis unreachable: the error) is recorded by the
// tracker later.
func (ps *players) arrive(s *socketio.Socket, game, playerID, name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	err := ps.tr.Arrive(ctx, game, playerID)
	if err != nil {
		ps.log.Warn("presence: arrival not recorded yet", "game", game, "player", playerID, "err", err)
	}
	s.Join(playerChannel(playerID))
	_ = s.Emit("welcome", map[string]any{"playerId": playerID, "name": name, "token": ps.tokens.issue(playerID)})
	return err
}

// depart records that a socket of playerID in game went away and reports
// whether it was the player's last, on every node.
func (ps *players) depart(game, playerID string) (gone bool) {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	gone, err := ps.tr.Depart(ctx, game, playerID)
	if err != nil {
		ps.log.Warn("presence: departure not recorded yet", "game", game, "player", playerID, "err", err)
	}
	return gone
}
