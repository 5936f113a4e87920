package dynamo_test

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/export"
)

func exportEvent(action, id string, at time.Time) audit.Event {
	return audit.Event{ID: audit.NewBatchID(), At: at, Actor: "person:A", Action: action, Subject: "export#" + id, Source: "test"}
}

// TestExportsMoveByConditionalWrites: an export is created once; each state
// change applies only to the state and version it was read at, with its
// audit event; a download writes its audit event alone; the listing is
// newest first.
func TestExportsMoveByConditionalWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := t0
	s, _, _ := newStore(t, &now)

	if all, err := s.ListExports(ctx); err != nil || len(all) != 0 {
		t.Fatalf("no exports yet: %v %v", all, err)
	}
	older := export.Export{ID: "exp_00000000000000a1", Quarter: "2026-Q3", Scope: "organisation", State: export.Pending,
		RequestedBy: "schedule", RequestedAt: t0.Add(-time.Hour), Prefix: "exports/2026-Q3/organisation/exp_00000000000000a1/", Version: 1}
	e := export.Export{ID: "exp_00000000000000b2", Quarter: "2026-Q3", Agreement: "acme", Scope: "agreement:acme", State: export.Pending,
		RequestedBy: "person:A", RequestedAt: t0.Add(123 * time.Nanosecond), Prefix: "exports/2026-Q3/agreements/acme/exp_00000000000000b2/", Version: 1}
	for _, x := range []export.Export{older, e} {
		if err := s.PutExport(ctx, x, exportEvent(audit.ActionExportRequested, x.ID, t0)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutExport(ctx, e, exportEvent(audit.ActionExportRequested, e.ID, t0)); apperr.CodeOf(err) != apperr.Conflict {
		t.Errorf("second create: %v, want a conflict", err)
	}
	got, found, err := s.GetExport(ctx, e.ID)
	if err != nil || !found || !reflect.DeepEqual(got, e) {
		t.Fatalf("stored %+v found=%v err=%v, want %+v", got, found, err, e)
	}

	running := e
	running.State, running.StartedAt = export.Running, t0.Add(time.Second)
	stored, err := s.UpdateExportState(ctx, e, running, exportEvent(audit.ActionExportStarted, e.ID, t0))
	if err != nil || stored.Version != 2 {
		t.Fatalf("start: %+v %v", stored, err)
	}
	// A second run that read the pending export loses.
	if _, err := s.UpdateExportState(ctx, e, running, exportEvent(audit.ActionExportStarted, e.ID, t0)); apperr.CodeOf(err) != apperr.Conflict {
		t.Errorf("stale start: %v, want a conflict", err)
	}
	// So does a change naming the wrong state at the right version.
	wrong := stored
	wrong.State = export.Failed
	if _, err := s.UpdateExportState(ctx, wrong, wrong, exportEvent(audit.ActionExportStarted, e.ID, t0)); apperr.CodeOf(err) != apperr.Conflict {
		t.Errorf("wrong state: %v, want a conflict", err)
	}
	done := stored
	done.State, done.FinishedAt = export.Done, t0.Add(time.Minute)
	done.Files = []export.File{{Name: "manifest.json", Bytes: 1234, SHA256: "ab"}, {Name: "people.csv", Bytes: 99, SHA256: "cd"}}
	if done, err = s.UpdateExportState(ctx, stored, done, exportEvent(audit.ActionExportCompleted, e.ID, t0)); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := s.GetExport(ctx, e.ID); !reflect.DeepEqual(got, done) || got.Version != 3 {
		t.Errorf("done %+v, want %+v", got, done)
	}
	if err := s.RecordDownload(ctx, exportEvent(audit.ActionExportDownloaded, e.ID, t0)); err != nil {
		t.Fatal(err)
	}
	all, err := s.ListExports(ctx)
	if err != nil || len(all) != 2 || all[0].ID != e.ID || all[1].ID != older.ID {
		t.Errorf("list %+v %v, want newest first", all, err)
	}
	if _, found, err := s.GetExport(ctx, "exp_ffffffffffffffff"); found || err != nil {
		t.Errorf("unknown: %v %v", found, err)
	}

	events, err := s.AuditEvents(ctx, t0.Format(time.DateOnly))
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, ev := range events {
		if ev.Subject == "export#"+e.ID {
			actions = append(actions, ev.Action)
		}
	}
	slices.Sort(actions)
	want := []string{audit.ActionExportCompleted, audit.ActionExportDownloaded, audit.ActionExportRequested, audit.ActionExportStarted}
	if !slices.Equal(actions, want) {
		t.Errorf("audit events %v, want %v (one each, the refused writes none)", actions, want)
	}
}
