package socketio

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/rpsio/rpsio/socketio/engineio"
)

// Options configure a Server. Zero values take the defaults written on each
// field, all applied in withDefaults.
type Options struct {
	// PingInterval and PingTimeout: Engine.IO heartbeat. Default 25 s / 20 s.
	PingInterval time.Duration
	PingTimeout  time.Duration
	// MaxPayload: the largest polling body or WebSocket message, in bytes.
	// Default 1,000,000.
	MaxPayload int64
	// ConnectTimeout: a protocol 5 client that has joined no namespace by
	// then is disconnected. Default 45 s.
	ConnectTimeout time.Duration
	// UpgradeTimeout bounds the polling to WebSocket upgrade. Default 10 s.
	UpgradeTimeout time.Duration
	// WriteTimeout bounds one WebSocket write. Default 10 s.
	WriteTimeout time.Duration
	// MaxQueuedPackets bounds each connection's outbound queue; a client
	// whose queue fills is disconnected. Default 1024.
	MaxQueuedPackets int
	// DisableEIO3 refuses Engine.IO 3 clients (socket.io-client 2.x), which
	// are accepted by default.
	DisableEIO3 bool
	// Transports allowed. Default polling and websocket.
	Transports []string
	// DisableUpgrades keeps polling sessions on polling.
	DisableUpgrades bool
	// CORS for polling requests; nil (the default) sends no CORS headers.
	CORS *engineio.CORS
	// AllowRequest vets every handshake (for example its Origin); an error
	// refuses it with 403.
	AllowRequest func(r *http.Request) error
	// Adapter makes each namespace's adapter. Default NewInMemoryAdapter.
	// It must not block nor do I/O: Server.Run starts the adapters.
	Adapter func(n *Namespace) Adapter
	// AdapterStartTimeout bounds the start of the adapter of a namespace
	// created after Run (by Of, or a client reaching a dynamic namespace).
	// Default 10 s.
	AdapterStartTimeout time.Duration
	// Recovery turns connection state recovery on (nil, the default: off,
	// as the reference). See RecoveryOptions.
	Recovery *RecoveryOptions
	// Logger; default slog.Default().
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 45 * time.Second
	}
	if o.AdapterStartTimeout <= 0 {
		o.AdapterStartTimeout = 10 * time.Second
	}
	if o.Adapter == nil {
		o.Adapter = func(n *Namespace) Adapter { return NewInMemoryAdapter(n) }
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Server is a Socket.IO server; mount it as an http.Handler at the
// Socket.IO path (default "/socket.io/"). All methods are safe for
// concurrent use.
type Server struct {
	opts   Options
	engine *engineio.Server
	log    *slog.Logger
	rec    *serverRecovery // nil: recovery off

	// life is cancelled by Shutdown; adapters started after Run run
	// under it.
	life     context.Context
	stopLife context.CancelFunc

	mu       sync.RWMutex
	nsps     map[string]*Namespace
	parents  []*Namespace // dynamic namespaces, matched in order
	running  bool         // Run was called: new namespaces start their adapter
	closed   bool         // Shutdown was called: no adapter starts any more
	shutdown sync.Once
}

// ErrServerClosed is returned by Run after Shutdown.
var ErrServerClosed = errors.New("socketio: server closed")

// NewServer returns a Server with the default namespace "/" created.
func NewServer(opts Options) *Server {
	opts = opts.withDefaults()
	s := &Server{opts: opts, log: opts.Logger, nsps: map[string]*Namespace{}, rec: newServerRecovery(opts)}
	s.life, s.stopLife = context.WithCancel(context.Background())
	s.engine = engineio.NewServer(engineio.Options{
		PingInterval:     opts.PingInterval,
		PingTimeout:      opts.PingTimeout,
		MaxPayload:       opts.MaxPayload,
		UpgradeTimeout:   opts.UpgradeTimeout,
		WriteTimeout:     opts.WriteTimeout,
		MaxQueuedPackets: opts.MaxQueuedPackets,
		AllowEIO3:        !opts.DisableEIO3,
		Transports:       opts.Transports,
		DisableUpgrades:  opts.DisableUpgrades,
		CORS:             opts.CORS,
		AllowRequest:     opts.AllowRequest,
		Logger:           opts.Logger,
		OnConnection:     s.onSession,
	})
	s.Of("/")
	return s
}

// ServeHTTP serves the Engine.IO transports.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.engine.ServeHTTP(w, r) }

// Engine is the underlying Engine.IO server.
func (s *Server) Engine() *engineio.Server { return s.engine }

// Run starts the adapter of every namespace (for a multi-node adapter:
// connect, subscribe) and returns the first errors, joined; namespaces
// created later start theirs when they are created. Call it once before
// serving. With the default in-memory adapter it does nothing that can
// fail, and a server that is never Run works as one node. After a failed
// Run, call Shutdown to release what did start.
func (s *Server) Run(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrServerClosed
	}
	s.running = true
	nsps := make([]*Namespace, 0, len(s.nsps))
	for _, n := range s.nsps {
		nsps = append(nsps, n)
	}
	s.mu.Unlock()
	var errs []error
	if s.rec != nil {
		if err := s.rec.opts.Store.Run(ctx); err != nil {
			errs = append(errs, fmt.Errorf("socketio: starting the recovery store: %w", err))
		}
	}
	for _, n := range nsps {
		if err := n.runAdapter(ctx); err != nil {
			errs = append(errs, fmt.Errorf("socketio: starting the adapter of %s: %w", n.name, err))
		}
	}
	return errors.Join(errs...)
}

