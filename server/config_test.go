package server

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseConfig(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		check   func(t *testing.T, c Config)
		wantErr string
	}{
		{name: "defaults", check: func(t *testing.T, c Config) {
			want := Config{Addr: ":3000", Path: "/socket.io/", PingInterval: 25 * time.Second, PingTimeout: 20 * time.Second,
				MaxPayload: 1_000_000, RoundDuration: 10 * time.Second, RoundGap: 3 * time.Second, ReconnectGrace: 30 * time.Second,
				RecoveryWindow: 30 * time.Second, GoldWidth: 10, GoldHeight: 10, GoldCount: 10, GoldTurn: 20 * time.Second,
				DrainTimeout: 10 * time.Second,
				RedisPrefix:  "socket.io", NodeLease: 3 * time.Second, SweepInterval: 500 * time.Millisecond, RedisTimeout: time.Second}
			if !reflect.DeepEqual(c, want) {
				t.Fatalf("got %+v\nwant %+v", c, want)
			}
		}},
		{name: "env fallbacks", env: map[string]string{"RPSIO_ADDR": "127.0.0.1:9", "RPSIO_ROUND_DURATION": "2s", "RPSIO_MAX_PAYLOAD": "5000", "RPSIO_CORS_ORIGINS": "https://a.example, *", "RPSIO_PATH": "io"},
			check: func(t *testing.T, c Config) {
				if c.Addr != "127.0.0.1:9" || c.RoundDuration != 2*time.Second || c.MaxPayload != 5000 || c.Path != "/io/" {
					t.Fatalf("env not applied: %+v", c)
				}
				if !reflect.DeepEqual(c.CORSOrigins, []string{"https://a.example", "*"}) {
					t.Fatalf("cors %q", c.CORSOrigins)
				}
			}},
		{name: "flags win over env", args: []string{"--addr", ":4000", "--round-gap", "0s", "--max-payload", "10"}, env: map[string]string{"RPSIO_ADDR": ":5000", "RPSIO_MAX_PAYLOAD": "99"},
			check: func(t *testing.T, c Config) {
				if c.Addr != ":4000" || c.RoundGap != 0 || c.MaxPayload != 10 {
					t.Fatalf("flags not applied: %+v", c)
				}
			}},
		{name: "drain and pprof from env", env: map[string]string{"RPSIO_DRAIN_TIMEOUT": "3s", "RPSIO_PPROF_ADDR": "127.0.0.1:6060"},
			check: func(t *testing.T, c Config) {
				if c.DrainTimeout != 3*time.Second || c.PprofAddr != "127.0.0.1:6060" {
					t.Fatalf("drain/pprof env not applied: %+v", c)
				}
			}},
		{name: "drain and pprof flags", args: []string{"--drain-timeout", "1500ms", "--pprof-addr", "127.0.0.1:0"}, env: map[string]string{"RPSIO_DRAIN_TIMEOUT": "3s"},
			check: func(t *testing.T, c Config) {
				if c.DrainTimeout != 1500*time.Millisecond || c.PprofAddr != "127.0.0.1:0" {
					t.Fatalf("drain/pprof flags not applied: %+v", c)
				}
			}},
		{name: "cluster from env and flags", args: []string{"--redis-prefix", "game", "--node-id", "n1", "--node-lease", "2s"},
			env: map[string]string{"RPSIO_REDIS_URL": "redis://127.0.0.1:6379/0", "RPSIO_REDIS_PREFIX": "x", "RPSIO_TOKEN_SECRET": "s",
				"RPSIO_SWEEP_INTERVAL": "250ms", "RPSIO_REDIS_TIMEOUT": "700ms"},
			check: func(t *testing.T, c Config) {
				if c.RedisURL != "redis://127.0.0.1:6379/0" || c.RedisPrefix != "game" || c.NodeID != "n1" || c.NodeLease != 2*time.Second ||
					c.SweepInterval != 250*time.Millisecond || c.RedisTimeout != 700*time.Millisecond || c.TokenSecret != "s" {
					t.Fatalf("cluster settings: %+v", c)
				}
			}},
		{name: "redis without a token secret", args: []string{"--redis-url", "redis://127.0.0.1:6379"}, wantErr: "--redis-url needs --token-secret"},
		{name: "prefix with braces", args: []string{"--redis-prefix", "{x}"}, wantErr: "--redis-prefix"},
		{name: "tiny lease", args: []string{"--node-lease", "1ms"}, wantErr: "--node-lease"},
		{name: "zero sweep", args: []string{"--sweep-interval", "0s"}, wantErr: "sweep-interval must be positive"},
		{name: "zero drain timeout", args: []string{"--drain-timeout", "0s"}, wantErr: "drain-timeout must be positive"},
		{name: "bad duration flag", args: []string{"--round-duration", "soon"}, wantErr: "invalid value"},
		{name: "bad duration env", env: map[string]string{"RPSIO_PING_TIMEOUT": "x"}, wantErr: "ping-timeout"},
		{name: "zero round duration", args: []string{"--round-duration", "0s"}, wantErr: "round-duration must be positive"},
		{name: "negative gap", args: []string{"--round-gap", "-1s"}, wantErr: "round-gap"},
		{name: "bad log level", args: []string{"--log-level", "loud"}, wantErr: "log level"},
		{name: "stray argument", args: []string{"extra"}, wantErr: "unexpected argument"},
		{name: "bad max payload env", env: map[string]string{"RPSIO_MAX_PAYLOAD": "lots"}, wantErr: "RPSIO_MAX_PAYLOAD"},
		{name: "gold from env", env: map[string]string{"RPSIO_GOLD_WIDTH": "5", "RPSIO_GOLD_HEIGHT": "4", "RPSIO_GOLD_COUNT": "3", "RPSIO_GOLD_TURN": "1500ms"},
			check: func(t *testing.T, c Config) {
				if c.GoldWidth != 5 || c.GoldHeight != 4 || c.GoldCount != 3 || c.GoldTurn != 1500*time.Millisecond {
					t.Fatalf("gold env not applied: %+v", c)
				}
			}},
		{name: "gold flags win over env", args: []string{"--gold-width", "3", "--gold-height", "2", "--gold-count", "6", "--gold-turn", "2s"},
			env: map[string]string{"RPSIO_GOLD_WIDTH": "5", "RPSIO_GOLD_COUNT": "1", "RPSIO_GOLD_TURN": "9s"},
			check: func(t *testing.T, c Config) {
				if c.GoldWidth != 3 || c.GoldHeight != 2 || c.GoldCount != 6 || c.GoldTurn != 2*time.Second {
					t.Fatalf("gold flags not applied: %+v", c)
				}
			}},
		{name: "gold width too small", args: []string{"--gold-width", "1"}, wantErr: "--gold-width and --gold-height must be 2..50"},
		{name: "gold height too large", args: []string{"--gold-height", "51"}, wantErr: "--gold-width and --gold-height must be 2..50"},
		{name: "gold width not a number", args: []string{"--gold-width", "ten"}, wantErr: "invalid value"},
		{name: "gold width env not a number", env: map[string]string{"RPSIO_GOLD_WIDTH": "10.5"}, wantErr: "gold-width"},
		{name: "no gold", args: []string{"--gold-count", "0"}, wantErr: "--gold-count must be 1..100"},
		{name: "more gold than cells", args: []string{"--gold-width", "3", "--gold-height", "3", "--gold-count", "10"}, wantErr: "--gold-count must be 1..9"},
		{name: "zero gold turn", args: []string{"--gold-turn", "0s"}, wantErr: "gold-turn must be positive"},
		{name: "bad gold turn env", env: map[string]string{"RPSIO_GOLD_TURN": "soon"}, wantErr: "gold-turn"},
		{name: "recovery window follows the grace", args: []string{"--reconnect-grace", "45s"},
			check: func(t *testing.T, c Config) {
				if c.RecoveryWindow != 45*time.Second {
					t.Fatalf("recovery window %v, want the grace", c.RecoveryWindow)
				}
			}},
		{name: "recovery window on by default in cluster mode too", args: []string{"--redis-url", "redis://127.0.0.1:6379", "--token-secret", "s", "--reconnect-grace", "40s"},
			check: func(t *testing.T, c Config) {
				if c.RecoveryWindow != 40*time.Second {
					t.Fatalf("recovery window %v, want the grace", c.RecoveryWindow)
				}
			}},
		{name: "recovery window off in cluster mode", args: []string{"--redis-url", "redis://127.0.0.1:6379", "--token-secret", "s", "--recovery-window", "0"},
			check: func(t *testing.T, c Config) {
				if c.RecoveryWindow != 0 || recoveryOptions(c, nil) != nil {
					t.Fatalf("recovery window %v, want off", c.RecoveryWindow)
				}
			}},
		{name: "recovery window shorter in cluster mode", args: []string{"--redis-url", "redis://127.0.0.1:6379", "--token-secret", "s", "--recovery-window", "20s"},
			check: func(t *testing.T, c Config) {
				if c.RecoveryWindow != 20*time.Second {
					t.Fatalf("recovery window %v, want 20s", c.RecoveryWindow)
				}
			}},
		{name: "recovery window from env, off with 0", env: map[string]string{"RPSIO_RECOVERY_WINDOW": "0"},
			check: func(t *testing.T, c Config) {
				if c.RecoveryWindow != 0 || recoveryOptions(c, nil) != nil {
					t.Fatalf("recovery window %v, want off", c.RecoveryWindow)
				}
			}},
		{name: "recovery window shorter", args: []string{"--recovery-window", "10s"},
			check: func(t *testing.T, c Config) {
				o := recoveryOptions(c, nil)
				if c.RecoveryWindow != 10*time.Second || o.MaxDisconnectionDuration != 10*time.Second || o.MaxPackets != 1000 {
					t.Fatalf("recovery %v %+v", c.RecoveryWindow, o)
				}
			}},
		{name: "recovery window past the grace", args: []string{"--recovery-window", "31s"}, wantErr: "--recovery-window must be 0 (off) to --reconnect-grace (30s)"},
		{name: "recovery window not a duration", env: map[string]string{"RPSIO_RECOVERY_WINDOW": "long"}, wantErr: "--recovery-window"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseConfig(tt.args, env(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to mention %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}
