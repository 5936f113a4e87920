package dynamo_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/audit"
)

// TestSeals: a day's seal is written once; the first, last and a range of
// seals read back by day; a day's events stream in order with their hash.
func TestSeals(t *testing.T) {
	ctx := context.Background()
	now := t0
	s, _, _ := newStore(t, &now)
	for _, day := range []string{"2026-11-03", "2026-11-01", "2026-11-02"} {
		if err := s.PutSeal(ctx, audit.SignedSeal{Day: day, Bytes: []byte(`{"day":"` + day + `"}`), Signature: []byte(day)}); err != nil {
			t.Fatal(err)
		}
	}
	err := s.PutSeal(ctx, audit.SignedSeal{Day: "2026-11-02", Bytes: []byte("other"), Signature: []byte("x")})
	if apperr.CodeOf(err) != apperr.Conflict {
		t.Errorf("second seal of a day: %v, want Conflict", err)
	}
	if got, found, err := s.Seal(ctx, "2026-11-02"); err != nil || !found || string(got.Bytes) != `{"day":"2026-11-02"}` || string(got.Signature) != "2026-11-02" {
		t.Errorf("Seal = %+v %v %v, want the first seal written", got, found, err)
	}
	if _, found, err := s.Seal(ctx, "2026-11-04"); found || err != nil {
		t.Errorf("Seal of an unsealed day: found=%v %v", found, err)
	}
	first, _, _ := s.FirstSeal(ctx)
	last, _, _ := s.LastSeal(ctx)
	if first.Day != "2026-11-01" || last.Day != "2026-11-03" {
		t.Errorf("first %s, last %s", first.Day, last.Day)
	}
	seals, err := s.Seals(ctx, "2026-11-02", "2026-11-05")
	if err != nil || len(seals) != 2 || seals[0].Day != "2026-11-02" || seals[1].Day != "2026-11-03" {
		t.Errorf("Seals = %v %v, want 2 and 3 November", seals, err)
	}

	for i := range 5 {
		e := audit.Event{ID: fmt.Sprintf("ev%d", i), At: t0.Add(time.Duration(4-i) * time.Minute), Actor: "a", Action: "x", Subject: "s",
			Details: map[string]any{"n": i}}
		if err := s.PutAuditEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	n, err := s.AuditDay(ctx, t0.Format(time.DateOnly), func(e audit.Stored) error {
		if e.Hash != audit.Hash(e.Event) {
			t.Errorf("%s: stored hash %s, its content hashes %s", e.ID, e.Hash, audit.Hash(e.Event))
		}
		ids = append(ids, e.ID)
		return nil
	})
	if err != nil || n != 5 || fmt.Sprint(ids) != "[ev4 ev3 ev2 ev1 ev0]" {
		t.Errorf("AuditDay read %d %v (%v), want the five in time order", n, ids, err)
	}
}
