package roomstest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/rpsio/rpsio/rooms"
)

func TestClock(t *testing.T) {
	c := NewClock(time.Time{})
	t0 := c.Now()
	var fired []time.Duration
	record := func() { fired = append(fired, c.Now().Sub(t0)) }
	c.AfterFunc(3*time.Second, record)
	stopped := c.AfterFunc(2*time.Second, record)
	c.AfterFunc(1*time.Second, func() {
		record()
		c.AfterFunc(time.Second, record) // due at 2s, within the same Advance
	})
	c.AfterFunc(10*time.Second, record)
	if !stopped.Stop() || stopped.Stop() {
		t.Fatal("Stop should report true once")
	}
	if got := c.Pending(); len(got) != 3 {
		t.Fatalf("Pending = %v", got)
	}
	c.Advance(5 * time.Second)
	if want := []time.Duration{time.Second, 2 * time.Second, 3 * time.Second}; !slices.Equal(fired, want) {
		t.Fatalf("fired at %v, want %v", fired, want)
	}
	if got := c.Now().Sub(t0); got != 5*time.Second {
		t.Fatalf("Now = t0+%v", got)
	}
	done := make(chan struct{})
	if c.AfterFunc(0, func() { close(done) }).Stop() {
		t.Fatal("Stop of a started timer reported true")
	}
	<-done
}

func TestRecorder(t *testing.T) {
	r := NewRecorder()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	go r.Publish(ctx, rooms.Event{RoomID: "r", Name: "room"})
	ev, err := r.Next(ctx)
	if err != nil || ev.Name != "room" {
		t.Fatalf("Next = %+v, %v", ev, err)
	}
	r.Subscribe(ctx, "rps", "r", "b")
	r.Subscribe(ctx, "rps", "r", "a")
	r.Unsubscribe(ctx, "rps", "r", "b")
	if got := r.Subscribed("r"); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("Subscribed = %v", got)
	}
	if len(r.Pending()) != 0 || len(r.Events()) != 1 {
		t.Fatal("Pending/Events")
	}
	short, cancel2 := context.WithTimeout(ctx, time.Millisecond)
	defer cancel2()
	if _, err := r.Next(short); err == nil {
		t.Fatal("Next without events returned")
	}
}
