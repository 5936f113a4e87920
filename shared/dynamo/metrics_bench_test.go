package dynamo_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/attest-oss/attest/shared/ack"
	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/catalog"
	"github.com/attest-oss/attest/shared/devstack/devtest"
	"github.com/attest-oss/attest/shared/dynamo"
	mx "github.com/attest-oss/attest/shared/metrics"
	"github.com/attest-oss/attest/shared/roster"
	"github.com/attest-oss/attest/shared/waiver"
)

// benchPeopleEnv sets the size of the benchmark's organisation (default
// 10,000 people): METRICS_BENCH_PEOPLE=100000 make bench.
const benchPeopleEnv = "METRICS_BENCH_PEOPLE"

// benchAsOf is the day the benchmark's figures are asked for: the last day
// of the quarter the history runs up to.
const benchAsOf = "2026-09-30"

// benchOrg is the synthetic organisation, loaded once per process.
type benchOrg struct {
	people int
	store  *dynamo.Store
	svc    *mx.Service
	seeded time.Duration
}

var (
	benchOnce sync.Once
	benchData *benchOrg
	benchErr  error
)

// benchOrgOf returns the synthetic organisation of METRICS_BENCH_PEOPLE
// people (default 10,000), loading it on first use.
func benchOrgOf(b *testing.B) *benchOrg {
	n := 10_000
	if v := os.Getenv(benchPeopleEnv); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 10 {
			b.Fatalf("%s=%q: want a number of people, at least 10", benchPeopleEnv, v)
		}
	}
	benchOnce.Do(func() { benchData, benchErr = loadBenchOrg(b, n) })
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchData
}

// loadBenchOrg writes an organisation of n people with nine months of
// history, in the store's item formats (LoadRecords): people created in
// January (every tenth person manages the next nine; 8 departments, 3
// engagements, contractors and subcontractors), a department change for
// one in ten in May, the assignments the engine decides for each, a failed
// first attempt for one in five and a completion for four in five of them,
// the year's acknowledgments of 85 % of the required policies and a module
// waiver for one in a hundred. The items are those the store's writes
// produce (the same items are read as when they are written one by one
// through RecordAttempt, PutAcknowledgment and GrantWaiver), loaded in
// batches because DynamoDB Local runs transactions slowly.
func loadBenchOrg(tb testing.TB, n int) (*benchOrg, error) {
	ctx := context.Background()
	start := time.Now()
	client := devtest.Shared(tb).DynamoClient()
	name := devtest.Table(tb, client, "metricsbench")
	cat, err := catalog.Default()
	if err != nil {
		return nil, err
	}
	now := time.Date(2026, 10, 1, 3, 0, 0, 0, time.UTC)
	store := dynamo.New(client, name, func() time.Time { return now })
	depts := []string{"Eng", "Ops", "Sales", "Support", "Finance", "Legal", "HR", "Product"}
	engagements := []string{"acme", "globex", "initech"}
	people := make([]roster.Person, n)
	for i := range n {
		p := roster.Person{EmployeeID: fmt.Sprintf("P%06d", i), Email: fmt.Sprintf("p%06d@bench.example.com", i), Name: fmt.Sprintf("Person %d", i),
			Roles: []string{"all-staff"}, Department: depts[i%len(depts)], EmploymentType: roster.Employee,
			StartDate: "2025-03-03", TimeZone: []string{"UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo"}[i%4]}
		if i%10 != 0 {
			p.ManagerID = fmt.Sprintf("P%06d", i-i%10)
		} else {
			p.Roles = append(p.Roles, "manager")
		}
		if i%7 == 0 {
			p.Roles = append(p.Roles, "engineer")
		}
		switch i % 20 {
		case 1:
			p.EmploymentType = roster.Contractor
		case 2:
			p.EmploymentType, p.Vendor = roster.Subcontractor, "Northwind"
		}
		if i%3 != 0 {
			p.Engagements = []string{engagements[i%len(engagements)]}
		}
		if i%11 == 0 {
			p.StartDate = "2026-02-02" // hired this year
		}
		people[i] = p
	}
	jan := time.Date(2026, 1, 2, 8, 0, 0, 0, time.UTC)
	var recs dynamo.Records
	for i, p := range people {
		recs.Revisions = append(recs.Revisions, roster.Revision{Rev: 1, At: jan, Actor: "bench", Action: audit.ActionPersonCreated,
			Changes: roster.Diff(roster.Person{}, p), Person: p})
		if i%10 == 5 {
			after := p
			after.Department = depts[(i+1)%len(depts)]
			recs.Revisions = append(recs.Revisions, roster.Revision{Rev: 2, At: time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC), Actor: "bench",
				Action: audit.ActionPersonUpdated, Changes: roster.Diff(p, after), Person: after})
			people[i] = after
		}
	}

	// The engine's assignments, as of the hire day or January, then what
	// became of them.
	recorded := jan.AddDate(0, 0, 3)
	for i, p := range people {
		day := max(p.StartDate, "2026-01-05")
		benchPersonHistory(&recs, cat, i, p, assign.Decide(p, cat, nil, nil, nil, day).Create, recorded)
	}
	if err := store.LoadRecords(ctx, recs); err != nil {
		return nil, err
	}
	svc := &mx.Service{Histories: store, Snapshots: store, Agreements: store, Catalog: cat, Now: func() time.Time { return now }}
	return &benchOrg{people: n, store: store, svc: svc, seeded: time.Since(start)}, nil
}

