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
				RedisPrefix: "socket.io"}
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
		{name: "redis from env and flags", args: []string{"--redis-prefix", "game"}, env: map[string]string{"RPSIO_REDIS_URL": "redis://127.0.0.1:6379/0", "RPSIO_REDIS_PREFIX": "x"},
			check: func(t *testing.T, c Config) {
				if c.RedisURL != "redis://127.0.0.1:6379/0" || c.RedisPrefix != "game" {
					t.Fatalf("redis settings: %+v", c)
				}
			}},
		{name: "bad duration flag", args: []string{"--round-duration", "soon"}, wantErr: "invalid value"},
		{name: "bad duration env", env: map[string]string{"RPSIO_PING_TIMEOUT": "x"}, wantErr: "ping-timeout"},
		{name: "zero round duration", args: []string{"--round-duration", "0s"}, wantErr: "round-duration must be positive"},
		{name: "negative gap", args: []string{"--round-gap", "-1s"}, wantErr: "round-gap"},
		{name: "bad log level", args: []string{"--log-level", "loud"}, wantErr: "log level"},
		{name: "stray argument", args: []string{"extra"}, wantErr: "unexpected argument"},
		{name: "bad max payload env", env: map[string]string{"RPSIO_MAX_PAYLOAD": "lots"}, wantErr: "RPSIO_MAX_PAYLOAD"},
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
