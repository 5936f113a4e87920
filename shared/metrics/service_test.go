package metrics_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/attest-oss/attest/shared/agreement"
	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/catalog"
	"github.com/attest-oss/attest/shared/devstack/devtest"
	"github.com/attest-oss/attest/shared/dynamo"
	"github.com/attest-oss/attest/shared/metrics"
	"github.com/attest-oss/attest/shared/roster"
)

func TestMain(m *testing.M) { devtest.Main(m) }

const header = "employee_id,email,name,roles,manager_id,department,employment_type,vendor,engagements,start_date,end_date,time_zone\n"

// org is one test's organisation on DynamoDB Local, written through the
// real roster import and assignment engine, with a clock the test moves.
type org struct {
	t       *testing.T
	now     time.Time
	store   *dynamo.Store
	roster  *roster.Service
	runner  *assign.Runner
	metrics *metrics.Service
}

func newOrg(t *testing.T, now time.Time) *org {
	t.Helper()
	client := devtest.Shared(t).DynamoClient()
	name := devtest.Table(t, client, "metrics")
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	o := &org{t: t, now: now}
	clock := func() time.Time { return o.now }
	o.store = dynamo.New(client, name, clock)
	o.runner = &assign.Runner{Store: o.store, Catalog: cat, Now: clock}
	o.roster = &roster.Service{Store: o.store, Catalog: cat, Assigner: o.runner, Now: clock}
	o.metrics = &metrics.Service{Histories: o.store, Snapshots: o.store, Agreements: o.store, Catalog: cat, Now: clock}
	return o
}

func (o *org) importCSV(mode roster.Mode, rows ...string) {
	o.t.Helper()
	_, err := o.roster.Import(context.Background(), roster.Request{Body: strings.NewReader(header + strings.Join(rows, "\n") + "\n"),
		ContentType: "text/csv", Mode: mode, Actor: "test"})
	if err != nil {
		o.t.Fatalf("import: %v", err)
	}
}

// complete records a passing attempt at the person's open cycle of module.
func (o *org) complete(employeeID, moduleID string) {
	o.t.Helper()
	ctx := context.Background()
	all, err := o.store.Assignments(ctx, employeeID)
	if err != nil {
		o.t.Fatal(err)
	}
	for _, a := range all {
		if a.ModuleID != moduleID || a.Status != assign.StatusOpen {
			continue
		}
		at := o.now.UTC().Truncate(time.Second)
		err := o.store.RecordAttempt(ctx, a, assign.Attempt{EmployeeID: employeeID, ModuleID: moduleID, Cycle: a.Cycle, Number: a.Attempts + 1,
			Score: 90, Passed: true, At: at}, &assign.Completion{At: at, Score: 90, Version: a.ModuleVersion, SHA256: a.ContentSHA256},
			audit.Event{ID: audit.NewBatchID(), At: at, Actor: "test", Action: audit.ActionModuleCompleted, Subject: "person#" + employeeID})
		if err != nil {
			o.t.Fatal(err)
		}
		return
	}
	o.t.Fatalf("%s has no open %s", employeeID, moduleID)
}

func (o *org) result(q metrics.Query) metrics.Result {
	o.t.Helper()
	res, err := o.metrics.Metrics(context.Background(), q)
	if err != nil {
		o.t.Fatalf("metrics %+v: %v", q, err)
	}
	return res
}