// benchPersonHistory adds one person's assignments (recorded at
// recorded), as their attempts left them, the attempts, acknowledgments and
// waiver to recs.
func benchPersonHistory(recs *dynamo.Records, cat *catalog.Catalog, i int, p roster.Person, created []assign.Assignment, recorded time.Time) {
	for k, a := range created {
		a.Version, a.RecordedAt = 1, recorded
		if (i+k)%5 == 4 { // never started
			recs.Assignments = append(recs.Assignments, a)
			continue
		}
		at := time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC).Add(time.Duration((i*7+k*13)%240*24) * time.Hour)
		if (i+k)%5 == 0 {
			recs.Attempts = append(recs.Attempts, assign.Attempt{EmployeeID: p.EmployeeID, ModuleID: a.ModuleID, Cycle: a.Cycle, Number: 1,
				ModuleVersion: a.ModuleVersion, ContentSHA256: a.ContentSHA256, Score: 50, At: at.Add(-time.Hour), Answers: map[string]string{"q1": "a"}})
			a.Attempts, a.Version = 1, 2
		}
		a.Attempts++
		a.Version++
		a.Status, a.CompletedAt, a.Score, a.CompletedVersion, a.CompletedSHA256 = assign.StatusCompleted, at, 80+(i+k)%21, a.ModuleVersion, a.ContentSHA256
		recs.Attempts = append(recs.Attempts, assign.Attempt{EmployeeID: p.EmployeeID, ModuleID: a.ModuleID, Cycle: a.Cycle, Number: a.Attempts,
			ModuleVersion: a.ModuleVersion, ContentSHA256: a.ContentSHA256, Score: a.Score, Passed: true, At: at, Answers: map[string]string{"q1": "b"}})
		recs.Assignments = append(recs.Assignments, a)
	}
	_, policies := cat.ItemsForRoles(p.Roles)
	for k, pol := range policies {
		if (i+k)%7 == 6 {
			continue
		}
		at := time.Date(2026, 1, 20, 10, 0, 0, 0, time.UTC).Add(time.Duration((i*3+k*29)%200*24) * time.Hour)
		recs.Acks = append(recs.Acks, ack.Acknowledgment{EmployeeID: p.EmployeeID, PolicyID: pol.ID, PolicyVersion: pol.Version.String(),
			TextSHA256: pol.SHA256, Cycle: ack.Cycle(at, time.UTC, pol.Version.Major), AcknowledgedAt: at, TypedName: p.Name, IP: "192.0.2.1", UserAgent: "bench"})
	}
	if i%100 == 50 && len(created) > 0 {
		recs.Waivers = append(recs.Waivers, waiver.Waiver{ID: fmt.Sprintf("wvr_%016x", i), EmployeeID: p.EmployeeID, Item: "module:" + created[0].ModuleID,
			Reason: "bench", Approver: "CISO", ExpiresOn: "2026-12-31", GrantedBy: "bench", GrantedAt: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)})
	}
}

// countingHistories counts the items of the histories it hands on that
// were recorded before E: the items the answer depends on.
type countingHistories struct {
	mx.Histories
	end  time.Time
	used atomic.Int64
}

