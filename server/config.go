package server

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/rpsio/rpsio/game/gold"
)

// Config is the binary's configuration. Every field has a flag and an
// RPSIO_* environment variable; flags win over the environment.
type Config struct {
	Addr           string
	Path           string
	PingInterval   time.Duration
	PingTimeout    time.Duration
	MaxPayload     int64
	CORSOrigins    []string
	RoundDuration  time.Duration
	RoundGap       time.Duration
	ReconnectGrace time.Duration
	// RecoveryWindow: Socket.IO connection state recovery's maximum
	// disconnection duration; at most ReconnectGrace (its default), 0 off.
	RecoveryWindow time.Duration
	TokenSecret    string
	LogLevel       slog.Level
	// The gold-mining game (/gold): board size, gold cells, turn time.
	GoldWidth, GoldHeight, GoldCount int
	GoldTurn                         time.Duration
	// DrainTimeout bounds the graceful stop on SIGTERM (see App.Shutdown).
	DrainTimeout time.Duration
	// PprofAddr serves net/http/pprof when set; empty: off.
	PprofAddr string
	// RedisURL joins a cluster of nodes on that Redis: the Socket.IO
	// adapter (adapter/redis), the room store (rooms/redisstore) and
	// presence (presence/redispresence); empty: one node, everything in
	// memory.
	RedisURL string
	// RedisPrefix is the cluster's channel prefix (Node's `key`) and the
	// namespace of its keys.
	RedisPrefix string
	// NodeID names this node in the cluster; empty: the host name and a
	// random suffix.
	NodeID string
	// NodeLease: a node not heard from for this long is taken for dead and
	// its players for disconnected.
	NodeLease time.Duration
	// SweepInterval: how often a node looks for rooms whose node died
	// before waking them (and how late they must be).
	SweepInterval time.Duration
	// RedisTimeout bounds one presence call to Redis, and a room-store call
	// without a deadline of its own (players' calls have their own budget,
	// under 2 s; timers give the store 5 s).
	RedisTimeout time.Duration
}

// ErrHelp is returned by ParseConfig after printing the usage for -h.
var ErrHelp = flag.ErrHelp

