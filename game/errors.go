package game

// Error is an error with a protocol code, for the client to act on. Games
// and the room engine return these sentinels wrapped with %w: test for them
// with errors.Is; rooms.ErrorCode gets the code of any error.
type Error struct {
	code string
	msg  string
}

// NewError returns an Error with a protocol code ("not_your_turn") and a
// message meant for clients.
func NewError(code, msg string) *Error { return &Error{code: code, msg: msg} }

// Error implements error.
func (e *Error) Error() string { return e.msg }

// Code returns the protocol code, e.g. "bad_request".
func (e *Error) Code() string { return e.code }

// Message returns the message meant for clients.
func (e *Error) Message() string { return e.msg }

// ErrBadRequest: malformed arguments. Its code is "bad_request".
var ErrBadRequest = NewError("bad_request", "bad request")
