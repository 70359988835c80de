package rooms

import (
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// Limits of a decoded room.
const (
	MaxRoomIDLen = 64 // bytes
	MaxGameLen   = 32 // bytes
	MaxRoomSize  = 64 // seats
)

// EncodeRoom returns r as JSON: the form in which a store shared between
// processes keeps a room. It is plain data that any language reads: times
// are RFC 3339 strings, the phase its name, and the game's state is
// embedded as the JSON object the game encoded.
func EncodeRoom(r *Room) ([]byte, error) {
	if err := r.check(); err != nil {
		return nil, fmt.Errorf("rooms: encode room: %w", err)
	}
	return json.Marshal(r)
}

// DecodeRoom decodes what EncodeRoom returned and checks it is a
// well-formed room. It fails, never panics, on anything else: what comes
// from a shared store may be damaged or written by another version.
func DecodeRoom(b []byte) (*Room, error) {
	var r Room
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("rooms: decode room: %w", err)
	}
	if err := r.check(); err != nil {
		return nil, fmt.Errorf("rooms: decode room: %w", err)
	}
	return &r, nil
}

// check reports what makes r malformed.
func (r *Room) check() error {
	switch {
	case r.ID == "" || len(r.ID) > MaxRoomIDLen || !utf8.ValidString(r.ID):
		return fmt.Errorf("bad id %.80q", r.ID)
	case r.Game == "" || len(r.Game) > MaxGameLen || !utf8.ValidString(r.Game):
		return fmt.Errorf("bad game %.40q", r.Game)
	case r.Size < 1 || r.Size > MaxRoomSize:
		return fmt.Errorf("bad size %d", r.Size)
	case r.Phase > Over:
		return fmt.Errorf("bad phase %d", r.Phase)
	case len(r.Players) == 0 || len(r.Players) > r.Size:
		return fmt.Errorf("%d players in %d seats", len(r.Players), r.Size)
	case r.Created.IsZero():
		return errors.New("no creation time")
	}
	if len(r.State) > 0 && !json.Valid(r.State) {
		return errors.New("state is not JSON")
	}
	for i, s := range r.Players {
		if err := checkPlayerID(s.PlayerID); err != nil {
			return fmt.Errorf("seat %d: %w", i, err)
		}
		if len(s.Name) > MaxNameLen || !utf8.ValidString(s.Name) {
			return fmt.Errorf("seat %d: bad name", i)
		}
		if s.Connected != s.GraceUntil.IsZero() {
			return fmt.Errorf("seat %d: connected with a grace, or disconnected without", i)
		}
		for _, o := range r.Players[:i] {
			if o.PlayerID == s.PlayerID {
				return fmt.Errorf("player %q seated twice", s.PlayerID)
			}
		}
	}
	return nil
}
