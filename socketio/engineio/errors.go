package engineio

import (
	"encoding/json"
	"errors"
	"net/http"
)

// Handshake and request errors, with the codes and messages of the reference
// server (engine.io), so clients and the official test suite see the same.
const (
	CodeUnknownTransport   = 0
	CodeUnknownSID         = 1
	CodeBadHandshakeMethod = 2
	CodeBadRequest         = 3
	CodeForbidden          = 4
	CodeUnsupportedVersion = 5
)

var errorMessages = map[int]string{
	CodeUnknownTransport:   "Transport unknown",
	CodeUnknownSID:         "Session ID unknown",
	CodeBadHandshakeMethod: "Bad handshake method",
	CodeBadRequest:         "Bad request",
	CodeForbidden:          "Forbidden",
	CodeUnsupportedVersion: "Unsupported protocol version",
}

// RequestError is the error a request was refused with.
type RequestError struct {
	Code    int
	Message string
}

func (e *RequestError) Error() string { return "engineio: " + e.Message }

// Status is the HTTP status the error is served with: 403 for Forbidden, 400
// for everything else.
func (e *RequestError) Status() int {
	if e.Code == CodeForbidden {
		return http.StatusForbidden
	}
	return http.StatusBadRequest
}

func requestError(code int) *RequestError {
	return &RequestError{Code: code, Message: errorMessages[code]}
}

func writeRequestError(w http.ResponseWriter, e *RequestError) {
	body, _ := json.Marshal(struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}{e.Code, e.Message})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.Status())
	_, _ = w.Write(body)
}

// Errors returned by Session.Send.
var (
	ErrSessionClosed = errors.New("engineio: session closed")
	ErrQueueFull     = errors.New("engineio: outbound queue full, session closed")
)

// Close reasons reported to SessionHandler.OnClose.
const (
	ReasonTransportClose = "transport close"
	ReasonTransportError = "transport error"
	ReasonPingTimeout    = "ping timeout"
	ReasonForcedClose    = "forced close"
	ReasonServerShutdown = "server shutting down"
	ReasonSlowClient     = "slow client"
)
