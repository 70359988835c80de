package server

import (
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// Readiness states, as /readyz reports them.
const (
	StateStarting = "starting" // New returned; MarkReady not called yet
	StateReady    = "ready"
	StateDraining = "draining" // Shutdown has begun
)

// health is the node's readiness: starting, then ready, then draining, never
// back. The Redis connection of each component (the adapter, a shared room
// store) is reported beside it but does not change it: when Redis blips,
// every node sees it at once, and a readiness that followed Redis would
// empty every Service together. Liveness (/healthz) is separate and always
// true while the process serves HTTP.
type health struct {
	mu    sync.Mutex
	state string
	since time.Time
	redis map[string]RedisStatus // by component
}

// RedisStatus is one component's Redis connection as /readyz shows it.
type RedisStatus struct {
	Connected bool      `json:"connected"`
	Error     string    `json:"error,omitempty"`
	Since     time.Time `json:"since"`
}

func newHealth() *health {
	return &health{state: StateStarting, since: time.Now(), redis: map[string]RedisStatus{}}
}

// set moves to state; a node that drains never becomes ready again.
func (h *health) set(state string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.state == state || h.state == StateDraining {
		return
	}
	h.state, h.since = state, time.Now()
}

func (h *health) get() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.state
}

func (h *health) setRedis(component string, connected bool, err error) {
	st := RedisStatus{Connected: connected, Since: time.Now()}
	if err != nil {
		st.Error = err.Error()
	}
	h.mu.Lock()
	if old, ok := h.redis[component]; ok && old.Connected == connected && old.Error == st.Error {
		st.Since = old.Since // the same state reported again
	}
	h.redis[component] = st
	h.mu.Unlock()
}

// Readiness is the body of /readyz.
type Readiness struct {
	Ready  bool      `json:"ready"`
	Status string    `json:"status"` // StateStarting, StateReady or StateDraining
	Since  time.Time `json:"since"`
	// Redis is each component's connection (absent with one node in memory).
	Redis map[string]RedisStatus `json:"redis,omitempty"`
	// Reason says why the node is not ready, or what is degraded.
	Reason string `json:"reason,omitempty"`
}

func (h *health) readiness() Readiness {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := Readiness{Ready: h.state == StateReady, Status: h.state, Since: h.since}
	switch h.state {
	case StateStarting:
		r.Reason = "starting: not serving clients yet"
	case StateDraining:
		r.Reason = "draining: shutting down, clients are told to reconnect to another node"
	}
	if len(h.redis) > 0 {
		r.Redis = make(map[string]RedisStatus, len(h.redis))
		var down []string
		for c, st := range h.redis {
			r.Redis[c] = st
			if !st.Connected {
				down = append(down, c)
			}
		}
		sort.Strings(down)
		if len(down) > 0 && r.Ready {
			r.Reason = "degraded: Redis unreachable for " + strings.Join(down, ", ") + "; local clients are served, other nodes are not reached"
		}
	}
	return r
}

// readyz answers 200 when ready, 503 otherwise, with Readiness as JSON.
func (h *health) readyz(c *gin.Context) {
	r := h.readiness()
	code := http.StatusOK
	if !r.Ready {
		code = http.StatusServiceUnavailable
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(code, r)
}

// gate refuses new Engine.IO handshakes (requests without a sid) with 503
// while draining, so that a proxy retries them on another node
// (proxy_next_upstream http_503) or the client's reconnection backs off and
// tries again; requests of open sessions pass until Shutdown closes them.
func (h *health) gate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodOptions && r.URL.Query().Get("sid") == "" && h.get() == StateDraining {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Retry-After", "1")
			w.Header().Set("Connection", "close")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"code":3,"message":"Server draining: reconnect to another node"}`))
			return
		}
		next.ServeHTTP(w, r)
	})
}
