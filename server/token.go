package server

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
)

// Tokens let a player come back as the same player: "<playerId>.<mac>",
// where mac is HMAC-SHA256(secret, playerId), base64url. They carry no
// expiry: a seat is only kept for the reconnect grace anyway.
type tokens struct{ secret []byte }

// ErrBadToken is returned for a token that was not signed with our secret.
var ErrBadToken = errors.New("invalid token")

func newTokens(secret string) tokens {
	if secret == "" {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		return tokens{secret: b}
	}
	return tokens{secret: []byte(secret)}
}

func (t tokens) mac(playerID string) string {
	h := hmac.New(sha256.New, t.secret)
	h.Write([]byte(playerID))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

func (t tokens) issue(playerID string) string { return playerID + "." + t.mac(playerID) }

func (t tokens) verify(token string) (string, error) {
	id, mac, ok := strings.Cut(token, ".")
	if !ok || id == "" || len(token) > 256 {
		return "", ErrBadToken
	}
	if !hmac.Equal([]byte(mac), []byte(t.mac(id))) {
		return "", ErrBadToken
	}
	return id, nil
}
