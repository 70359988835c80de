package engineio

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Transport names.
const (
	TransportPolling   = "polling"
	TransportWebSocket = "websocket"
)

// CORS configures cross-origin polling requests. A nil *CORS (the default)
// sends no CORS headers.
type CORS struct {
	// Origins allowed; "*" allows any origin.
	Origins []string
	// Credentials sets Access-Control-Allow-Credentials; the request's origin
	// is then echoed instead of "*".
	Credentials bool
}

func (c *CORS) allowed(origin string) bool {
	for _, o := range c.Origins {
		if o == "*" || strings.EqualFold(o, origin) {
			return true
		}
	}
	return false
}

// Options configure a Server. Zero values take the defaults documented on
// each field; see withDefaults.
type Options struct {
	// PingInterval between server pings (protocol 4), or expected between
	// client pings (protocol 3). Default 25 s.
	PingInterval time.Duration
	// PingTimeout: how long a pong (or, in protocol 3, the next ping) may be
	// late before the session is closed. Default 20 s.
	PingTimeout time.Duration
	// MaxPayload is the largest polling body or WebSocket message accepted,
	// in bytes. Default 1,000,000.
	MaxPayload int64
	// UpgradeTimeout bounds the polling to WebSocket upgrade. Default 10 s.
	UpgradeTimeout time.Duration
	// WriteTimeout bounds one WebSocket write; a client that does not read
	// is cut off when it expires. Default 10 s.
	WriteTimeout time.Duration
	// MaxQueuedPackets bounds each session's outbound queue; a session whose
	// queue is full is closed ("slow client"). Default 1024.
	MaxQueuedPackets int
	// AllowEIO3 accepts Engine.IO protocol 3 clients. Default false.
	AllowEIO3 bool
	// Transports allowed. Default polling and websocket.
	Transports []string
	// DisableUpgrades stops polling sessions from upgrading.
	DisableUpgrades bool
	// CORS headers for polling; nil sends none.
	CORS *CORS
	// AllowRequest, if set, vets every handshake; an error refuses it with
	// 403 and the error's text.
	AllowRequest func(r *http.Request) error
	// Logger; default slog.Default().
	Logger *slog.Logger
	// OnConnection is called once per new session, before any of its
	// packets is read, and returns the handler of its messages. Required.
	OnConnection func(s *Session) SessionHandler
}

// SessionHandler receives one session's inbound messages and its close. The
// calls for one session never overlap and come in order.
type SessionHandler interface {
	OnMessage(p Packet)
	OnClose(reason string)
}

func (o Options) withDefaults() Options {
	if o.PingInterval <= 0 {
		o.PingInterval = 25 * time.Second
	}
	if o.PingTimeout <= 0 {
		o.PingTimeout = 20 * time.Second
	}
	if o.MaxPayload <= 0 {
		o.MaxPayload = 1_000_000
	}
	if o.UpgradeTimeout <= 0 {
		o.UpgradeTimeout = 10 * time.Second
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 10 * time.Second
	}
	if o.MaxQueuedPackets <= 0 {
		o.MaxQueuedPackets = 1024
	}
	if len(o.Transports) == 0 {
		o.Transports = []string{TransportPolling, TransportWebSocket}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Server is an Engine.IO server; it is an http.Handler for the Engine.IO
// path. All methods are safe for concurrent use.
type Server struct {
	opts     Options
	upgrader websocket.Upgrader
	log      *slog.Logger

	mu       sync.Mutex
	sessions map[string]*Session
	closing  bool
	wg       sync.WaitGroup // session goroutines: WebSocket readers, flushers, OnClose calls
	wheel    *wheel         // every session's heartbeat
	stats    counters       // for Stats (stats.go)
}

// NewServer returns a Server with opts defaulted.
func NewServer(opts Options) *Server {
	opts = opts.withDefaults()
	s := &Server{opts: opts, log: opts.Logger, sessions: map[string]*Session{}, wheel: newWheel(opts.PingInterval, opts.PingTimeout)}
	s.upgrader = websocket.Upgrader{
		ReadBufferSize:  1024,
		WriteBufferSize: 1024,
		WriteBufferPool: &sync.Pool{},
		// Origins are vetted by AllowRequest, as for polling.
		CheckOrigin: func(*http.Request) bool { return true },
	}
	return s
}

// Options returns the server's options with defaults applied.
func (s *Server) Options() Options { return s.opts }

// Count is the number of open sessions.
func (s *Server) Count() int {
	s.mu.Lock()
	all := make([]*Session, 0, len(s.sessions))
	for _, sess := range s.sessions {
		all = append(all, sess)
	}
	s.mu.Unlock()
	n := 0
	for _, sess := range all {
		sess.mu.Lock()
		if !sess.closed {
			n++ // closed polling sessions wait for their last GET
		}
		sess.mu.Unlock()
	}
	return n
}

func (s *Server) transportAllowed(name string) bool {
	for _, t := range s.opts.Transports {
		if t == name {
			return true
		}
	}
	return false
}

// ServeHTTP serves handshakes, polling requests and WebSocket connections.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.opts.CORS != nil {
		if origin := r.Header.Get("Origin"); origin != "" && s.opts.CORS.allowed(origin) {
			h := w.Header()
			if s.opts.CORS.Credentials {
				h.Set("Access-Control-Allow-Origin", origin)
				h.Set("Access-Control-Allow-Credentials", "true")
			} else {
				h.Set("Access-Control-Allow-Origin", "*")
			}
			h.Add("Vary", "Origin")
			if r.Method == http.MethodOptions {
				h.Set("Access-Control-Allow-Methods", "GET,HEAD,PUT,PATCH,POST,DELETE")
				if rh := r.Header.Get("Access-Control-Request-Headers"); rh != "" {
					h.Set("Access-Control-Allow-Headers", rh)
				}
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
	}
	q := r.URL.Query()
	transport := q.Get("transport")
	if !s.transportAllowed(transport) {
		writeRequestError(w, requestError(CodeUnknownTransport))
		return
	}
	isUpgrade := websocket.IsWebSocketUpgrade(r)
	if sid := q.Get("sid"); sid != "" {
		s.mu.Lock()
		sess := s.sessions[sid]
		s.mu.Unlock()
		// A closed session may still owe its end to one GET (servePoll
		// decides); every other request on it finds no session.
		if sess == nil || (sess.expire() && (transport != TransportPolling || r.Method != http.MethodGet)) {
			writeRequestError(w, requestError(CodeUnknownSID))
			return
		}
		if transport == TransportWebSocket {
			if !isUpgrade {
				writeRequestError(w, requestError(CodeBadRequest))
				return
			}
			s.serveUpgrade(w, r, sess)
			return
		}
		sess.servePolling(w, r)
		return
	}
	if r.Method != http.MethodGet {
		writeRequestError(w, requestError(CodeBadHandshakeMethod))
		return
	}
	protocol := 0
	switch q.Get("EIO") {
	case "4":
		protocol = 4
	case "3":
		if s.opts.AllowEIO3 {
			protocol = 3
		}
	}
	if protocol == 0 {
		writeRequestError(w, requestError(CodeUnsupportedVersion))
		return
	}
	if transport == TransportWebSocket && !isUpgrade {
		writeRequestError(w, requestError(CodeBadRequest))
		return
	}
	if s.opts.AllowRequest != nil {
		if err := s.opts.AllowRequest(r); err != nil {
			writeRequestError(w, &RequestError{Code: CodeForbidden, Message: err.Error()})
			return
		}
	}
	if transport == TransportWebSocket {
		conn, err := s.upgrader.Upgrade(w, r, nil)
		if err != nil {
			return // the upgrader has answered
		}
		sess := s.newSession(r, protocol, TransportWebSocket)
		if sess == nil {
			_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, "server shutting down"), time.Now().Add(time.Second))
			_ = conn.Close()
			return
		}
		rd := sess.attachWebSocket(conn)
		sess.start()
		// The reader gets its own goroutine so the handler returns and net/http
		// frees its per-request state (about 12 KB per idle connection).
		go sess.runWebSocket(rd)
		return
	}
	sess := s.newSession(r, protocol, TransportPolling)
	if sess == nil {
		writeRequestError(w, &RequestError{Code: CodeBadRequest, Message: "Server shutting down"})
		return
	}
	// The handshake response carries only the open packet; what the
	// connection handler queues goes out with the next poll.
	sess.mu.Lock()
	open := sess.queue[0]
	sess.queue = sess.queue[1:]
	sess.mu.Unlock()
	sess.start()
	sess.writePollResponse(w, []Packet{open})
}

