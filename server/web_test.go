package server

import (
	"bytes"
	"os"
	"testing"
)

// The demo page embeds a copy of the SDK's browser bundle; it must be the
// bundle the SDK builds, not a stale one.
func TestEmbeddedSDKIsCurrent(t *testing.T) {
	want, err := os.ReadFile("../miniprogram-sdk/browser/rpsio.min.js")
	if err != nil {
		t.Fatal(err)
	}
	got, err := web.ReadFile("web/sdk.js")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("server/web/sdk.js differs from miniprogram-sdk/browser/rpsio.min.js: run `cp miniprogram-sdk/browser/rpsio.min.js server/web/sdk.js`")
	}
}
