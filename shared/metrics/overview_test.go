package metrics_test

import (
	"context"
	"testing"
	"time"

	"github.com/attest-oss/attest/shared/agreement"
	"github.com/attest-oss/attest/shared/dynamo"
	"github.com/attest-oss/attest/shared/metrics"
	"github.com/attest-oss/attest/shared/roster"
)

// rowsRead counts the snapshot row passes of a store.
type rowsRead struct {
	*dynamo.Store
	passes int
}

func (r *rowsRead) SnapshotRows(ctx context.Context, m metrics.Snapshot, fn func(metrics.PersonRows) error) (int, error) {
	r.passes++
	return r.Store.SnapshotRows(ctx, m, fn)
}

// TestOverviewEqualsMetricsAndReports checks that a quarter's overview is
// the figures by department and every agreement's report (misses aside):
// live before the quarter is frozen, then from the manifest alone, plus an
// agreement created after the freeze on the frozen rows.
func TestOverviewEqualsMetricsAndReports(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	o := newOrg(t, time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC))
	counted := &rowsRead{Store: o.store}
	o.metrics.Snapshots = counted
	o.importCSV(roster.ModeSync,
		"M1,m1@example.com,Mia,all-staff;manager,,Eng,employee,,acme,2026-01-05,,UTC",
		"E1,e1@example.com,Eli,all-staff,M1,Eng,employee,,acme,2026-01-05,,Europe/Berlin",
		"S1,s1@example.com,Sam,all-staff,M1,Ops,employee,,globex,2026-07-01,,America/New_York")
	acme := agreement.Agreement{Key: "acme-msa", Customer: "Acme", Engagement: "acme", StartDate: "2026-01-01",
		Obligations: []agreement.Obligation{{ID: "4.2", Text: "Security awareness within 30 days", Kind: agreement.KindTraining,
			Items: []string{"module:security-awareness"}, WithinDays: 30, Target: 0.9}}}
	if err := o.store.PutAgreement(ctx, acme, nil, "test"); err != nil {
		t.Fatal(err)
	}
	o.now = time.Date(2026, 7, 20, 10, 0, 0, 0, time.UTC)
	o.complete("E1", "security-awareness")

	check := func(when string, frozen bool, keys ...string) metrics.Overview {
		t.Helper()
		ov, err := o.metrics.Overview(ctx, "2026-Q3")
		if err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		want := o.result(metrics.Query{Quarter: "2026-Q3", By: metrics.ByDepartment})
		same(t, when+": figures", ov.Result, want)
		if ov.Result.Frozen != frozen || want.Frozen != frozen {
			t.Errorf("%s: frozen %v (metrics %v), want %v", when, ov.Result.Frozen, want.Frozen, frozen)
		}
		if len(ov.Reports) != len(keys) {
			t.Fatalf("%s: %d reports, want %v", when, len(ov.Reports), keys)
		}
		for i, key := range keys {
			rep, err := o.metrics.Report(ctx, key, "2026-Q3", "")
			if err != nil {
				t.Fatal(err)
			}
			for j, ob := range rep.Obligations {
				if len(ob.Misses) != ob.Denominator-ob.Numerator {
					t.Errorf("%s: %s %s: %d misses of %d decided, %d met", when, key, ob.ID, len(ob.Misses), ob.Denominator, ob.Numerator)
				}
				rep.Obligations[j].Misses = []metrics.Miss{}
			}
			same(t, when+": report "+key, ov.Reports[i], rep)
			if ov.Reports[i].Frozen != rep.Frozen {
				t.Errorf("%s: report %s frozen %v, Report says %v", when, key, ov.Reports[i].Frozen, rep.Frozen)
			}
		}
		return ov
	}

	o.now = time.Date(2026, 10, 1, 1, 0, 0, 0, time.UTC)
	ov := check("closed, not frozen", false, "acme-msa")
	if r := ov.Reports[0].Obligations[0]; r.Numerator != 1 || r.Denominator != 2 {
		t.Errorf("the live report's 4.2: %d of %d, want 1 of 2", r.Numerator, r.Denominator)
	}

	if _, err := o.metrics.Freeze(ctx, "2026-Q3", "test"); err != nil {
		t.Fatal(err)
	}
	counted.passes = 0
	if _, err := o.metrics.Overview(ctx, "2026-Q3"); err != nil {
		t.Fatal(err)
	}
	if counted.passes != 0 {
		t.Errorf("a frozen quarter's overview read the rows %d times, want none", counted.passes)
	}
	check("frozen", true, "acme-msa")

	globex := agreement.Agreement{Key: "globex", Customer: "Globex", Engagement: "globex", StartDate: "2026-01-01",
		Obligations: []agreement.Obligation{{ID: "1", Text: "Acceptable use", Kind: agreement.KindAcknowledgment,
			Items: []string{"policy:acceptable-use"}, WithinDays: 14, Target: 1}}}
	if err := o.store.PutAgreement(ctx, globex, nil, "test"); err != nil {
		t.Fatal(err)
	}
	counted.passes = 0
	if _, err := o.metrics.Overview(ctx, "2026-Q3"); err != nil {
		t.Fatal(err)
	}
	if counted.passes != 1 {
		t.Errorf("the overview read the rows %d times for an agreement created after the freeze, want once", counted.passes)
	}
	ov = check("an agreement created after the freeze", true, "acme-msa", "globex")
	if ov.Reports[1].Frozen || ov.Reports[1].People != 1 {
		t.Errorf("the later agreement's report: frozen %v, %d people; want live on the frozen rows, 1 person", ov.Reports[1].Frozen, ov.Reports[1].People)
	}
}
