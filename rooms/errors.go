package rooms

import (
	"context"
	"errors"
)

// Error is an error with a protocol code, for the client to act on. The
// Manager returns the sentinel values below (and [ErrRoomNotFound], code
// "not_found") wrapped with %w: test for them with errors.Is, or get the code
// of any error with [ErrorCode].
type Error struct {
	code string
	msg  string
}

// Error implements error.
func (e *Error) Error() string { return "rooms: " + e.msg }

// Code returns the protocol code, e.g. "already_chosen".
func (e *Error) Code() string { return e.code }

// The coded errors.
var (
	// ErrBadRequest: malformed arguments (empty or oversized player id or
	// name, room size out of range, unknown move, round < 1).
	ErrBadRequest = &Error{"bad_request", "bad request"}
	// ErrNotInRoom: the player has no seat (never joined, left, or lost the
	// seat when the reconnect grace expired).
	ErrNotInRoom = &Error{"not_in_room", "player is not in a room"}
	// ErrRoundClosed: the round is not the room's open round (settled,
	// cancelled, past its deadline, not started yet, or the room is waiting).
	ErrRoundClosed = &Error{"round_closed", "round is not open"}
	// ErrAlreadyChosen: the player already chose a different move this
	// round. Choosing the same move again succeeds.
	ErrAlreadyChosen = &Error{"already_chosen", "a different move was already chosen this round"}
	// ErrClosed: the Manager is shut down.
	ErrClosed = &Error{"unavailable", "manager is shut down"}
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
