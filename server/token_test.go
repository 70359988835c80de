package server

import (
	"errors"
	"strings"
	"testing"
)

func TestTokens(t *testing.T) {
	a, b := newTokens("secret-a"), newTokens("secret-b")
	tok := a.issue("player1")
	if id, err := a.verify(tok); err != nil || id != "player1" {
		t.Fatalf("verify(own token) = %q, %v", id, err)
	}
	bad := []string{
		"", "player1", "player1.", ".abc", b.issue("player1"),
		"player2" + tok[strings.Index(tok, "."):], // another player's id with this mac
		tok + "x", strings.Repeat("a", 300) + "." + a.mac(strings.Repeat("a", 300)),
	}
	for _, s := range bad {
		if id, err := a.verify(s); !errors.Is(err, ErrBadToken) {
			t.Errorf("verify(%q) = %q, %v; want ErrBadToken", s, id, err)
		}
	}
	// Unset secrets are random: two servers without one reject each other's tokens.
	if _, err := newTokens("").verify(newTokens("").issue("p")); err == nil {
		t.Fatal("random secrets accepted each other's token")
	}
}

func FuzzVerifyToken(f *testing.F) {
	tk := newTokens("fuzz")
	f.Add(tk.issue("abc"))
	f.Add("abc.def")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		id, err := tk.verify(s)
		if err == nil && tk.issue(id) != s {
			t.Fatalf("accepted %q as %q, which issues %q", s, id, tk.issue(id))
		}
	})
}
