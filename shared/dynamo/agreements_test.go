package dynamo_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/attest-oss/attest/shared/agreement"
	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/audit"
)

func TestAgreementsAreVersionedAndAudited(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := t0
	s, _, _ := newStore(t, &now)

	if as, err := s.Agreements(ctx); err != nil || len(as) != 0 {
		t.Fatalf("no agreements yet: %v %v", as, err)
	}
	globex := agreement.Agreement{Key: "globex", Customer: "Globex Health", Engagement: "globex-health", StartDate: "2026-01-01", EndDate: "2026-12-31",
		Obligations: []agreement.Obligation{{ID: "7.1", Text: "Patient data.", Kind: agreement.KindTraining, Items: []string{"module:x", "module:y"}, WithinDays: 14, Target: 1}}}
	acme := agreement.Agreement{Key: "acme", Customer: "Acme Bank", Engagement: "acme-bank", StartDate: "2026-03-01",
		Obligations: []agreement.Obligation{{ID: "4.3", Text: "AUP.", Kind: agreement.KindAcknowledgment, Items: []string{"policy:aup"}, WithinDays: 30, Target: 0.9}}}
	for _, a := range []agreement.Agreement{globex, acme} {
		if err := s.PutAgreement(ctx, a, []string{"customer"}, "apikey:admin:1234"); err != nil {
			t.Fatal(err)
		}
	}
	// Creating one that exists (version 0) is refused and writes nothing.
	if err := s.PutAgreement(ctx, acme, nil, "apikey:admin:1234"); apperr.CodeOf(err) != apperr.Conflict {
		t.Errorf("second create: %v, want a conflict", err)
	}
	got, found, err := s.Agreement(ctx, "globex")
	want := globex
	want.Version, want.UpdatedAt, want.UpdatedBy = 1, t0, "apikey:admin:1234"
	if err != nil || !found || !reflect.DeepEqual(got, want) {
		t.Errorf("stored %+v found=%v err=%v, want %+v", got, found, err, want)
	}
	got.EndDate = ""
	if err := s.PutAgreement(ctx, got, []string{"endDate"}, "person:E1"); err != nil {
		t.Fatalf("update: %v", err)
	}
	// An update based on the version before is refused.
	if err := s.PutAgreement(ctx, want, []string{"customer"}, "person:E1"); apperr.CodeOf(err) != apperr.Conflict {
		t.Errorf("stale update: %v, want a conflict", err)
	}
	all, err := s.Agreements(ctx)
	if err != nil || len(all) != 2 || all[0].Key != "acme" || all[1].Key != "globex" || all[1].Version != 2 || all[1].EndDate != "" {
		t.Errorf("agreements %+v err %v, want acme then globex at version 2 without end", all, err)
	}
	if _, found, err := s.Agreement(ctx, "initech"); err != nil || found {
		t.Errorf("unknown agreement: found=%v err=%v", found, err)
	}
	events, err := s.AuditEvents(ctx, t0.Format("2006-01-02"))
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range events {
		actions = append(actions, e.Action)
	}
	if want := []string{audit.ActionAgreementSaved, audit.ActionAgreementSaved, audit.ActionAgreementSaved}; !slices.Equal(actions, want) {
		t.Fatalf("audit events %v, want %v", actions, want)
	}
	// Events of one instant are ordered by their random ids: find the update.
	i := slices.IndexFunc(events, func(e audit.Event) bool { return e.Actor == "person:E1" })
	if i < 0 {
		t.Fatalf("no event of the update in %+v", events)
	}
	last := events[i]
	if last.Subject != "agreement#globex" || last.Actor != "person:E1" || fmt.Sprint(last.Details["version"]) != "2" ||
		fmt.Sprint(last.Details["changed"]) != "[endDate]" {
		t.Errorf("last event %+v", last)
	}
}