// ParseConfig reads flags, falling back to environment variables (getenv),
// then to the defaults.
func ParseConfig(args []string, getenv func(string) string) (Config, error) {
	var c Config
	fs := flag.NewFlagSet("rpsio", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	var cors, level, recovery string
	fs.StringVar(&c.Addr, "addr", env("RPSIO_ADDR", ":3000"), "listen address (RPSIO_ADDR)")
	fs.StringVar(&c.Path, "path", env("RPSIO_PATH", "/socket.io/"), "Socket.IO path (RPSIO_PATH)")
	durationVar(fs, &c.PingInterval, "ping-interval", env("RPSIO_PING_INTERVAL", "25s"), "Engine.IO ping interval (RPSIO_PING_INTERVAL)")
	durationVar(fs, &c.PingTimeout, "ping-timeout", env("RPSIO_PING_TIMEOUT", "20s"), "Engine.IO ping timeout (RPSIO_PING_TIMEOUT)")
	fs.Int64Var(&c.MaxPayload, "max-payload", 0, "largest message in bytes (RPSIO_MAX_PAYLOAD, default 1000000)")
	fs.StringVar(&cors, "cors-origins", env("RPSIO_CORS_ORIGINS", ""), "comma-separated origins allowed to poll cross-origin, * for any; empty: CORS off (RPSIO_CORS_ORIGINS)")
	durationVar(fs, &c.RoundDuration, "round-duration", env("RPSIO_ROUND_DURATION", "10s"), "time to choose a move (RPSIO_ROUND_DURATION)")
	durationVar(fs, &c.RoundGap, "round-gap", env("RPSIO_ROUND_GAP", "3s"), "pause between rounds (RPSIO_ROUND_GAP)")
	durationVar(fs, &c.ReconnectGrace, "reconnect-grace", env("RPSIO_RECONNECT_GRACE", "30s"), "how long a disconnected player keeps the seat (RPSIO_RECONNECT_GRACE)")
	fs.StringVar(&recovery, "recovery-window", env("RPSIO_RECOVERY_WINDOW", ""), "Socket.IO connection state recovery: how long a dropped client can come back with its socket id, rooms and missed events; default and at most --reconnect-grace, in one node and in a cluster; 0: off (RPSIO_RECOVERY_WINDOW)")
	fs.StringVar(&c.TokenSecret, "token-secret", env("RPSIO_TOKEN_SECRET", ""), "HMAC secret of player tokens; random when empty, so tokens do not survive a restart (RPSIO_TOKEN_SECRET)")
	fs.StringVar(&c.RedisURL, "redis-url", env("RPSIO_REDIS_URL", ""), "Redis of a multi-node cluster, redis://[:password@]host:port[/db]; needs --token-secret; empty: one node in memory (RPSIO_REDIS_URL)")
	fs.StringVar(&c.RedisPrefix, "redis-prefix", env("RPSIO_REDIS_PREFIX", "socket.io"), "channel prefix of the cluster, as @socket.io/redis-adapter's key, and namespace of its keys in Redis (RPSIO_REDIS_PREFIX)")
	fs.StringVar(&c.NodeID, "node-id", env("RPSIO_NODE_ID", ""), "this node's name in the cluster, unique; empty: host name and a random suffix (RPSIO_NODE_ID)")
	durationVar(fs, &c.NodeLease, "node-lease", env("RPSIO_NODE_LEASE", "3s"), "cluster: a node silent this long is dead and its players disconnected; heartbeats every third of it (RPSIO_NODE_LEASE)")
	durationVar(fs, &c.SweepInterval, "sweep-interval", env("RPSIO_SWEEP_INTERVAL", "500ms"), "cluster: how often a node wakes rooms whose node died, once they are this late (RPSIO_SWEEP_INTERVAL)")
	durationVar(fs, &c.RedisTimeout, "redis-timeout", env("RPSIO_REDIS_TIMEOUT", "1s"), "cluster: bound of one presence call to Redis, and of a room-store call without a deadline of its own; players' calls answer \"unavailable\" within 2 s (RPSIO_REDIS_TIMEOUT)")
	durationVar(fs, &c.DrainTimeout, "drain-timeout", env("RPSIO_DRAIN_TIMEOUT", "10s"), "on SIGTERM, how long to drain (unready, refuse new clients, close sessions so clients reconnect elsewhere) before exiting (RPSIO_DRAIN_TIMEOUT)")
	fs.StringVar(&c.PprofAddr, "pprof-addr", env("RPSIO_PPROF_ADDR", ""), "serve net/http/pprof on this address, e.g. 127.0.0.1:6060; empty: off (RPSIO_PPROF_ADDR)")
	fs.StringVar(&level, "log-level", env("RPSIO_LOG_LEVEL", "info"), "debug, info, warn or error (RPSIO_LOG_LEVEL)")
	intVar(fs, &c.GoldWidth, "gold-width", env("RPSIO_GOLD_WIDTH", strconv.Itoa(gold.DefaultWidth)), "gold board width in cells (RPSIO_GOLD_WIDTH)")
	intVar(fs, &c.GoldHeight, "gold-height", env("RPSIO_GOLD_HEIGHT", strconv.Itoa(gold.DefaultHeight)), "gold board height in cells (RPSIO_GOLD_HEIGHT)")
	intVar(fs, &c.GoldCount, "gold-count", env("RPSIO_GOLD_COUNT", strconv.Itoa(gold.DefaultGold)), "gold cells on a board (RPSIO_GOLD_COUNT)")
	durationVar(fs, &c.GoldTurn, "gold-turn", env("RPSIO_GOLD_TURN", gold.DefaultTurnDuration.String()), "time for a gold player's turn (RPSIO_GOLD_TURN)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(os.Stderr)
			fs.PrintDefaults()
		}
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if c.MaxPayload == 0 {
		if v := getenv("RPSIO_MAX_PAYLOAD"); v != "" {
			if _, err := fmt.Sscan(v, &c.MaxPayload); err != nil {
				return c, fmt.Errorf("RPSIO_MAX_PAYLOAD: %w", err)
			}
		} else {
			c.MaxPayload = 1_000_000
		}
	}
	for _, o := range strings.Split(cors, ",") {
		if o = strings.TrimSpace(o); o != "" {
			c.CORSOrigins = append(c.CORSOrigins, o)
		}
	}
	if err := c.LogLevel.UnmarshalText([]byte(level)); err != nil {
		return c, fmt.Errorf("log level: %w", err)
	}
	if !strings.HasPrefix(c.Path, "/") {
		c.Path = "/" + c.Path
	}
	if !strings.HasSuffix(c.Path, "/") {
		c.Path += "/"
	}
	for _, d := range []struct {
		name string
		d    time.Duration
	}{{"ping-interval", c.PingInterval}, {"ping-timeout", c.PingTimeout}, {"round-duration", c.RoundDuration}, {"reconnect-grace", c.ReconnectGrace}, {"gold-turn", c.GoldTurn}, {"drain-timeout", c.DrainTimeout},
		{"node-lease", c.NodeLease}, {"sweep-interval", c.SweepInterval}, {"redis-timeout", c.RedisTimeout}} {
		if d.d <= 0 { // in a fixed order, so the same bad input gives the same message
			return c, fmt.Errorf("--%s must be positive", d.name)
		}
	}
	// On by default, in one node and in a cluster alike (sessions and
	// missed packets in Redis then): a dropped client is back with its
	// socket id, rooms and every missed event within the grace.
	c.RecoveryWindow = c.ReconnectGrace
	if recovery != "" {
		d, err := time.ParseDuration(recovery)
		if err != nil {
			return c, fmt.Errorf("--recovery-window: %w", err)
		}
		c.RecoveryWindow = d
	}
	if c.RecoveryWindow < 0 || c.RecoveryWindow > c.ReconnectGrace {
		return c, fmt.Errorf("--recovery-window must be 0 (off) to --reconnect-grace (%v): past the grace the player has left the room", c.ReconnectGrace)
	}
	if c.RoundGap < 0 {
		return c, errors.New("--round-gap must not be negative")
	}
	if c.RedisURL != "" && c.TokenSecret == "" {
		return c, errors.New("--redis-url needs --token-secret (RPSIO_TOKEN_SECRET), the same on every node: " +
			"a player who reconnects through another node comes back with a token that node must verify")
	}
	if strings.ContainsAny(c.RedisPrefix, "{}") || c.RedisPrefix == "" {
		return c, errors.New("--redis-prefix must be non-empty, without braces")
	}
	if c.NodeLease < 30*time.Millisecond {
		return c, errors.New("--node-lease must be at least 30ms")
	}
	if c.GoldWidth < gold.MinSide || c.GoldWidth > gold.MaxSide || c.GoldHeight < gold.MinSide || c.GoldHeight > gold.MaxSide {
		return c, fmt.Errorf("--gold-width and --gold-height must be %d..%d", gold.MinSide, gold.MaxSide)
	}
	if c.GoldCount < 1 || c.GoldCount > c.GoldWidth*c.GoldHeight {
		return c, fmt.Errorf("--gold-count must be 1..%d (the cells of the board)", c.GoldWidth*c.GoldHeight)
	}
	return c, nil
}

type durationValue struct{ d *time.Duration }

func (v durationValue) String() string {
	if v.d == nil {
		return ""
	}
	return v.d.String()
}
func (v durationValue) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*v.d = d
	return nil
}

type intValue struct{ n *int }

func (v intValue) String() string {
	if v.n == nil {
		return ""
	}
	return strconv.Itoa(*v.n)
}
func (v intValue) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil {
		return errors.New("not an integer")
	}
	*v.n = n
	return nil
}

// intVar is flag.IntVar with the default given as text, so that a bad
// environment value is reported rather than silently ignored.
func intVar(fs *flag.FlagSet, p *int, name, def, usage string) {
	if n, err := strconv.Atoi(def); err == nil {
		*p = n
	} else {
		*p = -1 // reported by the range checks
	}
	fs.Var(intValue{p}, name, usage)
}

// durationVar is flag.DurationVar with the default given as text, so that
// a bad environment value is reported rather than silently ignored.
func durationVar(fs *flag.FlagSet, p *time.Duration, name, def, usage string) {
	if d, err := time.ParseDuration(def); err == nil {
		*p = d
	} else {
		*p = -1 // reported by the positivity check
	}
	fs.Var(durationValue{p}, name, usage)
}
