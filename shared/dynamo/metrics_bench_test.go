package dynamo_test

import (
	"context"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/attest-oss/attest/shared/catalog"
	"github.com/attest-oss/attest/shared/devstack/devtest"
	"github.com/attest-oss/attest/shared/dynamo"
	mx "github.com/attest-oss/attest/shared/metrics"
	"github.com/attest-oss/attest/shared/synth"
	"github.com/attest-oss/attest/shared/synth/synthload"
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
	// ids are the people's employee ids.
	ids    []string
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

// loadBenchOrg loads the synthetic organisation of n people (package
// synth, seed 1) with its history from January 1 to September 30, 2026
// through synthload.Load: agreements, monthly roster imports (the roster
// service's import) and waivers through their services, the history
// (assignments as assign.Decide made them, quiz attempts, acknowledgments)
// in batches through the store's own item encoders, because DynamoDB Local
// runs transactions too slowly to load a large organisation's year one
// write at a time.
func loadBenchOrg(tb testing.TB, n int) (*benchOrg, error) {
	ctx := context.Background()
	start := time.Now()
	client := devtest.Shared(tb).DynamoClient()
	name := devtest.Table(tb, client, "metricsbench")
	cat, err := catalog.Default()
	if err != nil {
		return nil, err
	}
	org, err := synth.Generate(synth.Config{Seed: 1, People: n, First: "2026-01-01", Days: 273}, cat)
	if err != nil {
		return nil, err
	}
	if _, err := synthload.Load(ctx, org, client, name, synthload.Options{BatchRoster: true}); err != nil {
		return nil, err
	}
	now := time.Date(2026, 10, 1, 3, 0, 0, 0, time.UTC)
	store := dynamo.New(client, name, func() time.Time { return now })
	ids := make([]string, len(org.Members))
	for i, m := range org.Members {
		ids[i] = m.EmployeeID
	}
	svc := &mx.Service{Histories: store, Snapshots: store, Agreements: store, Catalog: cat, Now: func() time.Time { return now }}
	return &benchOrg{people: n, ids: ids, store: store, svc: svc, seeded: time.Since(start)}, nil
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
