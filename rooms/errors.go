package rooms

import (
	"context"
	"errors"

	"github.com/rpsio/rpsio/game"
)

// Error is an error with a protocol code, for the client to act on. The
// Manager returns the sentinel values below (and [ErrRoomNotFound], code
// "not_found", and the games' own) wrapped with %w: test for them with
// errors.Is, or get the code of any error with [ErrorCode].
type Error = game.Error

// The coded errors of the engine.
var (
	// ErrBadRequest: malformed arguments (empty or oversized player id or
	// name, room size out of range, unknown game, malformed action).
	ErrBadRequest = game.ErrBadRequest
	// ErrNotInRoom: the player has no seat in a room of that game (never
	// joined, left, or lost the seat when the reconnect grace expired).
	ErrNotInRoom = game.NewError("not_in_room", "player is not in a room")
	// ErrClosed: the Manager is shut down.
	ErrClosed = game.NewError("unavailable", "manager is shut down")
	// ErrUnavailable: the store could not be reached in time (a shared
	// store's Redis is down, unreachable or too slow). Nothing was changed
	// that is not whole: retry later. A store wraps it beside the cause, so
	// errors.Is finds both.
	ErrUnavailable = game.NewError("unavailable", "room store unavailable: try again")
	// ErrStoreDown: besides ErrUnavailable, a shared store says its backend
	// is down (nothing has answered for a while), not merely slow for one
	// call. Only this holds the Manager's timers (Options.RecoveryHold): one
	// call past its deadline on a busy machine must not delay every room.
	ErrStoreDown = errors.New("rooms: store down")
)

// CodeInternal is what ErrorCode returns for an error without a code.
const CodeInternal = "internal"

// ErrorCode returns the protocol code of err: the Code of the first error in
// its chain that has a Code() string method, CodeInternal if none has, ""
// for nil. Context errors give "canceled" and "timeout".
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var c interface{ Code() string }
	if errors.As(err, &c) {
		return c.Code()
	}
	switch {
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	}
	return CodeInternal
}
