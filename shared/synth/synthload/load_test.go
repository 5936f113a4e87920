package synthload_test

import (
	"context"
	"testing"
	"time"

	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/catalog"
	"github.com/attest-oss/attest/shared/devstack/devtest"
	"github.com/attest-oss/attest/shared/dynamo"
	mx "github.com/attest-oss/attest/shared/metrics"
	"github.com/attest-oss/attest/shared/synth"
	"github.com/attest-oss/attest/shared/synth/synthload"
)

func TestMain(m *testing.M) { devtest.Main(m) }

// TestLoad loads a small organisation on DynamoDB Local, with the roster
// imported and in batches, and checks that the store holds each person's
// history as synth decided it (waived cycles waived by the waiver service)
// and their last row, and that the metrics come out plausible.
func TestLoad(t *testing.T) {
	for _, tc := range []struct {
		name string
		opt  synthload.Options
	}{{"Import", synthload.Options{}}, {"BatchRoster", synthload.Options{BatchRoster: true}}} {
		t.Run(tc.name, func(t *testing.T) { testLoad(t, tc.opt) })
	}
}

func testLoad(t *testing.T, opt synthload.Options) {
	ctx := context.Background()
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	o, err := synth.Generate(synth.Config{Seed: 11, People: 600}, cat)
	if err != nil {
		t.Fatal(err)
	}
	client := devtest.Shared(t).DynamoClient()
	name := devtest.Table(t, client, "synthload")
	res, err := synthload.Load(ctx, o, client, name, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v: %.0f people/s", res, res.PeoplePerSecond())

	now := time.Date(2027, 1, 1, 6, 0, 0, 0, time.UTC)
	store := dynamo.New(client, name, func() time.Time { return now })
	want := make(map[string]synth.History, len(o.Members))
	grants := 0
	for i := range o.Members {
		h := o.History(i)
		want[h.EmployeeID] = h
		grants += len(h.Waivers)
	}
	if res.Waivers != grants || grants == 0 {
		t.Errorf("%d waivers granted, %d in the histories (want some)", res.Waivers, grants)
	}
	seen := 0
	if _, err := store.PersonHistories(ctx, func(got mx.History) error {
		id := got.Revisions[0].Person.EmployeeID
		w := want[id]
		seen++
		m, _ := o.Member(id)
		if last := got.Revisions[len(got.Revisions)-1].Person; !last.Equal(m.Person) {
			t.Errorf("%s: stored as %+v, want %+v", id, last, m.Person)
		}
		if len(got.Assignments) != len(w.Assignments) || len(got.Attempts) != len(w.Attempts) || len(got.Acks) != len(w.Acks) || len(got.Waivers) != len(w.Waivers) {
			t.Errorf("%s: stored %d assignments, %d attempts, %d acks, %d waivers; want %d, %d, %d, %d", id, len(got.Assignments), len(got.Attempts),
				len(got.Acks), len(got.Waivers), len(w.Assignments), len(w.Attempts), len(w.Acks), len(w.Waivers))
			return nil
		}
		for _, a := range w.Assignments {
			found := false
			for _, g := range got.Assignments {
				if g.ModuleID == a.ModuleID && g.Cycle == a.Cycle {
					found = true
					if g.Status != a.Status || g.Version != a.Version || !g.CompletedAt.Equal(a.CompletedAt) || g.DueOn != a.DueOn ||
						(a.Status == assign.StatusWaived && (g.WaiverID == "" || g.WaivedThrough != a.WaivedThrough)) {
						t.Errorf("%s %s#%d: stored %s v%d done %v, want %s v%d done %v", id, a.ModuleID, a.Cycle, g.Status, g.Version, g.CompletedAt, a.Status, a.Version, a.CompletedAt)
					}
				}
			}
			if !found {
				t.Errorf("%s: %s#%d not stored", id, a.ModuleID, a.Cycle)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if seen != len(o.Members) {
		t.Errorf("%d people stored, want %d", seen, len(o.Members))
	}

	svc := &mx.Service{Histories: store, Snapshots: store, Agreements: store, Catalog: cat, Now: func() time.Time { return now }}
	r, err := svc.Metrics(ctx, mx.Query{AsOf: o.Last})
	if err != nil {
		t.Fatal(err)
	}
	rate := func(p *float64) float64 {
		if p == nil {
			return -1
		}
		return *p
	}
	t.Logf("as of %s: completion %.3f, on time %.3f, acks %.3f, first attempt pass %.3f, overdue %d, counts %+v", o.Last,
		rate(r.CompletionRate), rate(r.OnTimeRate), rate(r.AckRate), rate(r.FirstAttemptPassRate), r.OverdueCount, r.Counts)
	for _, c := range []struct {
		what     string
		got      float64
		min, max float64
	}{
		{"completion rate", rate(r.CompletionRate), 0.85, 0.99},
		{"on-time rate", rate(r.OnTimeRate), 0.65, 0.95},
		{"acknowledgment rate", rate(r.AckRate), 0.85, 0.99},
		{"first attempt pass rate", rate(r.FirstAttemptPassRate), 0.65, 0.85},
	} {
		if c.got < c.min || c.got > c.max {
			t.Errorf("%s %.3f, want %.2f to %.2f", c.what, c.got, c.min, c.max)
		}
	}
	if r.OverdueCount == 0 || r.Counts.Waived == 0 || r.Counts.People < 500 {
		t.Errorf("want people (%d), some overdue (%d) and some waived (%d)", r.Counts.People, r.OverdueCount, r.Counts.Waived)
	}
}
