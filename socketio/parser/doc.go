// Package parser encodes and decodes Socket.IO packets: protocol 5, and the
// protocol 4 spoken by socket.io-client 2.x, whose packet format is the same.
//
// A packet is a text message (type digit, attachment count for binary
// packets, namespace, ack id, JSON data) followed, for BINARY_EVENT and
// BINARY_ACK, by its binary attachments, each a message of its own. []byte
// values in the data travel as attachments and are referred to in the JSON
// by {"_placeholder":true,"num":N}.
//
// The decoder refuses what the reference parser (socket.io-parser) refuses:
// an unknown type, EVENT data that is not a non-empty array whose first
// element (the event name) is a string or a number, reserved event names
// (connect, connect_error, disconnect, disconnecting, newListener,
// removeListener), ACK data that is not an array, DISCONNECT with data,
// CONNECT data that is not an object, CONNECT_ERROR data that is not a string
// or an object, more than MaxAttachments attachments, placeholders out of
// range, a text message while a binary packet waits for attachments and an
// attachment when none is awaited. Every such error wraps ErrInvalidPacket.
//
// # Concurrency
//
// Encode is a pure function, safe to call from any goroutine;
// Encode never modifies the packet's data. A Decoder holds the state of one
// connection's binary packet being reassembled: it must be used by one
// goroutine at a time (a connection's reader). The packets it returns are
// the caller's.
package parser