// startLate starts the adapter of a namespace created after Run, outside
// the server's lock. A failure is logged: the namespace serves its local
// sockets and the adapter is expected to recover by itself.
func (s *Server) startLate(n *Namespace, running bool) {
	if !running {
		return
	}
	ctx, cancel := context.WithTimeout(s.life, s.opts.AdapterStartTimeout)
	defer cancel()
	if err := n.runAdapter(ctx); err != nil {
		s.log.Error("socketio: starting the adapter of a new namespace", "nsp", n.name, "err", err)
	}
}

// Of returns the namespace of that name, creating it if needed. A name
// without a leading slash gets one. After Run, a new namespace's adapter
// is started before Of returns.
func (s *Server) Of(name string) *Namespace {
	if !strings.HasPrefix(name, "/") {
		name = "/" + name
	}
	s.mu.RLock()
	n := s.nsps[name]
	s.mu.RUnlock()
	if n != nil {
		return n
	}
	// The adapter is made outside the lock; if another goroutine wins the
	// race, ours is dropped unstarted.
	n = newNamespace(s, name, nil)
	s.mu.Lock()
	if old := s.nsps[name]; old != nil {
		s.mu.Unlock()
		return old
	}
	s.nsps[name] = n
	running := s.running && !s.closed
	s.mu.Unlock()
	s.startLate(n, running)
	return n
}

// OfFunc registers a dynamic namespace: a client connecting to a namespace
// that does not exist yet and for which match returns true gets a child
// namespace of that name, which shares the parent's middleware and
// connection handlers. Emitting on the parent reaches every child.
func (s *Server) OfFunc(match func(name string, auth map[string]any) bool) *Namespace {
	n := newNamespace(s, "", match)
	s.mu.Lock()
	s.parents = append(s.parents, n)
	s.mu.Unlock()
	return n
}

// lookup finds or, for a dynamic match, creates the namespace a client asks for.
func (s *Server) lookup(name string, auth map[string]any) *Namespace {
	s.mu.RLock()
	n := s.nsps[name]
	parents := s.parents
	s.mu.RUnlock()
	if n != nil {
		return n
	}
	for _, p := range parents {
		if p.match(name, auth) {
			child := newNamespace(s, name, nil)
			child.parent = p
			s.mu.Lock()
			if n := s.nsps[name]; n != nil {
				s.mu.Unlock()
				return n
			}
			s.nsps[name] = child
			running := s.running && !s.closed
			s.mu.Unlock()
			p.addChild(child)
			s.startLate(child, running)
			return child
		}
	}
	return nil
}

func (s *Server) onSession(es *engineio.Session) engineio.SessionHandler {
	return newConn(s, es)
}

// Shutdown disconnects every client (reason "server shutting down"),
// closes the adapters and waits, until ctx is done, for every connection
// goroutine and the adapters' goroutines to end.
func (s *Server) Shutdown(ctx context.Context) error {
	var errs []error
	s.shutdown.Do(func() {
		s.mu.Lock()
		s.closed = true
		nsps := make([]*Namespace, 0, len(s.nsps))
		for _, n := range s.nsps {
			nsps = append(nsps, n)
		}
		s.mu.Unlock()
		s.stopLife() // ends adapter starts in progress
		if err := s.engine.Shutdown(ctx); err != nil {
			errs = append(errs, err)
		}
		for _, n := range nsps {
			if err := n.closeAdapter(ctx); err != nil {
				errs = append(errs, fmt.Errorf("socketio: closing the adapter of %s: %w", n.name, err))
			}
		}
		// After the sessions closed (saving their state) and the adapters.
		if s.rec != nil {
			// Close requests of other nodes end with the sessions (life
			// is cancelled: they wait no more).
			s.rec.handlers.Wait()
			if err := s.rec.opts.Store.Close(ctx); err != nil {
				errs = append(errs, fmt.Errorf("socketio: closing the recovery store: %w", err))
			}
		}
	})
	return errors.Join(errs...)
}
