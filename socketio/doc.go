// Package socketio is a Socket.IO server: protocol 5 (socket.io-client 3
// and 4, over Engine.IO 4) and protocol 4 (socket.io-client 2.x, over
// Engine.IO 3, accepted unless Options.DisableEIO3), with namespaces
// (static, and dynamic through OfFunc), middleware, events, acknowledgements
// both ways, binary attachments, rooms and broadcasts through an Adapter
// (NewInMemoryAdapter for one node).
//
// A Server is an http.Handler; mount it at the Socket.IO path:
//
//	srv := socketio.NewServer(socketio.Options{})
//	srv.Of("/").OnConnection(func(s *socketio.Socket) {
//		s.On("move", func(e *socketio.Event) { _ = e.Ack("ok") })
//	})
//	http.Handle("/socket.io/", srv)
//
// The transports, heartbeat and upgrade are package engineio's; the packet
// codec is package parser's.
//
// # Several nodes
//
// Options.Adapter makes each namespace's Adapter; a multi-node adapter
// (package adapter/redis) carries broadcasts, acknowledgements, socket
// operations and server-side events to the other nodes. Call Server.Run
// before serving: it starts the adapters (connect, subscribe) and returns
// their errors; Shutdown closes them. Across nodes: To/Except/Local/
// Volatile(...).Emit, Timeout(d).EmitWithAck, FetchSockets, SocketsJoin,
// SocketsLeave, DisconnectSockets, Namespace.ServerSideEmit(WithAck) with
// OnServerSideEmit(WithAck) handlers, and Namespace.AllRooms.
//
// # Connection state recovery
//
// Options.Recovery (off by default) lets a client that lost its
// connection for less than RecoveryOptions.MaxDisconnectionDuration come
// back with its socket id, rooms and data, and every event it missed, in
// order and once (socket.io 4.6's connectionStateRecovery, which
// socket.io-client 4.6+ speaks); Socket.Recovered tells. Sessions and
// packets live in a RecoveryStore: MemoryRecoveryStore for one node,
// adapter/redis's for a cluster (any node recovers any session). Each
// kept event carries its Offset as its last argument.
//
// # Concurrency
//
// The methods of Server, Namespace, Socket and BroadcastOperator are safe
// for concurrent use from any goroutine.
//
// Middleware, connection handlers (OnConnection) and event handlers (On,
// OnAny) run on the goroutine that reads the client's connection, one at a
// time and in the order the packets arrived, for every namespace the client
// joined over that connection. A handler that blocks delays that client's
// next packets, and only that client's. In particular a handler must not
// wait for EmitWithAck's answer itself: the answer is read by the goroutine
// the handler is holding up. Start a goroutine for that, or for any long
// work.
//
// Emitting never blocks: Socket.Emit, the broadcasts (Namespace.Emit,
// To/In/Except(...).Emit) and Event.Ack encode the packet and queue it on
// each connection concerned. A client whose queue would exceed
// Options.MaxQueuedPackets, or one WebSocket write of which takes longer
// than Options.WriteTimeout, is disconnected ("slow client" or "transport
// error"); the other clients are not held up. A broadcast is encoded once
// for all its recipients. Packets emitted from one goroutine to one client
// arrive in order. EmitWithAck blocks its caller until the client
// acknowledges, the context ends (ErrAckTimeout) or the socket disconnects
// (ErrDisconnected).
//
// BroadcastOperator.EmitWithAck and Namespace.ServerSideEmitWithAck block
// their caller until every answer is in or the timeout; server-side
// handlers run on the adapter's receiving goroutine, one at a time.
//
// Event.Ack may be called after the handler has returned, from another
// goroutine, but not concurrently with itself; only the first call sends.
//
// OnDisconnecting and OnDisconnect handlers run once per socket, on the
// goroutine that ended it: the connection's reader (the client left the
// namespace, or sent an invalid packet), the Engine.IO session's close
// goroutine (transport closed, ping timeout, slow client, Shutdown), or the
// caller of Socket.Disconnect or DisconnectSockets. While OnDisconnecting
// runs the socket is still in its rooms; when OnDisconnect runs it has left
// them.
//
// A panic in middleware refuses the connection (CONNECT_ERROR "server
// error"); a panic in a connection or event handler is logged and
// disconnects that socket only (the client gets a DISCONNECT packet), never
// the connection's other sockets nor other clients.
package socketio
