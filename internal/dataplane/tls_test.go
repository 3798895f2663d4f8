package dataplane

import (
	"testing"
	"time"
)

// TestTicketRotation checks that session-ticket keys rotate hourly, newest
// first, with at most ticketKeys kept, and do not change in between.
func TestTicketRotation(t *testing.T) {
	var tk tickets
	t0 := time.Date(2026, 11, 24, 7, 0, 0, 0, time.UTC)
	first := tk.current(t0)
	if len(first) != 1 {
		t.Fatalf("first call: %d keys, want 1", len(first))
	}
	if again := tk.current(t0.Add(59 * time.Minute)); len(again) != 1 || again[0] != first[0] {
		t.Fatal("keys changed within the hour")
	}
	var keys [][32]byte
	for i := 1; i <= 6; i++ {
		keys = tk.current(t0.Add(time.Duration(i) * ticketRotation))
		if want := min(i+1, ticketKeys); len(keys) != want {
			t.Fatalf("after %d rotations: %d keys, want %d", i, len(keys), want)
		}
		if keys[0] == keys[1] {
			t.Fatal("rotation did not make a new key")
		}
	}
	for _, k := range keys {
		if k == first[0] {
			t.Error("a key older than ticketKeys rotations is still kept")
		}
	}
}
