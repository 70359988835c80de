package socketio

import "errors"

// Disconnect reasons, as the reference server names them.
const (
	ReasonClientNamespaceDisconnect = "client namespace disconnect"
	ReasonServerNamespaceDisconnect = "server namespace disconnect"
	ReasonParseError                = "parse error"
	ReasonForcedServerClose         = "forced server close"
)

// ConnectError refuses a namespace connection. Middleware returns it to send
// the client a CONNECT_ERROR with this message and data; any other error is
// sent with its text as the message.
type ConnectError struct {
	Message string
	Data    any
}

func (e *ConnectError) Error() string { return e.Message }

// Errors from emitting.
var (
	ErrReservedEvent = errors.New("socketio: reserved event name")
	ErrDisconnected  = errors.New("socketio: socket disconnected")
	ErrAckTimeout    = errors.New("socketio: ack timed out")
	ErrAlreadyAcked  = errors.New("socketio: already acknowledged")
	ErrNoAck         = errors.New("socketio: the client asked for no ack")
)

var reservedEvents = map[string]bool{
	"connect": true, "connect_error": true, "disconnect": true,
	"disconnecting": true, "newListener": true, "removeListener": true,
}
