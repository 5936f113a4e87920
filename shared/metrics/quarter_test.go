package metrics_test

import (
	"context"
	"testing"
	"time"

	"github.com/attest-oss/attest/shared/agreement"
	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/metrics"
	"github.com/attest-oss/attest/shared/roster"
)

// ids returns the employee ids a source's rows hand out, in order.
func ids(t *testing.T, src metrics.QuarterSource) []string {
	t.Helper()
	var out []string
	if err := src.Rows(context.Background(), func(r metrics.PersonRows) error {
		out = append(out, r.Person.EmployeeID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestQuarterRows reads a quarter's rows for its bundle: a preview of the
// current quarter cut at the request, a Conflict for a closed quarter not
// frozen yet, the frozen rows and agreement once frozen, Invalid for a
// quarter not started.
func TestQuarterRows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	o := newOrg(t, time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC))
	// Imported out of id order: the rows come in id order all the same.
	o.importCSV(roster.ModeSync,
		"Z9,z9@example.com,Zed,all-staff,,Eng,employee,,acme,2026-01-05,,UTC",
		"B2,b2@example.com,Bo,all-staff,,Eng,employee,,,2026-01-05,,UTC",
		"A1,a1@example.com,Al,all-staff,,Ops,contractor,,acme,2026-01-05,,UTC")
	acme := agreement.Agreement{Key: "acme-msa", Customer: "Acme", Engagement: "acme", StartDate: "2026-01-01",
		Obligations: []agreement.Obligation{{ID: "4.2", Text: "Security awareness within 30 days", Kind: agreement.KindTraining,
			Items: []string{"module:security-awareness"}, WithinDays: 30, Target: 0.9}}}
	if err := o.store.PutAgreement(ctx, acme, nil, "test"); err != nil {
		t.Fatal(err)
	}

	o.now = time.Date(2026, 8, 20, 14, 30, 5, 999, time.UTC)
	preview, err := o.metrics.QuarterRows(ctx, "2026-Q3")
	if err != nil {
		t.Fatal(err)
	}
	if preview.Final || preview.Snapshot != "" || preview.Period.AsOf != "2026-08-20" ||
		!preview.Period.End.Equal(time.Date(2026, 8, 20, 14, 30, 5, 0, time.UTC)) || preview.Period.Quarter != "2026-Q3" {
		t.Errorf("preview %+v", preview)
	}
	if got := ids(t, preview); len(got) != 3 || got[0] != "A1" || got[1] != "B2" || got[2] != "Z9" {
		t.Errorf("preview rows %v, want A1 B2 Z9", got)
	}

	o.now = time.Date(2026, 10, 1, 1, 0, 0, 0, time.UTC)
	if _, err := o.metrics.QuarterRows(ctx, "2026-Q3"); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("closed, not frozen: %v, want Conflict", err)
	}
	frozen, err := o.metrics.FreezeClosed(ctx, o.now, "schedule:test")
	if err != nil {
		t.Fatal(err)
	}
	// Recorded after freezing: a new person, a changed agreement.
	o.importCSV(roster.ModeSync,
		"Z9,z9@example.com,Zed,all-staff,,Eng,employee,,acme,2026-01-05,,UTC",
		"B2,b2@example.com,Bo,all-staff,,Eng,employee,,,2026-01-05,,UTC",
		"A1,a1@example.com,Al,all-staff,,Ops,contractor,,acme,2026-01-05,,UTC",
		"C3,c3@example.com,Cy,all-staff,,Ops,employee,,acme,2026-09-01,,UTC")
	changed := acme
	changed.Version = 1
	changed.Obligations = []agreement.Obligation{{ID: "9.9", Text: "Changed", Kind: agreement.KindTraining,
		Items: []string{"module:security-awareness"}, WithinDays: 10, Target: 1}}
	if err := o.store.PutAgreement(ctx, changed, []string{"obligations"}, "test"); err != nil {
		t.Fatal(err)
	}
	globex := agreement.Agreement{Key: "globex-msa", Customer: "Globex", Engagement: "globex", StartDate: "2026-01-01"}
	if err := o.store.PutAgreement(ctx, globex, nil, "test"); err != nil {
		t.Fatal(err)
	}

	final, err := o.metrics.QuarterRows(ctx, "2026-Q3")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := metrics.QuarterPeriod("2026-Q3")
	if !final.Final || final.Snapshot != frozen.Snapshot.RunID || final.Period != want {
		t.Errorf("final %+v, want period %+v and run %s", final, want, frozen.Snapshot.RunID)
	}
	if got := ids(t, final); len(got) != 3 || got[0] != "A1" || got[2] != "Z9" {
		t.Errorf("frozen rows %v, want A1 B2 Z9 (not the later C3)", got)
	}
	a, found, err := final.Agreement(ctx, "acme-msa")
	if err != nil || !found || a.Obligations[0].ID != "4.2" {
		t.Errorf("acme-msa of a final quarter: %+v %v %v, want the frozen definition", a, found, err)
	}
	if a, found, err := final.Agreement(ctx, "globex-msa"); err != nil || !found || a.Customer != "Globex" {
		t.Errorf("an agreement created after freezing: %+v %v %v, want its current definition", a, found, err)
	}
	if _, found, err := final.Agreement(ctx, "nope"); err != nil || found {
		t.Errorf("no such agreement: found %v, %v", found, err)
	}

	for name, q := range map[string]string{"NextQuarter": "2027-Q1", "Future": "2030-Q2", "Malformed": "2026-Q5"} {
		if _, err := o.metrics.QuarterRows(ctx, q); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("%s %s: %v, want Invalid", name, q, err)
		}
	}
	o.now = time.Date(2026, 10, 2, 9, 0, 0, 0, time.UTC)
	current, err := o.metrics.QuarterRows(ctx, "2026-Q4")
	if err != nil || current.Final {
		t.Fatalf("current quarter: %+v %v", current, err)
	}
	if a, _, _ := current.Agreement(ctx, "acme-msa"); a.Obligations[0].ID != "9.9" {
		t.Errorf("a preview's agreement: %+v, want the current definition", a)
	}
}
