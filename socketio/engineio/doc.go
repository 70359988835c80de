// Package engineio is an Engine.IO server, protocols 3 (socket.io-client
// 2.x) and 4, over HTTP long-polling and WebSocket (gorilla/websocket for
// the upgrade, frames read and written here), with
// the polling to WebSocket upgrade, heartbeats, CORS and the reference
// server's error codes.
//
// A Server is an http.Handler for the Engine.IO path. Options.OnConnection is
// called for every new session and returns the SessionHandler that receives
// its messages and its close.
//
// # Wire format
//
// packet.go holds the codecs: DecodeText and the text form of packets
// (a type digit and data; binary messages in base64, "b" in protocol 4,
// "b4" in protocol 3), WebSocket frames (EncodeFrame, DecodeBinaryFrame:
// raw bytes in protocol 4, a type byte and the bytes in protocol 3), and
// polling payloads (EncodePayload, DecodePayload: packets joined by 0x1e in
// protocol 4; in protocol 3 each prefixed by its length in UTF-16 code units
// and a colon, or the binary payload format for XHR2 clients).
//
// # Concurrency
//
// Server methods and Session methods (Send, SendVolatile, Close and the
// accessors) are safe for concurrent use from any goroutine.
//
// Send, SendVolatile and SendPrepared never block. While polling, packets
// are appended to the session's outbound queue, which a waiting GET takes.
// On a WebSocket, the caller builds the frames and, when nobody is writing,
// writes everything pending with one non-blocking write; the rest is
// finished by a flusher goroutine started only then. A session with more
// than Options.MaxQueuedPackets packets waiting is closed with reason
// "slow client" and Send returns ErrQueueFull; a WebSocket write that takes
// longer than Options.WriteTimeout closes the session too. Packets sent by
// one Send call, and by successive calls from one goroutine, go out in
// order, also across an upgrade.
//
// A session's SessionHandler calls never overlap and come in order:
// OnMessage runs on the goroutine reading the transport (the WebSocket
// reader, or the polling POST's request goroutine, after the POST has been
// answered), so a slow handler delays that client's next messages and
// nobody else's. OnClose is called exactly once, on a goroutine of its own,
// after any OnMessage in progress has returned (also when OnMessage itself
// closed the session). A panic in OnMessage is recovered and closes that
// session ("transport error").
//
// Each WebSocket session has one goroutine, its reader (plus a flusher
// while a write is pending); a polling session has none between requests.
// Heartbeats of all sessions run on one wheel goroutine per server, which
// runs while sessions exist. Shutdown closes every session and waits for
// those goroutines and the OnClose calls.
//
// Packet.Data passed to OnMessage may alias the transport's read buffer:
// it is valid until OnMessage returns.
package engineio
