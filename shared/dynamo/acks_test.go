package dynamo_test

import (
	"context"
	"testing"
	"time"

	"github.com/attest-oss/attest/shared/ack"
	"github.com/attest-oss/attest/shared/audit"
)

func TestPolicyViewsKeepTheFirstUntilExpired(t *testing.T) {
	t.Parallel()
	now := t0
	s, _, _ := newStore(t, &now)
	ctx := context.Background()
	view := func(at time.Time) ack.View {
		return ack.View{EmployeeID: "E1", PolicyID: "aup", VersionSHA256: "abc", Cycle: "2026", FirstViewedAt: at}
	}
	first := func() time.Time {
		t.Helper()
		v, found, err := s.PolicyView(ctx, "E1", "aup", "2026", "abc")
		if err != nil || !found {
			t.Fatalf("view: found=%v err=%v", found, err)
		}
		return v.FirstViewedAt
	}

	if _, found, err := s.PolicyView(ctx, "E1", "aup", "2026", "abc"); err != nil || found {
		t.Fatalf("view before any: found=%v err=%v", found, err)
	}
	if err := s.RecordPolicyView(ctx, view(t0)); err != nil {
		t.Fatal(err)
	}
	later := t0.Add(time.Hour)
	if err := s.RecordPolicyView(ctx, view(later)); err != nil {
		t.Fatal(err)
	}
	if got := first(); !got.Equal(t0) {
		t.Errorf("first view %v, want %v kept", got, t0)
	}
	// Another version or cycle is another view.
	if _, found, _ := s.PolicyView(ctx, "E1", "aup", "2026", "def"); found {
		t.Errorf("a view of another version was found")
	}
	// Once expired, the view no longer counts and the next one replaces it.
	now = t0.Add(ack.ViewLifetime)
	if _, found, _ := s.PolicyView(ctx, "E1", "aup", "2026", "abc"); found {
		t.Errorf("an expired view was found")
	}
	if err := s.RecordPolicyView(ctx, view(now)); err != nil {
		t.Fatal(err)
	}
	if got := first(); !got.Equal(now) {
		t.Errorf("after expiry the first view is %v, want %v", got, now)
	}
}

func TestAcknowledgmentsAreStoredOncePerCycle(t *testing.T) {
	t.Parallel()
	now := t0
	s, _, _ := newStore(t, &now)
	ctx := context.Background()
	a := ack.Acknowledgment{EmployeeID: "E1", PolicyID: "aup", PolicyVersion: "1.0.0", TextSHA256: "abc", Cycle: "2026",
		AcknowledgedAt: t0, TypedName: "Alice", IP: "192.0.2.1", UserAgent: "test"}
	event := func() audit.Event {
		return audit.Event{ID: audit.NewBatchID(), At: now, Actor: "person:E1", Action: audit.ActionPolicyAcknowledged, Subject: "person#E1"}
	}

	got, created, err := s.PutAcknowledgment(ctx, a, event())
	if err != nil || !created || got != a {
		t.Fatalf("first: %+v created=%v err=%v", got, created, err)
	}
	again := a
	again.TypedName, again.AcknowledgedAt = "Someone else", t0.AddDate(0, 0, 1)
	got, created, err = s.PutAcknowledgment(ctx, again, event())
	if err != nil || created || got != a {
		t.Errorf("repeat: %+v created=%v err=%v, want the stored one", got, created, err)
	}
	next := a
	next.Cycle = "2026-v2"
	if _, created, err := s.PutAcknowledgment(ctx, next, event()); err != nil || !created {
		t.Errorf("new cycle: created=%v err=%v", created, err)
	}

	all, err := s.Acknowledgments(ctx, "E1")
	if err != nil || len(all) != 2 || all[0].Cycle != "2026" || all[1].Cycle != "2026-v2" {
		t.Errorf("acknowledgments %+v, %v", all, err)
	}
	events, err := s.AuditEvents(ctx, "2026-11-02")
	if err != nil || len(events) != 2 {
		t.Errorf("got %d audit events (%v), want 2: a repeat writes none", len(events), err)
	}
}
