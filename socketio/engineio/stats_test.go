package engineio

import (
	"reflect"
	"testing"
)

// Stats counts sessions by transport as they open, upgrade and close, and
// closes by reason (a slow client among them).
func TestStats(t *testing.T) {
	ts := newTestServer(t, Options{MaxQueuedPackets: 4})
	ts.rec.echo = false
	if st := ts.eng.Stats(); !reflect.DeepEqual(st.Sessions, map[string]int{TransportPolling: 0, TransportWebSocket: 0}) || st.Upgrades != 0 || len(st.Closed) != 0 {
		t.Fatalf("fresh server: %+v", st)
	}

	// One polling session, upgraded.
	hs := ts.handshake("EIO=4")
	polled := ts.rec.session(t)
	c := ts.dial("EIO=4&sid=" + hs.SID)
	writeWS(t, c, "2probe")
	if got := readWSText(t, c); got != "3probe" {
		t.Fatalf("got %q, want 3probe", got)
	}
	writeWS(t, c, "5")
	waitFor(t, "the upgrade", func() bool { return polled.Transport() == TransportWebSocket })

	// One polling session that stays on polling, one WebSocket session.
	ts.handshake("EIO=4")
	ts.rec.session(t)
	ts.dial("EIO=4")
	ws := ts.rec.session(t)

	st := ts.eng.Stats()
	if want := map[string]int{TransportPolling: 1, TransportWebSocket: 2}; !reflect.DeepEqual(st.Sessions, want) {
		t.Fatalf("sessions %v, want %v", st.Sessions, want)
	}
	if want := map[string]uint64{TransportPolling: 2, TransportWebSocket: 1}; !reflect.DeepEqual(st.Opened, want) {
		t.Fatalf("opened %v, want %v", st.Opened, want)
	}
	if st.Upgrades != 1 {
		t.Fatalf("upgrades %d, want 1", st.Upgrades)
	}

	// More than the queue takes at once: a slow client.
	if err := ws.Send(msg("1"), msg("2"), msg("3"), msg("4"), msg("5")); err == nil {
		t.Fatal("Send over the limit succeeded")
	}
	if cl := ts.rec.closed(t); cl.reason != ReasonSlowClient {
		t.Fatalf("closed for %q", cl.reason)
	}
	polled.Close(ReasonForcedClose)
	ts.rec.closed(t)
	st = ts.eng.Stats()
	if want := map[string]uint64{ReasonSlowClient: 1, ReasonForcedClose: 1}; !reflect.DeepEqual(st.Closed, want) {
		t.Fatalf("closed %v, want %v", st.Closed, want)
	}
	if want := map[string]int{TransportPolling: 1, TransportWebSocket: 0}; !reflect.DeepEqual(st.Sessions, want) {
		t.Fatalf("sessions after closes %v, want %v", st.Sessions, want)
	}
}
