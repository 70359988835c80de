package redispresence

import (
	"errors"
	"testing"
)

// FuzzMember: members round-trip, and any string from Redis parses or is
// refused, never panics.
func FuzzMember(f *testing.F) {
	f.Add("rps", "p", "3:rpsp")
	f.Add("gold", "a:b", "99:x")
	f.Add("", "", "0:")
	f.Fuzz(func(t *testing.T, game, player, raw string) {
		if game != "" && len(game) < 10000 {
			g, p, ok := parseMember(member(game, player))
			if !ok || g != game || p != player {
				t.Fatalf("member(%q, %q) parsed as %q, %q, %v", game, player, g, p, ok)
			}
		}
		if g, p, ok := parseMember(raw); ok && member(g, p) != raw {
			t.Fatalf("%q parsed as %q, %q", raw, g, p)
		}
	})
}

// FuzzReplies: script replies of any shape decode or fail with
// ErrMalformed.
func FuzzReplies(f *testing.F) {
	f.Add(int64(2), int64(10), "a", "3:rpsp", uint8(0))
	f.Fuzz(func(t *testing.T, n, c int64, s1, s2 string, shape uint8) {
		var v any
		switch shape % 5 {
		case 0:
			v = []any{n, c}
		case 1:
			v = []any{[]any{s1}, []any{s2, s1}}
		case 2:
			v = []any{[]any{s1, n}, []any{}}
		case 3:
			v = []any{s1}
		default:
			v = s2
		}
		if _, _, err := parseStats(v); err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatal(err)
		}
		if _, _, err := parseReap(v); err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatal(err)
		}
	})
}