func (c *countingHistories) PersonHistories(ctx context.Context, fn func(mx.History) error) (int, error) {
	return c.Histories.PersonHistories(ctx, func(h mx.History) error {
		n := 0
		for _, r := range h.Revisions {
			n += b2i(r.At.Before(c.end))
		}
		for _, a := range h.Assignments {
			n += b2i(a.RecordedAt.Before(c.end))
		}
		for _, a := range h.Attempts {
			n += b2i(a.At.Before(c.end))
		}
		for _, a := range h.Acks {
			n += b2i(a.AcknowledgedAt.Before(c.end))
		}
		for _, w := range h.Waivers {
			n += b2i(w.GrantedAt.Before(c.end))
		}
		c.used.Add(int64(n))
		return fn(h)
	})
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// heapPeak samples the bytes of live heap objects every few milliseconds
// until stopped, and returns the largest.
func heapPeak() (stop func() uint64) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak uint64
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-finished
		return peak
	}
}

// BenchmarkMetrics answers the metrics of a synthetic organisation (10,000
// people by default, METRICS_BENCH_PEOPLE to change it) on DynamoDB Local:
// as of a day, live from every person's history (by department, and by
// manager, whose reporting lines are the one thing kept per person), and
// for the same quarter once frozen. It reports the items read against the
// items the answer depends on (recorded before E), the peak heap of live
// objects during the answer, and the time (ns/op).
func BenchmarkMetrics(b *testing.B) {
	org := benchOrgOf(b)
	p, err := mx.PeriodOf(benchAsOf)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	live := func(by string) func(b *testing.B) {
		return func(b *testing.B) {
			counting := &countingHistories{Histories: org.store, end: p.End}
			svc := *org.svc
			var read int
			svc.Histories = &readCounter{Histories: counting, read: &read}
			var res mx.Result
			runtime.GC()
			stop := heapPeak()
			b.ResetTimer()
			for range b.N {
				counting.used.Store(0)
				res, err = svc.Metrics(ctx, mx.Query{AsOf: benchAsOf, By: by})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			peak := stop()
			used := counting.used.Load()
			b.ReportMetric(float64(org.people), "people")
			b.ReportMetric(float64(res.Counts.People), "in-scope")
			b.ReportMetric(float64(read), "items-read")
			b.ReportMetric(float64(used), "items-used")
			b.ReportMetric(float64(read)/float64(used), "read/used")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			b.ReportMetric(org.seeded.Seconds(), "seed-s")
		}
	}
	b.Run("AsOfByDepartment", live(mx.ByDepartment))
	b.Run("AsOfByManager", live(mx.ByManager))
	b.Run("Freeze", func(b *testing.B) {
		if b.N > 1 {
			b.Skip("freezing happens once")
		}
		runtime.GC()
		stop := heapPeak()
		b.ResetTimer()
		f, err := org.svc.Freeze(ctx, "2026-Q3", "bench")
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if !f.Created {
			b.Skip("2026-Q3 was frozen already, by an earlier benchmark: nothing was measured")
		}
		b.ReportMetric(float64(f.Snapshot.Chunks), "chunks")
		b.ReportMetric(float64(f.Snapshot.ItemsRead), "items-read")
		b.ReportMetric(float64(stop())/(1<<20), "peak-heap-MB")
	})
	b.Run("FrozenQuarter", func(b *testing.B) {
		if _, err := org.svc.Freeze(ctx, "2026-Q3", "bench"); err != nil {
			b.Fatal(err)
		}
		var res mx.Result
		runtime.GC()
		stop := heapPeak()
		b.ResetTimer()
		for range b.N {
			if res, err = org.svc.Metrics(ctx, mx.Query{Quarter: "2026-Q3", By: mx.ByDepartment}); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		if !res.Frozen {
			b.Fatal("the quarter is not frozen")
		}
		b.ReportMetric(float64(res.Counts.People), "in-scope")
		b.ReportMetric(float64(stop())/(1<<20), "peak-heap-MB")
	})
}

// readCounter keeps the items-read count of the last call.
type readCounter struct {
	mx.Histories
	read *int
}

func (r *readCounter) PersonHistories(ctx context.Context, fn func(mx.History) error) (int, error) {
	n, err := r.Histories.PersonHistories(ctx, fn)
	*r.read = n
	return n, err
}
