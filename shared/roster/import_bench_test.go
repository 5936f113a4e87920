package roster_test

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"

	"github.com/attest-oss/attest/shared/app"
	"github.com/attest-oss/attest/shared/devstack/devtest"
	"github.com/attest-oss/attest/shared/roster"
)

func TestMain(m *testing.M) { devtest.Main(m) }

// syntheticCSV returns a roster of n people: 1 CEO, managers of 10 people each.
func syntheticCSV(n int) []byte {
	var b bytes.Buffer
	b.WriteString("employee_id,email,name,roles,manager_id,department,employment_type,vendor,engagements,start_date,end_date,time_zone\n")
	roles := []string{"all-staff", "all-staff;engineer", "all-staff;support", "contractor", "subcontractor;support"}
	for i := range n {
		mgr := ""
		if i > 0 {
			mgr = fmt.Sprintf("P%06d", (i-1)/10)
		}
		typ, vendor := "employee", ""
		r := roles[i%len(roles)]
		switch i % len(roles) {
		case 3:
			typ = "contractor"
		case 4:
			typ, vendor = "subcontractor", "Northwind Data Services"
		}
		fmt.Fprintf(&b, "P%06d,person%06d@example.com,Person %06d,%s,%s,Dept %d,%s,%s,acme-bank,2025-01-06,,Europe/Berlin\n",
			i, i, i, r, mgr, i%20, typ, vendor)
	}
	return b.Bytes()
}

// BenchmarkImport10k imports 10,000 new people into an empty table on
// DynamoDB Local through the roster service (validation, planning, batched
// transactional writes, assignment of their training). It reports rows per
// second and the peak Go heap during the import.
func BenchmarkImport10k(b *testing.B) {
	const n = 10_000
	csv := syntheticCSV(n)
	calls := &devtest.AccessLog{}
	var counter callCounter
	client := devtest.Shared(b).DynamoClient(calls.Option, counter.option)
	ctx := context.Background()
	var peak atomic.Uint64
	var elapsed time.Duration
	var phases phaseTimes
	b.StopTimer()
	for range b.N {
		name := devtest.Table(b, client, "bench")
		a, err := app.New(app.Config{DynamoDB: client, TableName: name})
		if err != nil {
			b.Fatal(err)
		}
		phases.store, phases.assigner = a.Roster.Store, a.Roster.Assigner
		a.Roster.Store, a.Roster.Assigner = timedStore{&phases}, timedAssigner{&phases}
		counter.reset()
		before := len(calls.Accesses())
		runtime.GC()
		stop := sampleHeap(&peak)
		start := time.Now()
		b.StartTimer()
		res, err := a.Roster.Import(ctx, roster.Request{Body: bytes.NewReader(csv), ContentType: "text/csv", Mode: roster.ModeSync, Actor: "bench"})
		b.StopTimer()
		elapsed += time.Since(start)
		stop()
		if err != nil {
			b.Fatal(err)
		}
		if res.Created != n {
			b.Fatalf("created %d, want %d", res.Created, n)
		}
		b.ReportMetric(float64(res.AssignmentsCreated), "assignments/op")
		b.ReportMetric(float64(len(calls.Accesses())-before)/n, "items/row")
		b.Logf("calls: %s", counter.summary())
	}
	rest := elapsed - phases.list - phases.apply - phases.assign
	b.Logf("phases over %d imports: parse+validate+plan %v, list people %v, person writes %v, assignments %v",
		b.N, rest.Round(time.Millisecond), phases.list.Round(time.Millisecond), phases.apply.Round(time.Millisecond), phases.assign.Round(time.Millisecond))
	b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "rows/s")
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
}

// sampleHeap records the largest live heap seen every 5 ms until stopped.
func sampleHeap(peak *atomic.Uint64) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	go func() {
		defer close(finished)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() { close(done); <-finished }
}