type handshake struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int64    `json:"pingInterval"`
	PingTimeout  int64    `json:"pingTimeout"`
	MaxPayload   int64    `json:"maxPayload,omitempty"`
}

func (s *Server) newSession(r *http.Request, protocol int, transport string) *Session {
	id := NewID()
	upgrades := []string{}
	if transport == TransportPolling && !s.opts.DisableUpgrades && s.transportAllowed(TransportWebSocket) {
		upgrades = append(upgrades, TransportWebSocket)
	}
	hs := handshake{
		SID: id, Upgrades: upgrades,
		PingInterval: s.opts.PingInterval.Milliseconds(),
		PingTimeout:  s.opts.PingTimeout.Milliseconds(),
	}
	if protocol == 4 {
		hs.MaxPayload = s.opts.MaxPayload
	}
	open, _ := json.Marshal(hs)
	sess := &Session{
		srv:            s,
		id:             id,
		protocol:       protocol,
		req:            cloneRequest(r),
		supportsBinary: r.URL.Query().Get("b64") == "",
		transport:      transport,
		wake:           make(chan struct{}, 1),
		done:           make(chan struct{}),
		queue:          []Packet{{Type: Open, Data: open}},
	}
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return nil
	}
	s.sessions[id] = sess
	s.stats.opened(transport)
	if transport == TransportWebSocket {
		// Its reader goroutine, counted under the lock so that the count
		// is up before a Shutdown's Wait.
		s.wg.Add(1)
	}
	s.mu.Unlock()
	sess.handler = s.opts.OnConnection(sess)
	return sess
}

func (s *Server) remove(sess *Session) {
	s.mu.Lock()
	if s.sessions[sess.id] == sess {
		delete(s.sessions, sess.id)
	}
	s.mu.Unlock()
}

// track counts n session goroutines for Shutdown, unless it has begun.
func (s *Server) track(n int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.wg.Add(n)
	return true
}

// Shutdown closes every session and waits, until ctx is done, for their
// goroutines to end. New handshakes are refused from the first call on.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	all := make([]*Session, 0, len(s.sessions))
	for _, sess := range s.sessions {
		all = append(all, sess)
	}
	s.mu.Unlock()
	for _, sess := range all {
		sess.Close(ReasonServerShutdown)
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// NewID returns a random URL-safe identifier of 128 bits from crypto/rand.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// cloneRequest keeps what a session needs of its handshake request without
// holding on to the body or the connection.
func cloneRequest(r *http.Request) *http.Request {
	// A shallow copy: net/http does not reuse a request's header map or
	// URL once its handler has returned, so they are shared rather than
	// deep-copied (about 1 KB per connection).
	c := r.WithContext(context.Background())
	c.Body = http.NoBody
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		c.RemoteAddr = host
	}
	return c
}