// same compares two results as JSON, Frozen aside.
func same(t *testing.T, what string, got, want any) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	norm := func(b []byte) string { return strings.ReplaceAll(string(b), `"frozen":true`, `"frozen":false`) }
	if norm(g) != norm(w) {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

// TestFrozenQuarterEqualsAsOfItsLastDayAndNeverMoves runs a quarter through
// the store: the frozen quarter equals asOf its last day, and neither
// changes after a backfilled person, a department change and a late
// completion recorded after the quarter.
func TestFrozenQuarterEqualsAsOfItsLastDayAndNeverMoves(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	o := newOrg(t, time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC))
	o.importCSV(roster.ModeSync,
		"M1,m1@example.com,Mia,all-staff;manager,,Eng,employee,,acme,2026-01-05,,UTC",
		"E1,e1@example.com,Eli,all-staff,M1,Eng,employee,,acme,2026-01-05,,Europe/Berlin",
		"S1,s1@example.com,Sam,all-staff;subcontractor,M1,Ops,subcontractor,Northwind,acme;globex,2026-07-01,,America/New_York")
	if _, err := o.runner.Daily(ctx, "2026-07-01", "test", "test", false); err != nil {
		t.Fatal(err)
	}
	acme := agreement.Agreement{Key: "acme-msa", Customer: "Acme", Engagement: "acme", StartDate: "2026-01-01",
		Obligations: []agreement.Obligation{{ID: "4.2", Text: "Security awareness within 30 days", Kind: agreement.KindTraining,
			Items: []string{"module:security-awareness"}, WithinDays: 30, Target: 0.9}}}
	if err := o.store.PutAgreement(ctx, acme, nil, "test"); err != nil {
		t.Fatal(err)
	}
	o.now = time.Date(2026, 7, 20, 10, 0, 0, 0, time.UTC)
	o.complete("E1", "security-awareness")
	o.now = time.Date(2026, 9, 30, 23, 59, 0, 0, time.UTC)
	o.complete("M1", "security-awareness")

	// The next morning: the quarter is closed, not frozen yet.
	o.now = time.Date(2026, 10, 1, 1, 0, 0, 0, time.UTC)
	asOf := o.result(metrics.Query{AsOf: "2026-09-30", By: metrics.ByDepartment})
	byEngagement := o.result(metrics.Query{AsOf: "2026-09-30", By: metrics.ByEngagement, Engagement: "acme"})
	if asOf.Counts.People != 3 || asOf.Counts.Completed != 2 || asOf.Frozen {
		t.Fatalf("as of 2026-09-30: %+v, want 3 people, 2 completed, live", asOf.Counts)
	}
	live := o.result(metrics.Query{Quarter: "2026-Q3", By: metrics.ByDepartment})
	same(t, "closed quarter before freezing", live, asOf)
	if live.Frozen {
		t.Error("a quarter with no snapshot says frozen")
	}
	liveReport, err := o.metrics.Report(ctx, "acme-msa", "2026-Q3", "")
	if err != nil {
		t.Fatal(err)
	}
	if liveReport.Frozen || liveReport.People != 3 || liveReport.Obligations[0].Numerator != 1 || len(liveReport.Obligations[0].Misses) != 2 {
		t.Fatalf("live report %+v", liveReport)
	}

	o.now = time.Date(2026, 10, 1, 2, 30, 0, 0, time.UTC)
	frozen, err := o.metrics.FreezeClosed(ctx, o.now, "schedule:test")
	if err != nil || !frozen.Created || frozen.Snapshot.Quarter != "2026-Q3" || frozen.Snapshot.People != 3 {
		t.Fatalf("freeze: %+v %v", frozen, err)
	}
	same(t, "manifest figures", frozen.Snapshot.Result, asOf)
	if len(frozen.Snapshot.Agreements) != 1 || frozen.Snapshot.Agreements[0].Report.Obligations[0].Numerator != 1 {
		t.Errorf("frozen agreements %+v", frozen.Snapshot.Agreements)
	}
	again, err := o.metrics.FreezeClosed(ctx, o.now, "schedule:test")
	if err != nil || again.Created || again.Snapshot.RunID != frozen.Snapshot.RunID {
		t.Errorf("second freeze: %+v %v, want the first run's snapshot", again, err)
	}

	check := func(when string) {
		t.Helper()
		q := o.result(metrics.Query{Quarter: "2026-Q3", By: metrics.ByDepartment})
		if !q.Frozen {
			t.Errorf("%s: quarter=2026-Q3 is not frozen", when)
		}
		same(t, when+": frozen quarter", q, asOf)
		same(t, when+": as of its last day", o.result(metrics.Query{AsOf: "2026-09-30", By: metrics.ByDepartment}), asOf)
		same(t, when+": by engagement", o.result(metrics.Query{Quarter: "2026-Q3", By: metrics.ByEngagement, Engagement: "acme"}), byEngagement)
		rep, err := o.metrics.Report(ctx, "acme-msa", "2026-Q3", "")
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Frozen {
			t.Errorf("%s: report not frozen", when)
		}
		same(t, when+": report", rep, liveReport)
	}
	check("just frozen")

	// Recorded later: a backfilled person who started in Q3, a department
	// change, a late completion, and a change of the agreement.
	o.now = time.Date(2026, 10, 2, 9, 0, 0, 0, time.UTC)
	o.importCSV(roster.ModeSync,
		"M1,m1@example.com,Mia,all-staff;manager,,Eng,employee,,acme,2026-01-05,,UTC",
		"E1,e1@example.com,Eli,all-staff,M1,Sales,employee,,acme,2026-01-05,,Europe/Berlin",
		"S1,s1@example.com,Sam,all-staff;subcontractor,M1,Ops,subcontractor,Northwind,acme;globex,2026-07-01,,America/New_York",
		"B1,b1@example.com,Bea,all-staff,M1,Eng,employee,,acme,2026-08-01,,UTC")
	o.complete("S1", "security-awareness")
	changed := acme
	changed.Version = 1
	changed.Obligations[0].Target = 0.5
	if err := o.store.PutAgreement(ctx, changed, []string{"obligations"}, "test"); err != nil {
		t.Fatal(err)
	}
	check("after later records")
	if now := o.result(metrics.Query{AsOf: "2026-10-02"}); now.Counts.People != 4 {
		t.Errorf("as of 2026-10-02: %d people, want the backfilled one too", now.Counts.People)
	}

	t.Run("Trend", func(t *testing.T) {
		trend, err := o.metrics.Trend(ctx, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(trend) != 3 || trend[2].Quarter != "2026-Q3" || trend[2].Figures == nil || trend[1].Figures != nil || trend[0].Quarter != "2026-Q1" {
			t.Fatalf("trend %+v", trend)
		}
		same(t, "trend figures", *trend[2].Figures, asOf.Figures)
	})

	t.Run("Refused", func(t *testing.T) {
		for name, q := range map[string]metrics.Query{
			"Both":       {AsOf: "2026-09-30", Quarter: "2026-Q3"},
			"Future":     {AsOf: "2026-10-03"},
			"NotStarted": {Quarter: "2027-Q1"},
			"BadQuarter": {Quarter: "2026-Q5"},
			"BadDay":     {AsOf: "2026-02-30"},
			"BadBy":      {By: "colour"},
		} {
			if _, err := o.metrics.Metrics(ctx, q); apperr.CodeOf(err) != apperr.Invalid {
				t.Errorf("%s: %v, want Invalid", name, err)
			}
		}
		if _, err := o.metrics.Freeze(ctx, "2026-Q4", "test"); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("freezing the current quarter: %v, want Invalid", err)
		}
		if _, err := o.metrics.Metrics(ctx, metrics.Query{Scope: "acme-msa", Engagement: "globex"}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("scoped key, other engagement: %v, want Forbidden", err)
		}
		if _, err := o.metrics.Metrics(ctx, metrics.Query{Scope: "acme-msa"}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("scoped key, organisation: %v, want Forbidden", err)
		}
		if _, err := o.metrics.Metrics(ctx, metrics.Query{Scope: "acme-msa", Engagement: "acme"}); err != nil {
			t.Errorf("scoped key, its engagement: %v", err)
		}
		if _, err := o.metrics.Report(ctx, "acme-msa", "2026-Q3", "other"); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("scoped key, other agreement: %v, want Forbidden", err)
		}
		if _, err := o.metrics.Report(ctx, "nope", "2026-Q3", ""); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("no such agreement: %v, want NotFound", err)
		}
	})
}
