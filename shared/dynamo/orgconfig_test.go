package dynamo_test

import (
	"context"
	"slices"
	"testing"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/orgconfig"
)

func TestSettingsAreOptimisticallyLocked(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := t0
	s, _, _ := newStore(t, &now)

	st, err := s.Settings(ctx)
	if err != nil || st != (orgconfig.Settings{}) {
		t.Fatalf("default settings %+v err %v, want the zero value", st, err)
	}
	if paused, err := s.SendingPaused(ctx); err != nil || paused {
		t.Fatalf("paused=%v err=%v before anything was stored", paused, err)
	}
	stale := st
	st.SendingPaused = true
	if err := s.PutSettings(ctx, st, "apikey:ops:1234"); err != nil {
		t.Fatal(err)
	}
	got, err := s.Settings(ctx)
	want := orgconfig.Settings{SendingPaused: true, Version: 1, UpdatedAt: t0, UpdatedBy: "apikey:ops:1234"}
	if err != nil || got != want {
		t.Errorf("stored %+v err %v, want %+v", got, err, want)
	}
	if paused, err := s.SendingPaused(ctx); err != nil || !paused {
		t.Errorf("paused=%v err=%v after pausing", paused, err)
	}
	// A change based on the version before is refused and writes nothing.
	if err := s.PutSettings(ctx, stale, "apikey:other:5678"); apperr.CodeOf(err) != apperr.Conflict {
		t.Errorf("stale write: %v, want a conflict", err)
	}
	if got := auditActions(t, s, t0); !slices.Equal(got, []string{audit.ActionSettingsChanged}) {
		t.Errorf("audit events %v", got)
	}
}

func TestVendorsAreOneQueryAndOptimisticallyLocked(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := t0
	s, _, _ := newStore(t, &now)

	if vs, err := s.Vendors(ctx); err != nil || len(vs) != 0 {
		t.Fatalf("no vendors yet: %v %v", vs, err)
	}
	northwind := orgconfig.VendorRecord{Vendor: orgconfig.Vendor{Key: "Northwind & Co", ContactEmail: "ops@northwind.example", OwnerID: "E1"}}
	contoso := orgconfig.VendorRecord{Vendor: orgconfig.Vendor{Key: "Contoso/Ltd #2"}}
	for _, v := range []orgconfig.VendorRecord{northwind, contoso} {
		if err := s.PutVendor(ctx, v, "apikey:admin:1234"); err != nil {
			t.Fatal(err)
		}
	}
	// Creating one that exists (version 0) is refused.
	if err := s.PutVendor(ctx, northwind, "apikey:admin:1234"); apperr.CodeOf(err) != apperr.Conflict {
		t.Errorf("second create: %v, want a conflict", err)
	}
	got, found, err := s.Vendor(ctx, "Northwind & Co")
	if err != nil || !found || got.Vendor != northwind.Vendor || got.Version != 1 || !got.UpdatedAt.Equal(t0) || got.UpdatedBy != "apikey:admin:1234" {
		t.Errorf("stored %+v found=%v err=%v", got, found, err)
	}
	got.OwnerID = ""
	if err := s.PutVendor(ctx, got, "apikey:admin:1234"); err != nil {
		t.Fatalf("update: %v", err)
	}
	vs, err := s.Vendors(ctx)
	want := map[string]orgconfig.Vendor{
		"Northwind & Co": {Key: "Northwind & Co", ContactEmail: "ops@northwind.example"},
		"Contoso/Ltd #2": contoso.Vendor,
	}
	if err != nil || len(vs) != len(want) || vs["Northwind & Co"] != want["Northwind & Co"] || vs["Contoso/Ltd #2"] != want["Contoso/Ltd #2"] {
		t.Errorf("vendors %+v err %v, want %+v", vs, err, want)
	}
	recs, err := s.VendorRecords(ctx)
	if err != nil || len(recs) != 2 || recs[0].Key != "Contoso/Ltd #2" || recs[1].Version != 2 {
		t.Errorf("records %+v err %v, want both by key, Northwind at version 2", recs, err)
	}
	if _, found, err := s.Vendor(ctx, "Fabrikam"); err != nil || found {
		t.Errorf("unknown vendor: found=%v err=%v", found, err)
	}
	if got := auditActions(t, s, t0); len(got) != 3 || got[0] != audit.ActionVendorChanged {
		t.Errorf("audit events %v, want 3 %s", got, audit.ActionVendorChanged)
	}
}
